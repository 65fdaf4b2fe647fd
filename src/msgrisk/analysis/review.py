"""Review queue: a stratified sample of messages for analysts to label, within a budget.

Every distinct text of the input gets one **stratum**, from its model decision:

- flagged messages, by their most severe flagged label ``L``:
  ``L:confident`` (score of ``L`` at or above the band's top: a reviewer must see these too,
  or confident false positives never surface) and ``L:borderline`` (score below the band's
  top: near the threshold, or forced by a rule the model doubts);
- messages predicted ``fine``, by the label ``L`` whose human label is worth the most:
  ``L:uncertain`` (score of ``L`` at or above the band's bottom) and ``L:rules_only`` (a rule
  fires ``L``, the model does not);
- ``fine:random``: everything else, a small random slice to estimate what the model misses.

The budget ``n`` is split across the non-empty strata (equal shares, the ``fine`` slice
half a share; what a small stratum cannot use goes to the others) and each stratum is
sampled uniformly with ``seed``, so a queue is reproducible and never holds the same message
(or text: one review covers every copy) twice. ``reason`` says which stratum picked the row
and what the model and the rules said; ``weight`` (stratum size / rows sampled from it)
turns reviewed rows into estimates for the whole input. Rows are ordered by ``priority``,
the expected value of a human label: uncertainty of the score times the severity of the
label, taken over the four labels.

Reviewers fill ``review_labels`` (:data:`msgrisk.analysis.feedback.ACCEPTED_FORMAT`),
``reviewer`` and ``review_note`` — in the CSV, or in Label Studio (``--format labelstudio``
or an output ending in ``.json``, see :mod:`msgrisk.analysis.labelstudio`);
``msgrisk.analysis.feedback.import_feedback`` reads either back.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import labels
from msgrisk.analysis import labelstudio
from msgrisk.analysis.feedback import ACCEPTED_FORMAT, write_csv
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
#: Default review budget (rows in the queue).
DEFAULT_N = 200
#: Score bins of a risk label, in stratum order.
BINS: tuple[str, ...] = ("confident", "borderline", "uncertain", "rules_only")
FINE_STRATUM = f"{labels.FINE}:random"
#: Every stratum, in order (ties in the budget split go to the earlier one).
STRATA: tuple[str, ...] = (*(f"{lab}:{b}" for lab in RISK_LABELS for b in BINS), FINE_STRATUM)
#: Share of the budget per stratum, relative to the others: the random slice of messages
#: predicted fine only estimates misses, so it gets half a share.
STRATUM_SHARES: dict[str, float] = {name: 0.5 if name == FINE_STRATUM else 1.0
                                    for name in STRATA}
FORMATS = ("csv", "labelstudio")


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 at score 0.5, 0 at scores 0 and 1 (``1 - |2s - 1|``)."""
    return 1.0 - np.abs(2.0 * np.asarray(scores, dtype=float) - 1.0)


