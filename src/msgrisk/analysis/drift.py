"""Drift between two message batches: label rates, score distributions (PSI), detector hits,
vocabulary. ``exceeded`` is True when any label's PSI is above the threshold.

PSI (population stability index) per label over FIXED score bins (finer near 0, where most
scores of a rare label sit), each bin share floored at ``EPSILON`` so an empty bin does not
make the index infinite: ``sum((new - ref) * ln(new / ref))``. Rule of thumb: < 0.1 stable,
0.1-0.2 watch, > 0.2 shifted.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from msgrisk import config
from msgrisk.analysis.notebook import Scored, get_predictor, read_table, score_texts
from msgrisk.evaluation import reporting
from msgrisk.labels import RISK_LABELS

log = logging.getLogger(__name__)

#: Fixed PSI bin edges on [0, 1].
BINS = np.array([0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0])
EPSILON = 1e-4


def psi(reference: np.ndarray, new: np.ndarray, bins: np.ndarray = BINS,
        epsilon: float = EPSILON) -> float:
    """Population stability index of ``new`` against ``reference`` (scores in [0, 1])."""
    ref = np.histogram(np.clip(reference, 0, 1), bins=bins)[0].astype(float)
    cur = np.histogram(np.clip(new, 0, 1), bins=bins)[0].astype(float)
    if ref.sum() == 0 or cur.sum() == 0:
        return 0.0
    ref = np.maximum(ref / ref.sum(), epsilon)
    cur = np.maximum(cur / cur.sum(), epsilon)
    ref, cur = ref / ref.sum(), cur / cur.sum()
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _label_rates(scored: Scored) -> dict[str, float]:
    n = max(len(scored.labels), 1)
    return {label: sum(label in x for x in scored.labels) / n for label in (*RISK_LABELS, "fine")}


def _kind_rates(scored: Scored) -> dict[str, float]:
    n = max(len(scored.kinds), 1)
    hits: Counter[str] = Counter()
    for kinds in scored.kinds:
        hits.update(set(kinds))  # share of messages with at least one hit of the kind
    return {kind: count / n for kind, count in sorted(hits.items())}


def _model_vocabulary(predictor: Any) -> set[str] | None:
    """Unigrams of the bundle's normalised-text n-gram block (the model's vocabulary)."""
    if predictor.bundle is None:
        return None
    names = predictor.bundle.featurizer.get_feature_names_out()
    return {str(n)[5:] for n in names if str(n).startswith("norm:") and " " not in str(n)}


def _oov_share(tokens: list[list[str]], vocabulary: set[str]) -> float:
    flat = [t for toks in tokens for t in toks]
    return round(sum(t not in vocabulary for t in flat) / len(flat), 4) if flat else 0.0


def _scored_batch(path: Path, predictor: Any, text_column: str) -> Scored:
    frame = read_table(Path(path))
    if text_column not in frame.columns:
        raise ValueError(f"{path} has no column {text_column!r}; pass --text-column")
    texts = [t for t in frame[text_column] if isinstance(t, str)]
    return score_texts(predictor, texts)


def drift_report(reference: Path, new: Path, model: str | None = None,
                 psi_threshold: float = 0.2, output: Path | None = None,
                 text_column: str = "text", *, predictor: Any = None) -> dict[str, Any]:
    """Compare two batches (CSV/parquet with a text column); write JSON and a figure.

    Writes ``output`` (default ``reports/drift.json``) and ``figures/drift.png`` next to it.
    """
    predictor = predictor if predictor is not None else get_predictor(model)
    ref, cur = (_scored_batch(reference, predictor, text_column),
                _scored_batch(new, predictor, text_column))
    if not ref.labels or not cur.labels:
        raise ValueError("both batches need at least one text to compare")
    psis = {label: round(psi(ref.scores[:, j], cur.scores[:, j]), 4)
            for j, label in enumerate(RISK_LABELS)}
    ref_rates, new_rates = _label_rates(ref), _label_rates(cur)
    ref_kinds, new_kinds = _kind_rates(ref), _kind_rates(cur)
    kinds = sorted(set(ref_kinds) | set(new_kinds))
    ref_vocab = {t for toks in ref.tokens for t in toks}
    model_vocab = _model_vocabulary(predictor)
    exceeded = [label for label, v in psis.items() if v > psi_threshold]
    report: dict[str, Any] = {
        "reference": str(reference), "new": str(new),
        "n_reference": len(ref.labels), "n_new": len(cur.labels),
        "model_version": predictor.model_version,
        "psi_threshold": psi_threshold, "psi_bins": BINS.tolist(), "psi": psis,
        "exceeded": bool(exceeded), "exceeded_labels": exceeded,
        "label_rates": {label: {"reference": round(ref_rates[label], 4),
                                "new": round(new_rates[label], 4),
                                "delta": round(new_rates[label] - ref_rates[label], 4)}
                        for label in ref_rates},
        "detector_hit_rates": {kind: {"reference": round(ref_kinds.get(kind, 0.0), 4),
                                      "new": round(new_kinds.get(kind, 0.0), 4)}
                               for kind in kinds},
        "vocabulary": {
            "new_tokens_unseen_in_reference": _oov_share(cur.tokens, ref_vocab),
            "new_tokens_unseen_by_model": (_oov_share(cur.tokens, model_vocab)
                                           if model_vocab is not None else None),
            "reference_tokens_unseen_by_model": (_oov_share(ref.tokens, model_vocab)
                                                 if model_vocab is not None else None),
        },
    }
    out = Path(output) if output is not None else config.paths().reports / "drift.json"
    figure = out.parent / "figures" / f"{out.stem}.png"
    report["figure"] = str(plot_drift(ref.scores, cur.scores, psis, figure))
    reporting.write_json(out, report)
    report["output"] = str(out)
    log.info("drift: max PSI %.3f (threshold %.2f)", max(psis.values()), psi_threshold)
    return report


def plot_drift(reference: np.ndarray, new: np.ndarray, psis: dict[str, float], path: Path
               ) -> Path:
    """Per-label score histograms of both batches (shares per fixed PSI bin), PSI in titles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(4 * len(RISK_LABELS), 3.2))
    x = np.arange(len(BINS) - 1)
    for j, (ax, label) in enumerate(zip(axes, RISK_LABELS, strict=True)):
        for values, name, shift in ((reference, "reference", -0.2), (new, "new", 0.2)):
            counts = np.histogram(np.clip(values[:, j], 0, 1), bins=BINS)[0]
            ax.bar(x + shift, counts / max(counts.sum(), 1), width=0.4, label=name)
        ax.set(title=f"{label} (PSI {psis[label]:.2f})", yscale="log", xlabel="score bin",
               ylabel="share")
        ax.set_xticks(x, [f"{b:g}" for b in BINS[:-1]], rotation=90, fontsize=7)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def shifted_sample(messages: Any, truth: Any, label: str, share: float, n: int, seed: int = 0
                   ) -> Any:
    """``n`` messages of which ``share`` truly carry ``label`` (sampled with replacement if
    needed): a simulated campaign, for drift demos and tests."""
    joined = messages.merge(truth[["message_id", "labels"]], on="message_id")
    has = joined["labels"].str.split("|").map(lambda x: label in x)
    n_pos = round(n * share)
    pos = joined[has].sample(n_pos, replace=n_pos > has.sum(), random_state=seed)
    neg = joined[~has].sample(n - n_pos, replace=n - n_pos > (~has).sum(), random_state=seed)
    out = (messages.set_index("message_id").loc[list(pos["message_id"]) + list(neg["message_id"])]
           .reset_index())
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)
