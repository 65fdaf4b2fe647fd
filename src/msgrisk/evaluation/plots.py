"""Report figures (PNG): per-label PR curves, confusion matrices, score histograms."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_recall_curve

from msgrisk.labels import RISK_LABELS


def pr_curves(y_true: np.ndarray, scores: np.ndarray, path: Path, title: str,
              thresholds: dict[str, float] | None = None) -> Path:
    """One precision-recall curve per risk label, with the chosen threshold marked."""
    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(4 * len(RISK_LABELS), 3.6))
    for j, (ax, label) in enumerate(zip(axes, RISK_LABELS, strict=True)):
        y = y_true[:, j]
        if y.sum() == 0:
            ax.set_title(f"{label} (no positives)")
            continue
        precision, recall, thr = precision_recall_curve(y, scores[:, j])
        ax.plot(recall, precision)
        if thresholds and label in thresholds and len(thr):
            k = int(np.clip(np.searchsorted(thr, thresholds[label]), 0, len(thr) - 1))
            ax.plot(recall[k], precision[k], "o", color="red", label="threshold")
            ax.legend(loc="lower left")
        ax.set(title=label, xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02))
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> Path:
    """A 2x2 confusion matrix per risk label."""
    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(3.2 * len(RISK_LABELS), 3.2))
    for j, (ax, label) in enumerate(zip(axes, RISK_LABELS, strict=True)):
        t, p = y_true[:, j].astype(bool), y_pred[:, j].astype(bool)
        m = np.array([[np.sum(~t & ~p), np.sum(~t & p)], [np.sum(t & ~p), np.sum(t & p)]])
        ax.imshow(m, cmap="Blues")
        for (r, c), v in np.ndenumerate(m):
            ax.text(c, r, str(v), ha="center", va="center")
        ax.set(title=label, xticks=[0, 1], yticks=[0, 1], xticklabels=["no", "yes"],
               yticklabels=["no", "yes"], xlabel="predicted", ylabel="true")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def score_histograms(scores: np.ndarray, y_true: np.ndarray | None, path: Path, title: str
                     ) -> Path:
    """Score distribution per label, split by truth when known."""
    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(4 * len(RISK_LABELS), 3.2))
    bins = np.linspace(0, 1, 41)
    for j, (ax, label) in enumerate(zip(axes, RISK_LABELS, strict=True)):
        if y_true is None:
            ax.hist(scores[:, j], bins=bins)
        else:
            ax.hist(scores[y_true[:, j] == 0, j], bins=bins, alpha=0.6, label="negative")
            ax.hist(scores[y_true[:, j] == 1, j], bins=bins, alpha=0.6, label="positive")
            ax.legend()
        ax.set(title=label, xlabel="score", yscale="log")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
