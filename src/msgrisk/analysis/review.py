"""Review queue: the messages whose human label is worth the most, for analysts to label.

A message is queued when the model is unsure about some label (score inside ``band``) or
when the rules-only decision and the model decision disagree. Priority is the expected
value of a human label: uncertainty of the score times the severity of the label, taken
over the four labels. Reviewers fill ``review_labels`` (``|``-joined labels or ``fine``),
``reviewer`` and ``review_note``; ``msgrisk.analysis.feedback.import_feedback`` reads them back.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import labels
from msgrisk.analysis.notebook import SCORE_COLUMNS, get_predictor, read_table, score_texts
from msgrisk.labels import RISK_LABELS

log = logging.getLogger(__name__)

#: Value of getting a label right, per label (severity order of the label contract).
SEVERITY_WEIGHTS: dict[str, float] = {
    labels.SUSPICIOUS: 1.0, labels.OFF_PLATFORM: 0.8, labels.AGGRESSIVE: 0.6, labels.PROMISE: 0.4,
}
#: Uncertainty given to a label on which rules and model disagree, however sure the model is:
#: two sources contradict each other, so a human label is as informative as a coin flip's.
DISAGREEMENT_UNCERTAINTY = 0.5
REVIEW_COLUMNS = ["review_labels", "reviewer", "review_note"]


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 at score 0.5, 0 at scores 0 and 1 (``1 - |2s - 1|``)."""
    return 1.0 - np.abs(2.0 * np.asarray(scores, dtype=float) - 1.0)


def priorities(scores: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    """Expected value of a label per message: max over labels of uncertainty x severity."""
    u = np.maximum(uncertainty(scores), np.where(disagree, DISAGREEMENT_UNCERTAINTY, 0.0))
    weights = np.asarray([SEVERITY_WEIGHTS[label] for label in RISK_LABELS])
    return (u * weights).max(axis=1) if len(u) else np.zeros(0)


def _reasons(scores: np.ndarray, in_band: np.ndarray, model_y: np.ndarray,
             disagree: np.ndarray) -> list[str]:
    out = []
    for i in range(len(scores)):
        parts = [f"uncertain:{lab}({scores[i, j]:.2f})"
                 for j, lab in enumerate(RISK_LABELS) if in_band[i, j]]
        parts += [f"disagree:{lab}(model={'yes' if model_y[i, j] else 'no'},"
                  f"rules={'no' if model_y[i, j] else 'yes'})"
                  for j, lab in enumerate(RISK_LABELS) if disagree[i, j]]
        out.append("; ".join(parts))
    return out


def review_queue(input: Path, output: Path, band: tuple[float, float] = (0.35, 0.65),
                 limit: int | None = None, model: str | None = None, text_column: str = "text",
                 *, predictor: Any = None) -> dict[str, Any]:
    """Write the review queue of ``input`` (CSV/parquet) to ``output`` (CSV), best first.

    ``predictor`` (keyword only) reuses an already loaded predictor instead of ``model``.
    """
    lo, hi = band
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"band must satisfy 0 <= low < high <= 1, got {band}; e.g. 0.35:0.65")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    frame = read_table(Path(input))
    if text_column not in frame.columns:
        raise ValueError(f"{input} has no column {text_column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}); pass --text-column")
    frame = frame[frame[text_column].map(lambda t: isinstance(t, str) and bool(t.strip()))]
    predictor = predictor if predictor is not None else get_predictor(model)
    scored = score_texts(predictor, frame[text_column].tolist())

    model_y = np.asarray([labels.to_vector(x) for x in scored.labels], dtype=bool)
    rules_y = np.asarray([labels.to_vector(x) for x in scored.rules_labels], dtype=bool)
    model_y = model_y.reshape(len(frame), len(RISK_LABELS))
    rules_y = rules_y.reshape(len(frame), len(RISK_LABELS))
    in_band = (scored.scores >= lo) & (scored.scores <= hi)
    # rules-only mode has no independent opinion to disagree with
    disagree = (model_y != rules_y) if predictor.mode == "model" else np.zeros_like(model_y)
    selected = in_band.any(axis=1) | disagree.any(axis=1)

    queue = pd.DataFrame(index=frame.index)
    if "message_id" in frame.columns:
        queue["message_id"] = frame["message_id"].astype(str).to_numpy()
    queue["text"] = frame[text_column].to_numpy()
    table = scored.frame()
    queue["labels"] = table["labels"].to_numpy()
    for column in SCORE_COLUMNS:
        queue[column] = table[column].round(4).to_numpy()
    queue["rules_labels"] = table["rules_labels"].to_numpy()
    queue["reason"] = _reasons(scored.scores, in_band, model_y, disagree)
    queue["priority"] = np.round(priorities(scored.scores, disagree), 4)
    for column in REVIEW_COLUMNS:
        queue[column] = ""
    queue = queue[selected].sort_values("priority", ascending=False, kind="stable")
    if limit is not None:
        queue = queue.head(limit)

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    queue.to_csv(partial, index=False)
    partial.replace(output)
    log.info("review queue: %d of %d messages queued", len(queue), len(frame))
    return {
        "input": str(input), "output": str(output), "n_messages": len(frame),
        "n_queued": len(queue), "n_selected": int(selected.sum()),
        "n_uncertain": int(in_band.any(axis=1).sum()), "n_disagree": int(disagree.any(axis=1).sum()),
        "per_label_uncertain": {lab: int(in_band[:, j].sum()) for j, lab in enumerate(RISK_LABELS)},
        "per_label_disagree": {lab: int(disagree[:, j].sum()) for j, lab in enumerate(RISK_LABELS)},
        "band": [lo, hi], "model_version": predictor.model_version,
    }
