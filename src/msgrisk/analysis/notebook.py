"""Analysis helpers shared by the review queue, the drift report and the notebooks.

Notebooks call these instead of carrying their own copies (cookiecutter-data-science:
code used twice moves into ``src/``). Everything returns data frames or arrays; the
``plot_*`` helpers return matplotlib figures and never write files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config, labels
from msgrisk.labels import RISK_LABELS
from msgrisk.rules import verdicts

__all__ = [
    "RISK_LABELS",
    "SCORE_COLUMNS",
    "Scored",
    "confident_errors",
    "confusion_counts",
    "explode_labels",
    "get_predictor",
    "indicators",
    "label_volumes",
    "length_stats",
    "lf_precision_vs_gold",
    "lf_table",
    "load_corpus",
    "plot_threshold_curves",
    "read_table",
    "redacted_examples",
    "rules_vs_model",
    "score_texts",
    "threshold_curve",
    "volumes_over_time",
    "what_if",
]

SCORE_COLUMNS = [f"score_{label}" for label in RISK_LABELS]


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (every cell as text, so ids keep leading zeros) or parquet file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use .csv or .parquet")


def get_predictor(model: str | None = None) -> Any:
    """The predictor for ``model`` (path or ``models:/`` URI), else the configured champion."""
    from msgrisk.serving.predict import load_predictor

    return load_predictor(model) if model is not None else load_predictor()


@dataclass
class Scored:
    """Model decisions, scores, rules-only labels and detector hits for a batch of texts."""

    labels: list[tuple[str, ...]]
    scores: np.ndarray  # (n, 4) in RISK_LABELS order
    rules_labels: list[tuple[str, ...]]
    kinds: list[Counter[str]]  # detector span counts per kind
    tokens: list[list[str]]  # de-obfuscated word tokens

    def frame(self) -> pd.DataFrame:
        """labels, score_<label> x4 and rules_labels as a table."""
        out = pd.DataFrame(self.scores, columns=SCORE_COLUMNS)
        out.insert(0, "labels", [labels.to_string(x) for x in self.labels])
        out["rules_labels"] = [labels.to_string(x) for x in self.rules_labels]
        return out


def score_texts(predictor: Any, texts: Sequence[str], batch_size: int = 256) -> Scored:
    """Score texts once and keep what analyses need (one spaCy pass for model and rules).

    Same decisions as ``predictor.predict_batch`` (same preparation, ``score`` then ``decide``),
    but the parsed messages are kept for rules-only labels, detector hits and tokens.
    """
    # the same text preparation as predict_batch, so decisions match it exactly
    from msgrisk.serving.predict import prepare_text
    from msgrisk.training.features import normalized_tokens

    texts = [str(t) for t in texts]
    if not texts:
        return Scored([], np.zeros((0, len(RISK_LABELS))), [], [], [])
    prepared = [prepare_text(t, predictor.max_chars) for t in texts]
    parsed, scores, X = predictor.score([w for w, _ in prepared], batch_size=batch_size)
    preds = predictor.decide(parsed, scores, X, [cut for _, cut in prepared])
    return Scored(
        labels=[p.labels for p in preds],
        scores=np.asarray([[p.scores[lab] for lab in RISK_LABELS] for p in preds], dtype=float),
        # rules-only decisions exactly as Predictor(None) makes them, from the same parse
        rules_labels=[verdicts.rules_labels(m) if m.text.strip() else (labels.FINE,)
                      for m in parsed],
        kinds=[Counter(m.kinds) for m in parsed],
        tokens=[normalized_tokens(m) for m in parsed],
    )


# -- corpus ---------------------------------------------------------------------------------
def load_corpus(p: config.Paths | None = None) -> pd.DataFrame:
    """Raw messages + weak labels (``weak_labels``) + truth (``truth_labels``) + split."""
    p = p or config.paths()
    frame = pd.read_parquet(p.messages)
    if p.weak_labels.is_file():
        weak = pd.read_parquet(p.weak_labels, columns=["message_id", "labels"])
        frame = frame.merge(weak.rename(columns={"labels": "weak_labels"}), on="message_id",
                            how="left")
    if p.truth.is_file():
        truth = pd.read_parquet(p.truth, columns=["message_id", "labels"])
        frame = frame.merge(truth.rename(columns={"labels": "truth_labels"}), on="message_id",
                            how="left")
    parts = [pd.read_parquet(p.processed / f"{name}.parquet", columns=["message_id", "split"])
             for name in ("train", "dev", "test") if (p.processed / f"{name}.parquet").is_file()]
    if parts:
        frame = frame.merge(pd.concat(parts), on="message_id", how="left")
    return frame


def explode_labels(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per (message, label) of a ``|``-joined label column."""
    out = frame.assign(label=frame[column].astype(str).str.split(labels.SEPARATOR))
    return out.explode("label")


