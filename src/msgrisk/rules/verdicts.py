"""Rule verdicts: each labeling function's vote on a parsed message, and the rules-only labels.

The same registry serves weak labeling at train time (``vote_matrix``) and the fallback
at predict time (``rules_labels``); nothing here is fitted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from msgrisk.labels import RISK_LABELS, canonical
from msgrisk.rules.parsed import ParsedMessage
from msgrisk.rules.registry import ABSTAIN, LABELING_FUNCTIONS, spanless_lfs

#: Rules-only decision threshold on ``rules_scores`` (and on label-model probabilities).
RULES_THRESHOLD = 0.5
#: Precision assumed for an LF before any fitting (used by the rules-only fallback).
DEFAULT_LF_PRECISION = 0.9
LABEL_INDEX = {label: i for i, label in enumerate(RISK_LABELS)}
#: key prefixes of a bundle manifest's ``forced_rules`` (see ``training.forced``)
LF_PREFIX = "lf:"
KIND_PREFIX = "kind:"


def votes(msg: ParsedMessage) -> dict[str, str]:
    """LF name -> label for every labeling function that did not abstain (cached on ``msg``)."""
    cached = msg.__dict__.get("_votes")
    if cached is not None:
        return cached
    out: dict[str, str] = {}
    for lf in LABELING_FUNCTIONS if msg.spans else spanless_lfs():
        vote = lf(msg)
        if vote is not ABSTAIN:
            out[lf.name] = vote
    msg.__dict__["_votes"] = out
    return out


def lf_label_indices() -> np.ndarray:
    """Risk-label index (RISK_LABELS order) of every registered LF, in registry order."""
    return np.array([LABEL_INDEX[lf.label] for lf in LABELING_FUNCTIONS], dtype=int)


def vote_matrix(parsed: Sequence[ParsedMessage]) -> np.ndarray:
    """``(n_messages, n_lfs)`` matrix of risk-label index (RISK_LABELS order) or -1 (abstain)."""
    names = {lf.name: j for j, lf in enumerate(LABELING_FUNCTIONS)}
    out = np.full((len(parsed), len(LABELING_FUNCTIONS)), -1, dtype=np.int8)
    for i, msg in enumerate(parsed):
        for name, label in votes(msg).items():
            out[i, names[name]] = LABEL_INDEX[label]
    return out


def rules_scores(parsed: ParsedMessage) -> dict[str, float]:
    """Rules-only ``P(label)`` with default LF precisions (noisy-OR; no fitting needed)."""
    scores = dict.fromkeys(RISK_LABELS, 0.0)
    for label in votes(parsed).values():
        scores[label] = 1.0 - (1.0 - scores[label]) * (1.0 - DEFAULT_LF_PRECISION)
    return scores


def rules_labels(parsed: ParsedMessage, threshold: float = RULES_THRESHOLD) -> tuple[str, ...]:
    """Canonical labels from :func:`rules_scores` (``("fine",)`` when none passes)."""
    scores = rules_scores(parsed)
    return canonical(label for label, p in scores.items() if p >= threshold)


def forced_labels(msg: ParsedMessage, forced: dict[str, str]) -> set[str]:
    """Labels the forced rules assert on one parsed message (empty when none fire)."""
    if not forced:
        return set()
    out = set()
    for span in msg.spans:
        label = forced.get(f"{KIND_PREFIX}{span.kind}") or forced.get(
            f"{KIND_PREFIX}{span.kind}>{span.label}")
        if label:
            out.add(label)
    for name in votes(msg):
        label = forced.get(f"{LF_PREFIX}{name}")
        if label:
            out.add(label)
    return out
