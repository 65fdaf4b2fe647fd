"""Which rule verdicts may override the model: derived from reviewed data at train time.

A rule (a labeling function, or a detector span kind with the label it hints) is forced
into the served decision only when, on human-reviewed messages (reviewed train + dev,
never test), it is right at least ``min_precision`` of the time over at least
``min_support`` firings. Every other rule is a model input (detector kinds and per-label
rule counts are features), so the model can veto it. The list and the measurements are
written into the bundle's manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from msgrisk.labels import RISK_LABELS
from msgrisk.rules import ParsedMessage
from msgrisk.rules.registry import LABELING_FUNCTIONS
from msgrisk.rules.verdicts import KIND_PREFIX, LF_PREFIX, votes


def rule_precision(parsed: Sequence[ParsedMessage], Y: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per rule: the label it asserts, how often it fires, and its precision against ``Y``."""
    Y = np.asarray(Y, dtype=bool)
    index = {label: j for j, label in enumerate(RISK_LABELS)}
    fired: dict[str, list[int]] = {}
    label_of: dict[str, str] = {f"{LF_PREFIX}{lf.name}": lf.label for lf in LABELING_FUNCTIONS}
    for i, msg in enumerate(parsed):
        for name in votes(msg):
            fired.setdefault(f"{LF_PREFIX}{name}", []).append(i)
        seen: set[str] = set()
        for span in msg.spans:
            if span.label not in index:
                continue
            key = f"{KIND_PREFIX}{span.kind}"
            if key in seen:
                continue
            seen.add(key)
            # a kind hints one label; a kind seen with several labels is kept per label
            if label_of.setdefault(key, span.label) != span.label:
                key = f"{key}>{span.label}"
                label_of[key] = span.label
            fired.setdefault(key, []).append(i)
    report = {}
    for key, rows in sorted(fired.items()):
        label = label_of[key]
        hits = int(Y[rows, index[label]].sum())
        report[key] = {"label": label, "n": len(rows), "correct": hits,
                       "precision": round(hits / len(rows), 4)}
    return report


def forced_rules(report: dict[str, dict[str, Any]], min_precision: float, min_support: int
                 ) -> dict[str, str]:
    """``rule key -> label`` for the rules precise and frequent enough to force a label."""
    return {key: entry["label"] for key, entry in report.items()
            if entry["n"] >= min_support and entry["precision"] >= min_precision}
