"""Per-label precision / recall / F1 for multi-label risk predictions."""

from __future__ import annotations

import numpy as np

from msgrisk.labels import RISK_LABELS, indicator_matrix  # noqa: F401  (re-exported)


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per risk label, plus ``macro`` and ``micro``."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    out: dict[str, dict[str, float]] = {}

    def prf(t: np.ndarray, p: np.ndarray) -> dict[str, float]:
        tp = float(np.sum(t & p))
        fp = float(np.sum(~t & p))
        fn = float(np.sum(t & ~p))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4),
                "f1": round(f1, 4), "support": int(t.sum())}

    for j, label in enumerate(RISK_LABELS):
        out[label] = prf(y_true[:, j], y_pred[:, j])
    out["macro"] = {k: round(float(np.mean([out[lab][k] for lab in RISK_LABELS])), 4)
                    for k in ("precision", "recall", "f1")}
    out["micro"] = prf(y_true.ravel(), y_pred.ravel())
    fine_true = ~y_true.any(axis=1)
    fine_pred = ~y_pred.any(axis=1)
    out["fine"] = prf(fine_true, fine_pred)
    out["exact_match"] = {"accuracy": round(float(np.mean((y_true == y_pred).all(axis=1))), 4)
                          if len(y_true) else 0.0}
    return out


def metrics_table(rows: dict[str, dict[str, dict[str, float]]]) -> list[list[str]]:
    """Rows of ``[name, label, P, R, F1]`` for printing."""
    table = []
    for name, m in rows.items():
        for label in (*RISK_LABELS, "macro"):
            v = m[label]
            table.append([name, label, f"{v['precision']:.3f}", f"{v['recall']:.3f}",
                          f"{v['f1']:.3f}"])
    return table


def recall_at_matched_precision(y_true: np.ndarray, scores: np.ndarray, reference: np.ndarray
                                ) -> dict[str, dict[str, float]]:
    """Per label: the model's best recall at a precision >= the reference system's precision.

    A measurement for comparing the model's score curve with a fixed system (rules-only)
    at equal precision; it never sets a threshold.
    """
    from sklearn.metrics import precision_recall_curve

    out: dict[str, dict[str, float]] = {}
    ref = label_metrics(y_true, reference)
    for j, label in enumerate(RISK_LABELS):
        y = np.asarray(y_true)[:, j].astype(int)
        flagged = np.asarray(reference)[:, j].astype(bool)
        # the unrounded precision: label_metrics rounds, and a curve that starts exactly at
        # the reference point (rules | model) must be able to match it
        target = float(y[flagged].mean()) - 1e-12 if flagged.any() else ref[label]["precision"]
        entry = {"reference_precision": ref[label]["precision"],
                 "reference_recall": ref[label]["recall"]}
        if y.sum() == 0:
            out[label] = {**entry, "model_recall": 0.0, "model_precision": 0.0}
            continue
        precision, recall, _ = precision_recall_curve(y, scores[:, j])
        ok = precision >= target
        k = int(np.argmax(np.where(ok, recall, -1.0)))
        out[label] = {**entry, "model_recall": round(float(recall[k]) if ok.any() else 0.0, 4),
                      "model_precision": round(float(precision[k]) if ok.any() else 0.0, 4)}
    out["macro"] = {k: round(float(np.mean([out[lab][k] for lab in RISK_LABELS])), 4)
                    for k in ("reference_precision", "reference_recall", "model_recall",
                              "model_precision")}
    return out