def label_volumes(frame: pd.DataFrame, column: str = "weak_labels", by: str | None = None
                  ) -> pd.DataFrame:
    """Messages per label (a multi-label message counts once per label), optionally by ``by``."""
    long = explode_labels(frame, column)
    if by is None:
        return (long["label"].value_counts().reindex(labels.ALL_LABELS, fill_value=0)
                .rename("messages").to_frame())
    return pd.crosstab(long["label"], long[by]).reindex(labels.ALL_LABELS, fill_value=0)


def volumes_over_time(frame: pd.DataFrame, column: str = "weak_labels", freq: str = "W"
                      ) -> pd.DataFrame:
    """Messages per label per period of ``sent_at``."""
    long = explode_labels(frame, column)
    period = long["sent_at"].dt.tz_localize(None).dt.to_period(freq).dt.start_time
    return pd.crosstab(period, long["label"]).reindex(columns=labels.ALL_LABELS, fill_value=0)


def length_stats(frame: pd.DataFrame, column: str = "weak_labels") -> pd.DataFrame:
    """Character and word length quantiles per label."""
    long = explode_labels(frame, column)
    long = long.assign(chars=long["text"].str.len(), words=long["text"].str.split().str.len())
    return long.groupby("label")[["chars", "words"]].describe(percentiles=[0.5, 0.9]).round(1)


def redacted_examples(frame: pd.DataFrame, label: str, column: str = "weak_labels", n: int = 5,
                      seed: int = 0) -> list[str]:
    """A few texts carrying ``label``, with contact details masked by ``msgrisk.redact``."""
    from msgrisk.serving.predict import redact

    hits = frame[frame[column].astype(str).str.split(labels.SEPARATOR).map(lambda x: label in x)]
    sample = hits.sample(min(n, len(hits)), random_state=seed) if len(hits) else hits
    return [redact(t) for t in sample["text"]]


def indicators(values: Sequence[str] | pd.Series) -> np.ndarray:
    """(n, 4) 0/1 matrix of ``|``-joined label strings."""
    from msgrisk.evaluation.metrics import indicator_matrix

    return indicator_matrix(list(values))


# -- rules ----------------------------------------------------------------------------------
def lf_table(p: config.Paths | None = None) -> pd.DataFrame:
    """Per-LF coverage / overlap / conflict / precision from ``reports/labeling.json``."""
    import json

    p = p or config.paths()
    report = json.loads((p.reports / "labeling.json").read_text())
    return pd.DataFrame(report["lfs"]).set_index("name")


def lf_precision_vs_gold(gold: pd.DataFrame) -> pd.DataFrame:
    """How often each LF fires on the gold texts and how often its label is in gold."""
    from msgrisk.rules import LABELING_FUNCTIONS, parse_batch

    votes = verdicts.vote_matrix(parse_batch(gold["text"].astype(str).tolist()))
    truth = indicators(gold["labels"])
    rows = []
    for j, lf in enumerate(LABELING_FUNCTIONS):
        fired = votes[:, j] >= 0
        hits = truth[fired, RISK_LABELS.index(lf.label)]
        rows.append({"name": lf.name, "label": lf.label, "fires_on_gold": int(fired.sum()),
                     "precision_vs_gold": round(float(hits.mean()), 3) if hits.size else None})
    return pd.DataFrame(rows).set_index("name")