def _label_priorities(scores: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    """(n, 4) value of a human label per message and label: uncertainty x severity."""
    u = np.maximum(uncertainty(scores), np.where(disagree, DISAGREEMENT_UNCERTAINTY, 0.0))
    return u * np.asarray([SEVERITY_WEIGHTS[label] for label in RISK_LABELS])


def priorities(scores: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    """Expected value of a label per message: max over labels of uncertainty x severity."""
    return _label_priorities(scores, disagree).max(axis=1) if len(scores) else np.zeros(0)


def assign_strata(scores: np.ndarray, model_y: np.ndarray, rules_y: np.ndarray,
                  band: tuple[float, float], compare_rules: bool = True) -> np.ndarray:
    """The stratum (one of :data:`STRATA`) of each message; see the module docstring.

    ``scores``, ``model_y`` (final decisions) and ``rules_y`` (rules-only decisions) are
    (n, 4) in ``RISK_LABELS`` order; ``compare_rules=False`` (rules-only predictor) never
    yields ``rules_only``.
    """
    lo, hi = band
    scores = np.asarray(scores, dtype=float).reshape(-1, len(RISK_LABELS))
    model_y = np.asarray(model_y, dtype=bool).reshape(scores.shape)
    rules_y = np.asarray(rules_y, dtype=bool).reshape(scores.shape)
    n = len(scores)
    out = np.full(n, FINE_STRATUM, dtype=object)
    if n == 0:
        return out
    rows = np.arange(n)
    names = np.asarray(RISK_LABELS, dtype=object)

    flagged = model_y.any(axis=1)
    top = np.argmax(model_y, axis=1)  # first flagged label = most severe
    confident = scores[rows, top] >= hi
    out[flagged & confident] = names[top[flagged & confident]] + ":confident"
    out[flagged & ~confident] = names[top[flagged & ~confident]] + ":borderline"

    near = (scores >= lo) & ~model_y
    rules_only = (rules_y & ~model_y & ~near) if compare_rules else np.zeros_like(near)
    candidate = near | rules_only
    value = np.where(candidate, _label_priorities(scores, rules_only) + 1e-9, -1.0)
    best = np.argmax(value, axis=1)
    pick = ~flagged & candidate.any(axis=1)
    bins = np.where(near[rows, best], ":uncertain", ":rules_only").astype(object)
    out[pick] = names[best[pick]] + bins[pick]
    return out


def allocate(sizes: dict[str, int], n: int,
             shares: dict[str, float] | None = None) -> dict[str, int]:
    """Split a budget of ``n`` rows across strata of ``sizes``.

    Every non-empty stratum gets a share of what is left (``shares``, default
    :data:`STRATUM_SHARES`), capped at its size; what a stratum cannot use is split again
    among the others. When fewer rows than strata remain, the largest shares (then the
    earlier strata) get one each. Returns rows per stratum; the total is ``min(n, sum)``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    shares = shares or STRATUM_SHARES
    order = {name: i for i, name in enumerate(sizes)}
    given = dict.fromkeys(sizes, 0)
    remaining = min(n, sum(sizes.values()))
    active = [name for name, size in sizes.items() if size > 0]
    while remaining > 0 and active:
        total = sum(shares.get(name, 1.0) for name in active)
        quota = {name: remaining * shares.get(name, 1.0) / total for name in active}
        step = {name: min(int(quota[name]), sizes[name] - given[name]) for name in active}
        if not any(step.values()):  # fewer rows left than strata: one each, largest first
            ranked = sorted(active, key=lambda name: (-quota[name], order[name]))
            step = dict.fromkeys(ranked[:remaining], 1)
        for name, k in step.items():
            given[name] += k
            remaining -= k
        active = [name for name in active if given[name] < sizes[name]]
    return given


def sample_strata(strata: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Positions of a stratified sample of at most ``n`` rows, reproducible with ``seed``.

    Each stratum is sampled uniformly without replacement with its own generator
    (``seed``, stratum index), so one stratum's draw does not depend on the others' sizes.
    """
    strata = np.asarray(strata, dtype=object)
    names = list(dict.fromkeys([*STRATA, *strata.tolist()]))
    sizes = {name: int((strata == name).sum()) for name in names}
    budget = allocate(sizes, n)
    chosen: list[np.ndarray] = []
    for index, name in enumerate(names):
        if budget[name]:
            members = np.flatnonzero(strata == name)
            rng = np.random.default_rng([seed, index])
            chosen.append(np.sort(rng.choice(members, size=budget[name], replace=False)))
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)


def _reasons(strata: np.ndarray, scores: np.ndarray, model_y: np.ndarray,
             rules_y: np.ndarray, disagree: np.ndarray, lo: float) -> list[str]:
    out = []
    for i in range(len(scores)):
        parts = [f"picked by {strata[i]}"]
        parts += [f"flagged:{lab}({scores[i, j]:.2f})"
                  for j, lab in enumerate(RISK_LABELS) if model_y[i, j]]
        parts += [f"uncertain:{lab}({scores[i, j]:.2f})"
                  for j, lab in enumerate(RISK_LABELS) if not model_y[i, j] and scores[i, j] >= lo]
        parts += [f"disagree:{lab}(model={'yes' if model_y[i, j] else 'no'},"
                  f"rules={'yes' if rules_y[i, j] else 'no'})"
                  for j, lab in enumerate(RISK_LABELS) if disagree[i, j]]
        out.append("; ".join(parts))
    return out


def resolve_format(output: Path, format: str | None) -> str:
    """``format`` if given, else ``labelstudio`` for a ``.json`` output and ``csv`` otherwise."""
    if format is None:
        return "labelstudio" if Path(output).suffix.lower() == ".json" else "csv"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


def review_queue(input: Path, output: Path, band: tuple[float, float] = (0.35, 0.65),
                 limit: int | None = None, model: str | None = None, text_column: str = "text",
                 *, n: int | None = None, seed: int = 0, format: str | None = None,
                 predictor: Any = None) -> dict[str, Any]:
    """Write a stratified review queue of ``input`` (CSV/parquet) to ``output``, best first.

    ``n`` is the budget (rows; default :data:`DEFAULT_N`), ``limit`` its older name.
    ``format`` is ``csv`` or ``labelstudio`` (JSON import tasks plus a labeling config
    beside them); by default ``.json`` outputs are Label Studio tasks. ``predictor``
    (keyword only) reuses an already loaded predictor instead of ``model``.
    """
    lo, hi = band
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"band must satisfy 0 <= low < high <= 1, got {band}; e.g. 0.35:0.65")
    if n is not None and limit is not None and n != limit:
        raise ValueError(f"n={n} and limit={limit} disagree; --limit is an alias of --n, "
                         "pass only one")
    budget = n if n is not None else limit if limit is not None else DEFAULT_N
    if budget < 0:
        raise ValueError(f"n must be >= 0, got {budget}")
    kind = resolve_format(Path(output), format)
    frame = read_table(Path(input))
    if text_column not in frame.columns:
        raise ValueError(f"{input} has no column {text_column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}); pass --text-column")
    frame = frame[frame[text_column].map(lambda t: isinstance(t, str) and bool(t.strip()))]
    n_messages = len(frame)
    frame = frame[~frame[text_column].duplicated()]  # one review covers every copy of a text
    predictor = predictor if predictor is not None else get_predictor(model)
    scored = score_texts(predictor, frame[text_column].tolist())

    shape = (len(frame), len(RISK_LABELS))
    model_y = np.asarray([labels.to_vector(x) for x in scored.labels], dtype=bool).reshape(shape)
    rules_y = np.asarray([labels.to_vector(x) for x in scored.rules_labels],
                         dtype=bool).reshape(shape)
    scores = np.asarray(scored.scores, dtype=float).reshape(shape)
    compare = predictor.mode == "model"  # rules-only mode has no independent opinion
    disagree = (model_y != rules_y) if compare else np.zeros_like(model_y)
    in_band = (scores >= lo) & (scores <= hi)
    strata = assign_strata(scores, model_y, rules_y, band, compare_rules=compare)
    picked = sample_strata(strata, budget, seed)
    sizes = {name: int((strata == name).sum()) for name in STRATA}
    queued = {name: int((strata[picked] == name).sum()) for name in STRATA}

    queue = pd.DataFrame(index=frame.index)
    if "message_id" in frame.columns:
        queue["message_id"] = frame["message_id"].astype(str).to_numpy()
    queue["text"] = frame[text_column].to_numpy()
    table = scored.frame()
    queue["labels"] = table["labels"].to_numpy()
    for column in SCORE_COLUMNS:
        queue[column] = table[column].round(4).to_numpy()
    queue["rules_labels"] = table["rules_labels"].to_numpy()
    queue["reason"] = _reasons(strata, scores, model_y, rules_y, disagree, lo)
    queue["priority"] = np.round(priorities(scores, disagree), 4)
    queue["stratum"] = strata
    queue["weight"] = [round(sizes[s] / queued[s], 4) if queued.get(s) else 0.0 for s in strata]
    for column in REVIEW_COLUMNS:
        queue[column] = ""
    queue = queue.iloc[picked].sort_values("priority", ascending=False, kind="stable")

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"input": str(input), "output": str(output), "format": kind}
    if kind == "labelstudio":
        tasks = labelstudio.queue_to_tasks(queue, predictor.model_version)
        summary["label_config"] = str(labelstudio.write_tasks(tasks, output))
    else:
        write_csv(queue, output)
    log.info("review queue: %d of %d distinct texts queued", len(queue), len(frame))
    return {
        **summary, "n_messages": n_messages, "n_distinct": len(frame), "n": budget, "seed": seed,
        "n_queued": len(queue),
        "strata": {name: {"size": sizes[name], "queued": queued[name]} for name in STRATA},
        "n_flagged": int(model_y.any(axis=1).sum()),
        "n_uncertain": int(in_band.any(axis=1).sum()), "n_disagree": int(disagree.any(axis=1).sum()),
        "per_label_uncertain": {lab: int(in_band[:, j].sum()) for j, lab in enumerate(RISK_LABELS)},
        "per_label_disagree": {lab: int(disagree[:, j].sum()) for j, lab in enumerate(RISK_LABELS)},
        "band": [lo, hi], "model_version": predictor.model_version,
        "how_to_review": f"fill review_labels, reviewer and review_note; {ACCEPTED_FORMAT}",
    }
