"""Serving: scores from the bundle's linear model, then decisions (thresholds + rule overrides).

Public API (stable)::

    from msgrisk import predict, predict_batch, redact, load_predictor

Without a usable bundle (missing, failing its hash check, unreadable, incompatible) the
predictor falls back to the rules registry (``source="rules"``) and logs one warning
saying why and how to fix it. It never raises for a valid ``str``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from msgrisk import config, labels
from msgrisk.labels import RISK_LABELS
from msgrisk.rules import MAX_RUN, break_long_runs  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

#: Longest text scored in full; longer ones are scored on their first ``MAX_CHARS`` characters.
MAX_CHARS = int(os.environ.get("MSGRISK_MAX_CHARS", "5000"))
TOP_FEATURES = 5
SENDER_ROLES = ("buyer", "seller")
FULFILLMENTS = ("dispatched_by_kx", "seller_managed")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Span:
    """A detector hit on the ORIGINAL text: ``text[start:end] == span.text``."""

    label: str
    start: int
    end: int
    rule: str
    text: str


@dataclass(frozen=True)
class Prediction:
    """The risk labels of one message, with scores and explanations."""

    labels: tuple[str, ...]
    primary: str
    scores: dict[str, float]
    #: "model": every decision is the model's; "rules": the rules alone decided (no bundle,
    #: or no label's threshold is reachable); "model+rules": some flagged label came from a
    #: rule (a forced rule, or a label the model cannot serve) — see ``label_sources``
    source: str
    spans: list[Span] = field(default_factory=list)
    top_features: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    model_version: str | None = None
    truncated: bool = False
    #: flagged risk label -> "model" or "rules" (which one put it there)
    label_sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        out = asdict(self)
        out["labels"] = list(self.labels)
        out["top_features"] = {k: [[n, w] for n, w in v] for k, v in self.top_features.items()}
        return out


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"predict expects str, got {type(text).__name__}")
    return text


def prepare_text(text: str, max_chars: int = MAX_CHARS) -> tuple[str, bool]:
    """The window that is scored (the first ``max_chars`` characters) and whether it was cut.

    Sanitising (lone surrogates, very long runs) happens once, inside ``rules.parse_batch``,
    which also slices span texts from this window.
    """
    truncated = len(text) > max_chars
    return (text[:max_chars] if truncated else text), truncated


class Predictor:
    """A loaded bundle (or the rules alone) ready to score messages; thread-safe."""

    def __init__(self, bundle: Any | None = None, fallback_reason: str | None = None,
                 max_chars: int = MAX_CHARS):
        from msgrisk import rules
        from msgrisk.rules import verdicts

        self.bundle = bundle
        self.fallback_reason = fallback_reason
        self.max_chars = max_chars
        self._rules = rules
        self._verdicts = verdicts
        self.nlp = bundle.nlp if bundle is not None else rules.build_nlp()
        if bundle is not None:
            self.thresholds = np.asarray(
                [bundle.manifest["thresholds"][label] for label in RISK_LABELS], dtype=np.float32
            )
            self._names = bundle.featurizer.get_feature_names_out()
            # "forced": the model decides, and only the rules the manifest lists (precise
            # on reviewed data) force a label; "union" (older bundles): every rule verdict
            # is served; "overrides" (older still): only OVERRIDE_KINDS force labels
            self.combine = bundle.manifest.get("combine", "overrides")
            self.forced_rules: dict[str, str] = dict(bundle.manifest.get("forced_rules", {}))
            # a threshold above 1 can never be reached: the model cannot serve that label,
            # so the rules' verdict is served for it (and reported as such)
            self.rules_served = frozenset(lab for lab, t in zip(RISK_LABELS, self.thresholds,
                                                                strict=True) if t > 1.0)
        else:
            self.combine = "rules"
            self.rules_served = frozenset(RISK_LABELS)
        self._lock = threading.Lock()  # spaCy's Language is not documented as thread-safe
        self._warm_up()

    def _warm_up(self) -> None:
        """Score a few representative texts once, so lazily loaded parts (phonenumbers'
        per-region metadata, spaCy lookup tables, regex caches) are not paid by a caller."""
        samples = ["call me on 876 555 0142 or +1 305 555 0199 or +44 20 7946 0958",
                   "hi, when will order KX-12345678 ship?", ""]
        self.score(samples)

    @property
    def model_version(self) -> str | None:
        return self.bundle.version if self.bundle is not None else None

    @property
    def mode(self) -> str:
        return "model" if self.bundle is not None else "rules"

    # -- scores first ---------------------------------------------------------------------
    def score(self, texts: Sequence[str], batch_size: int = 256) -> tuple[list[Any], np.ndarray,
                                                                         Any]:
        """Parse and score already-prepared texts: (parsed messages, scores (n, 4), features)."""
        with self._lock:
            parsed = self._rules.parse_batch(list(texts), nlp=self.nlp, batch_size=batch_size)
        if self.bundle is None:
            rows = (self._verdicts.rules_scores(p) for p in parsed)
            scores = np.asarray([[row[label] for label in RISK_LABELS] for row in rows],
                                dtype=np.float64).reshape(len(parsed), len(RISK_LABELS))
            return parsed, scores, None
        X = self.bundle.featurizer.transform(parsed)
        return parsed, self.bundle.model.predict_proba(X), X

    # -- decisions second -----------------------------------------------------------------
    def decide(self, parsed: list[Any], scores: np.ndarray, X: Any,
               truncated: Sequence[bool]) -> list[Prediction]:
        """Apply thresholds and rule overrides; attach spans and top features."""
        out = []
        rules_threshold = self._verdicts.RULES_THRESHOLD
        all_rules = len(self.rules_served) == len(RISK_LABELS)
        for i, message in enumerate(parsed):
            row = scores[i]
            if not message.text.strip():  # nothing to judge: fine by contract, whatever the bias
                row = np.zeros(len(RISK_LABELS))
                flagged: set[str] = set()
                forced: set[str] = set()
                source = "rules" if all_rules else self.mode
            elif self.bundle is None:
                flagged = {lab for lab, s in zip(RISK_LABELS, row, strict=True)
                           if s >= rules_threshold}
                forced = set(flagged)
                source = "rules"
            else:
                flagged = {lab for lab, s, t in zip(RISK_LABELS, row, self.thresholds, strict=True)
                           if s >= t}
                if self.combine == "forced":
                    forced = self._verdicts.forced_labels(message, self.forced_rules)
                else:
                    forced = set(message.override_labels())
                if self.combine == "union" or self.rules_served:
                    ruled = set(self._verdicts.rules_labels(message)) - {labels.FINE}
                    forced |= ruled if self.combine == "union" else ruled & self.rules_served
                forced -= flagged
                source = "rules" if all_rules else "model+rules" if forced else "model"
                flagged |= forced
            final = labels.canonical(flagged)
            label_sources = {lab: "rules" if lab in forced else "model"
                             for lab in final if lab != labels.FINE}
            spans = [Span(s.label, s.start, s.end, s.rule, s.text) for s in message.spans]
            top = self._top_features(X, i, final) if X is not None else {}
            out.append(Prediction(
                labels=final, primary=labels.primary(final),
                scores={lab: round(float(s), 6) for lab, s in zip(RISK_LABELS, row, strict=True)},
                source=source, spans=spans, top_features=top,
                model_version=self.model_version, truncated=bool(truncated[i]),
                label_sources=label_sources,
            ))
        return out

    def _top_features(self, X: Any, i: int, flagged: tuple[str, ...]
                      ) -> dict[str, list[tuple[str, float]]]:
        top: dict[str, list[tuple[str, float]]] = {}
        lo, hi = X.indptr[i], X.indptr[i + 1]
        indices, values = X.indices[lo:hi], X.data[lo:hi]
        for label in flagged:
            if label == labels.FINE:
                continue
            j = RISK_LABELS.index(label)
            pairs = self.bundle.model.row_contributions(indices, values, j, top=TOP_FEATURES)
            top[label] = [(str(self._names[k]), round(w, 4)) for k, w in pairs if w > 0]
        return top

    def predict_batch(self, texts: Sequence[str], batch_size: int = 256) -> list[Prediction]:
        """Predictions for many texts; identical to :meth:`predict` one by one.

        Each distinct text is parsed and scored once (order messaging repeats short
        replies a lot: ~30% of the sample corpus are repeats); every input still gets its
        own :class:`Prediction`.
        """
        checked = [_check_text(t) for t in texts]
        prepared = [prepare_text(t, self.max_chars) for t in checked]
        if not prepared:
            return []
        first: dict[str, int] = {}
        inverse = [first.setdefault(text, len(first)) for text, _ in prepared]
        parsed, scores, X = self.score(list(first), batch_size=batch_size)
        if len(first) < len(prepared):
            rows = np.asarray(inverse)
            parsed, scores = [parsed[i] for i in inverse], scores[rows]
            X = X[rows] if X is not None else None
        return self.decide(parsed, scores, X, [p[1] for p in prepared])

    def predict(self, text: str, sender_role: str | None = None,
                fulfillment: str | None = None) -> Prediction:
        """Prediction for one text. ``sender_role``/``fulfillment`` are validated context."""
        _check_context(sender_role, fulfillment)
        return self.predict_batch([_check_text(text)])[0]


def _check_context(sender_role: str | None, fulfillment: str | None) -> None:
    if sender_role is not None and sender_role not in SENDER_ROLES:
        raise ValueError(f"sender_role must be one of {SENDER_ROLES} or None, got {sender_role!r}")
    if fulfillment is not None and fulfillment not in FULFILLMENTS:
        raise ValueError(f"fulfillment must be one of {FULFILLMENTS} or None, got {fulfillment!r}")


def _resolve(location: str) -> Path:
    """A bundle folder from a path or an MLflow ``models:/`` / ``runs:/`` URI."""
    if "://" in location or location.startswith(("models:/", "runs:/")):
        from msgrisk.training.tracking import download_bundle

        return download_bundle(location)
    return Path(location)


def load_predictor(path_or_uri: str | Path | None = None, allow_outside: bool = False
                   ) -> Predictor:
    """A predictor for an explicit bundle, else ``MSGRISK_MODEL``, else ``models/champion``.

    Falls back to rules-only (with one warning saying why) when the bundle is unusable.
    """
    from msgrisk.training.bundle import BundleError, load_bundle

    location = str(path_or_uri) if path_or_uri is not None else config.model_location()
    try:
        path = _resolve(location)
        is_uri = "://" in location or location.startswith(("models:/", "runs:/"))
        bundle = load_bundle(path, allow_outside=allow_outside or is_uri)
        return Predictor(bundle)  # inside the try: a loadable but malformed bundle falls back
    except (BundleError, OSError, ValueError, ImportError) as err:
        reason = str(err)
        log.warning("msgrisk: serving rules-only predictions: %s", reason)
        return Predictor(None, fallback_reason=reason)
    except Exception as err:  # e.g. an MLflow lookup failing: still never crash the caller
        reason = f"{type(err).__name__}: {err}. Train one with `make train`."
        log.warning("msgrisk: serving rules-only predictions: %s", reason)
        return Predictor(None, fallback_reason=reason)


_default: Predictor | None = None
_default_lock = threading.Lock()


def default_predictor() -> Predictor:
    """The process-wide predictor, loaded once, lazily and thread-safely."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load_predictor()
    return _default


def reset_default_predictor() -> None:
    """Forget the cached predictor (e.g. after promoting a new champion)."""
    global _default
    with _default_lock:
        _default = None


def predict(text: str, sender_role: str | None = None, fulfillment: str | None = None
            ) -> Prediction:
    """Risk labels for one message with the default predictor."""
    return default_predictor().predict(text, sender_role=sender_role, fulfillment=fulfillment)


def predict_batch(texts: Sequence[str], batch_size: int = 256) -> list[Prediction]:
    """Risk labels for many messages; same results as :func:`predict` one by one."""
    if isinstance(texts, str):
        raise TypeError("predict_batch expects a sequence of str, got str; use predict() instead")
    return default_predictor().predict_batch(texts, batch_size=batch_size)


def redact(text: str) -> str:
    """Mask contact details and secrets ("[PHONE]", "[EMAIL]", "[HANDLE]", ...)."""
    from msgrisk import rules

    if not isinstance(text, str):
        raise TypeError(f"redact expects str, got {type(text).__name__}")
    return rules.redact(_SURROGATE.sub("\ufffd", text))
