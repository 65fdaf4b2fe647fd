"""``ParsedMessage``: one message with its detector spans, LF votes and features."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from msgrisk.labels import OFF_PLATFORM, RISK_LABELS, SUSPICIOUS
from msgrisk.rules.spans import SPAN_KINDS, Span

#: Negated-mention groups reported as features ("I don't use WhatsApp" -> channel).
NEGATION_GROUPS: dict[str, tuple[str, ...]] = {
    "channel": ("app", "contact", "handle", "payment"),
    "secret": ("secret_code", "secret_password", "secret_card", "secret_bank"),
    "other": ("verify", "prize", "overpayment", "threat", "dispute_pressure"),
}
#: Every key ``ParsedMessage.features()`` returns, in a fixed order.
#: ``n_<kind>``: spans of that kind; ``n_label_<label>``: spans hinting that label;
#: ``negated_<group>``: channel/secret/other mentions suppressed by negation;
#: ``has_digits_run``: 7+ consecutive digits after normalisation; ``n_digits``;
#: ``caps_ratio``: share of upper-case letters among letters (0 if < 8 letters);
#: ``n_exclaim``/``n_question``: ``!``/``?`` counts; ``n_tokens``; ``obfuscated``: the
#: normalised text differs from the lowercased original. (The LF vote count is not a
#: feature: it fires for every label alike and would cost an LF pass per message.)
FEATURE_NAMES: tuple[str, ...] = (
    *(f"n_{kind}" for kind in SPAN_KINDS),
    *(f"n_label_{label}" for label in RISK_LABELS),
    *(f"negated_{group}" for group in NEGATION_GROUPS),
    "has_digits_run", "n_digits", "caps_ratio", "n_exclaim", "n_question", "n_tokens",
    "obfuscated",
)
#: Span kinds precise enough to force a label regardless of the model.
OVERRIDE_KINDS: dict[str, str] = {
    "phone": OFF_PLATFORM,
    "email": OFF_PLATFORM,
    "secret_code": SUSPICIOUS,
    "secret_password": SUSPICIOUS,
    "secret_card": SUSPICIOUS,
}
_DIGITS_RUN = re.compile(r"\d{7,}")


@dataclass(frozen=True, eq=False)
class ParsedMessage:
    """A message after normalisation and detection (``doc`` is None when parsed without spaCy)."""

    text: str
    normalized: str
    spans: list[Span]
    doc: Any = None
    negated: dict[str, int] = field(default_factory=dict)

    @cached_property
    def kinds(self) -> Counter[str]:
        """Span counts per kind."""
        return Counter(span.kind for span in self.spans)

    def has(self, *kinds: str) -> bool:
        """Whether any span has one of ``kinds``."""
        counts = self.kinds
        return any(counts[kind] for kind in kinds)

    def rules(self, kind: str) -> set[str]:
        """Detector names that produced spans of ``kind``."""
        return {span.rule for span in self.spans if span.kind == kind}

    def features(self) -> dict[str, float]:
        """Detector-derived numeric features; keys are always :data:`FEATURE_NAMES`."""
        feats = dict.fromkeys(FEATURE_NAMES, 0.0)
        for kind, n in self.kinds.items():
            feats[f"n_{kind}"] = float(n)
        for span in self.spans:
            feats[f"n_label_{span.label}"] += 1.0
        for group, kinds in NEGATION_GROUPS.items():
            feats[f"negated_{group}"] = float(sum(self.negated.get(k, 0) for k in kinds))
        # map/filter with str methods: same per-character tests, no Python frame per character
        letters = list(filter(str.isalpha, self.text))
        if len(letters) >= 8:
            feats["caps_ratio"] = sum(map(str.isupper, letters)) / len(letters)
        feats["has_digits_run"] = float(bool(_DIGITS_RUN.search(self.normalized)))
        feats["n_digits"] = float(sum(map(str.isdigit, self.normalized)))
        feats["n_exclaim"] = float(self.text.count("!"))
        feats["n_question"] = float(self.text.count("?"))
        feats["n_tokens"] = float(len(self.doc) if self.doc is not None else len(self.text.split()))
        feats["obfuscated"] = float(self.normalized != self.text.lower())
        return feats

    def override_labels(self) -> set[str]:
        """Labels forced by high-precision hits (shared phone/e-mail, secret requests)."""
        return {OVERRIDE_KINDS[s.kind] for s in self.spans if s.kind in OVERRIDE_KINDS}