def rules_vs_model(scored: Scored) -> pd.DataFrame:
    """Per label: messages flagged by both, by the model only, by the rules only."""
    model = np.asarray([labels.to_vector(x) for x in scored.labels], dtype=bool)
    rules = np.asarray([labels.to_vector(x) for x in scored.rules_labels], dtype=bool)
    return pd.DataFrame({"both": (model & rules).sum(axis=0),
                         "model_only": (model & ~rules).sum(axis=0),
                         "rules_only": (~model & rules).sum(axis=0)}, index=list(RISK_LABELS))


# -- model errors and thresholds ------------------------------------------------------------
def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """TP / FP / FN / TN and precision / recall per label."""
    t, p = np.asarray(y_true, dtype=bool), np.asarray(y_pred, dtype=bool)
    out = pd.DataFrame({"tp": (t & p).sum(0), "fp": (~t & p).sum(0), "fn": (t & ~p).sum(0),
                        "tn": (~t & ~p).sum(0)}, index=list(RISK_LABELS))
    out["precision"] = (out["tp"] / (out["tp"] + out["fp"]).clip(lower=1)).round(3)
    out["recall"] = (out["tp"] / (out["tp"] + out["fn"]).clip(lower=1)).round(3)
    return out


def confident_errors(texts: Sequence[str], y_true: np.ndarray, scores: np.ndarray,
                     y_pred: np.ndarray, label: str, n: int = 5) -> pd.DataFrame:
    """The most confident false positives and false negatives of ``label`` (redacted text)."""
    from msgrisk.serving.predict import redact

    j = RISK_LABELS.index(label)
    t, p, s = y_true[:, j].astype(bool), y_pred[:, j].astype(bool), scores[:, j]
    fp = [i for i in np.argsort(-s) if p[i] and not t[i]][:n]
    fn = [i for i in np.argsort(s) if t[i] and not p[i]][:n]
    rows = [{"error": kind, "score": round(float(s[i]), 3), "text": redact(texts[i])}
            for kind, idx in (("false positive", fp), ("false negative", fn)) for i in idx]
    return pd.DataFrame(rows, columns=["error", "score", "text"])


def threshold_curve(y_true: np.ndarray, scores: np.ndarray,
                    grid: Sequence[float] = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))
                    ) -> pd.DataFrame:
    """Precision / recall / F1 per label at each threshold of ``grid`` (scores only)."""
    rows = []
    for j, label in enumerate(RISK_LABELS):
        t = np.asarray(y_true[:, j], dtype=bool)
        for thr in grid:
            p = scores[:, j] >= thr
            tp = float((t & p).sum())
            prec = tp / p.sum() if p.sum() else 1.0
            rec = tp / t.sum() if t.sum() else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            rows.append({"label": label, "threshold": float(thr), "precision": prec,
                         "recall": rec, "f1": f1})
    return pd.DataFrame(rows)


def what_if(y_true: np.ndarray, scores: np.ndarray, thresholds: dict[str, float]
            ) -> pd.DataFrame:
    """Per-label precision / recall / F1 if the thresholds were ``thresholds`` (no overrides)."""
    y_pred = np.column_stack([scores[:, j] >= thresholds[lab]
                              for j, lab in enumerate(RISK_LABELS)])
    out = confusion_counts(y_true, y_pred)[["precision", "recall"]]
    out["f1"] = (2 * out["precision"] * out["recall"]
                 / (out["precision"] + out["recall"]).where(lambda s: s > 0)).fillna(0).round(3)
    out["threshold"] = [thresholds[lab] for lab in RISK_LABELS]
    return out


def plot_threshold_curves(curve: pd.DataFrame, chosen: dict[str, float] | None = None) -> Any:
    """Precision and recall vs threshold per label, the bundle's threshold as a dashed line."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(4 * len(RISK_LABELS), 3.2),
                             sharey=True)
    for ax, label in zip(axes, RISK_LABELS, strict=True):
        part = curve[curve["label"] == label]
        ax.plot(part["threshold"], part["precision"], label="precision")
        ax.plot(part["threshold"], part["recall"], label="recall")
        if chosen and label in chosen:
            ax.axvline(chosen[label], color="red", linestyle="--", label="bundle threshold")
        ax.set(title=label, xlabel="threshold", ylim=(0, 1.02))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
