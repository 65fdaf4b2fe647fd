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
_FEATURE_POSITION = {name: i for i, name in enumerate(FEATURE_NAMES)}


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
        feats.update(self.nonzero_features())
        return feats

    def nonzero_features(self) -> dict[str, float]:
        """The non-zero entries of :meth:`features`, in :data:`FEATURE_NAMES` order (what a
        sparse featurizer needs, without building the ~60 zero entries per message)."""
        feats: dict[str, float] = {}
        for kind, n in self.kinds.items():
            feats[f"n_{kind}"] = float(n)
        if self.spans:
            per_label = Counter(span.label for span in self.spans)
            for label, n in per_label.items():
                feats[f"n_label_{label}"] = float(n)
        if self.negated:
            for group, kinds in NEGATION_GROUPS.items():
                count = sum(self.negated.get(k, 0) for k in kinds)
                if count:
                    feats[f"negated_{group}"] = float(count)
        # map/filter with str methods: same per-character tests, no Python frame per character
        letters = list(filter(str.isalpha, self.text))
        if len(letters) >= 8:
            caps = sum(map(str.isupper, letters))
            if caps:
                feats["caps_ratio"] = caps / len(letters)
        if _DIGITS_RUN.search(self.normalized):
            feats["has_digits_run"] = 1.0
        digits = sum(map(str.isdigit, self.normalized))
        if digits:
            feats["n_digits"] = float(digits)
        for key, char in (("n_exclaim", "!"), ("n_question", "?")):
            count = self.text.count(char)
            if count:
                feats[key] = float(count)
        n_tokens = len(self.doc) if self.doc is not None else len(self.text.split())
        if n_tokens:
            feats["n_tokens"] = float(n_tokens)
        if self.normalized != self.text.lower():
            feats["obfuscated"] = 1.0
        return dict(sorted(feats.items(), key=lambda kv: _FEATURE_POSITION[kv[0]]))

    def override_labels(self) -> set[str]:
        """Labels forced by high-precision hits (shared phone/e-mail, secret requests)."""
        return {OVERRIDE_KINDS[s.kind] for s in self.spans if s.kind in OVERRIDE_KINDS}
