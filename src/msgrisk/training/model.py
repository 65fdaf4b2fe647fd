"""The linear risk model: one logistic regression per risk label, Platt-calibrated.

Prediction is a single sparse matrix product (``X @ coef_.T``) so a batch of one is as
cheap as possible; each label's score is ``sigmoid(a * z + b)`` with ``(a, b)`` fitted on
the dev split. Thresholds are chosen on dev to reach a precision target per label.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.utils.validation import check_is_fitted

from msgrisk.labels import RISK_LABELS
from msgrisk.training.frozen import LinearScores


class LinearRiskModel(LinearScores, BaseEstimator):
    """One-vs-rest logistic regression over the four risk labels."""

    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced",
                 max_iter: int = 2000, labels: tuple[str, ...] = RISK_LABELS):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.labels = labels

    def fit(self, X: sp.spmatrix, Y: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> LinearRiskModel:
        """Fit one classifier per label; ``Y`` is (n, n_labels) 0/1, ``sample_weight`` (n, n_labels)."""
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[1] != len(self.labels):
            raise ValueError(f"Y must have shape (n, {len(self.labels)}), got {Y.shape}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.ndim == 1:
                sample_weight = np.repeat(sample_weight[:, None], len(self.labels), axis=1)
        coefs, intercepts = [], []
        for j in range(len(self.labels)):
            y = Y[:, j].astype(int)
            if y.min() == y.max():  # a label never (or always) seen: constant score
                coefs.append(np.zeros(X.shape[1]))
                intercepts.append(-10.0 if y.max() == 0 else 10.0)
                continue
            clf = LogisticRegression(C=self.C, class_weight=self.class_weight,
                                     max_iter=self.max_iter, solver="liblinear", random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y, sample_weight=None if sample_weight is None else sample_weight[:, j])
            coefs.append(clf.coef_.ravel())
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = np.vstack(coefs).astype(np.float32)
        self.intercept_ = np.asarray(intercepts, dtype=np.float32)
        self.calib_a_ = np.ones(len(self.labels), dtype=np.float32)
        self.calib_b_ = np.zeros(len(self.labels), dtype=np.float32)
        self.thresholds_ = np.full(len(self.labels), 0.5, dtype=np.float32)
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        """Raw margins, (n, n_labels) (:class:`~msgrisk.training.frozen.LinearScores`)."""
        check_is_fitted(self, "coef_")
        return super().decision_function(X)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_weights_cache", None)  # derived; never pickled into a bundle
        return state

    def calibrate(self, X: sp.spmatrix, Y: np.ndarray) -> LinearRiskModel:
        """Platt scaling per label on held-out data (the dev split)."""
        check_is_fitted(self, "coef_")
        return self.calibrate_margins(self.decision_function(X), Y)

    def calibrate_margins(self, z: np.ndarray, Y: np.ndarray) -> LinearRiskModel:
        """:meth:`calibrate` from raw margins of held-out rows (e.g. dev rows scored by this
        model stacked on out-of-fold margins of the training writers)."""
        check_is_fitted(self, "coef_")
        for j in range(len(self.labels)):
            y = np.asarray(Y)[:, j].astype(int)
            if y.min() == y.max():
                continue
            # moderate regularisation: dev is often near-separable and an unregularised
            # Platt fit would squash every score to 0 or 1
            platt = LogisticRegression(C=1.0, solver="lbfgs")
            platt.fit(z[:, [j]], y)
            self.calib_a_[j] = float(platt.coef_[0, 0])
            self.calib_b_[j] = float(platt.intercept_[0])
        return self

    def tune_thresholds(self, X: sp.spmatrix, Y: np.ndarray, precision_target: dict[str, float],
                        beta: float = 1.0, prevalence: dict[str, float] | None = None
                        ) -> dict[str, dict[str, float]]:
        """Per label, the F-beta-best threshold among those whose precision on (X, Y)
        reaches the target (``beta < 1`` weighs precision more: precision-first).

        ``prevalence`` (label -> expected share in served traffic) reweights the negatives
        so precision is read at that prevalence instead of the tuning set's: a reviewed set
        rich in risky messages would otherwise promise a precision that ordinary traffic,
        mostly ``fine``, cannot keep (prior shift).

        When the target is out of reach, the F-beta-maximising threshold is used and the
        returned report says so (``target_met: 0``).
        """
        return self.tune_thresholds_scores(self.predict_proba(X), Y, precision_target, beta,
                                           prevalence)

    def tune_thresholds_scores(self, scores: np.ndarray, Y: np.ndarray,
                               precision_target: dict[str, float], beta: float = 1.0,
                               prevalence: dict[str, float] | None = None
                               ) -> dict[str, dict[str, float]]:
        """:meth:`tune_thresholds` from calibrated scores of held-out rows."""
        report: dict[str, dict[str, float]] = {}
        for j, label in enumerate(self.labels):
            y = np.asarray(Y)[:, j].astype(int)
            target = float(precision_target.get(label, 0.9))
            if y.sum() == 0:
                report[label] = {"threshold": float(self.thresholds_[j]), "target_met": 0.0}
                continue
            weight = None
            if prevalence and label in prevalence and 0 < y.mean() < 1:
                here, there = y.mean(), min(max(float(prevalence[label]), 1e-4), 0.5)
                w_neg = (here / (1 - here)) / (there / (1 - there))
                weight = np.where(y == 1, 1.0, max(w_neg, 1.0))
            precision, recall, thresholds = precision_recall_curve(y, scores[:, j],
                                                                   sample_weight=weight)
            precision, recall = precision[:-1], recall[:-1]
            b2 = beta * beta
            f1 = (1 + b2) * precision * recall / np.maximum(b2 * precision + recall, 1e-12)
            ok = np.flatnonzero(precision >= target)
            met = 1.0 if len(ok) else 0.0
            if not len(ok):
                ok = np.arange(len(f1))
            # best F1 under the precision constraint; among ties (a flat optimum, common when
            # dev is separable) take the middle threshold rather than the edge of the plateau
            tied = ok[f1[ok] >= f1[ok].max() - 1e-9]
            best = int(tied[len(tied) // 2])
            self.thresholds_[j] = float(thresholds[best])
            report[label] = {"threshold": float(thresholds[best]), "precision": float(precision[best]),
                             "recall": float(recall[best]), "target": target, "target_met": met}
        return report

    def tune_union_thresholds(self, X: sp.spmatrix, Y: np.ndarray, rules_Y: np.ndarray,
                              precision_target: dict[str, float],
                              floor_confidence: float = 0.0
                              ) -> dict[str, dict[str, float]]:
        """Per label, the threshold for serving ``rules OR model`` (see ``union_threshold``).

        The floor on precision is the larger of the configured target and the rules' own
        precision on (X, Y) (its lower confidence bound when ``floor_confidence`` > 0): the
        model may only add labels where that keeps the served system at least as precise
        as the rules alone, as far as the dev sample can tell.
        """
        scores = self.predict_proba(X)
        report: dict[str, dict[str, float]] = {}
        for j, label in enumerate(self.labels):
            y = np.asarray(Y)[:, j].astype(bool)
            r = np.asarray(rules_Y)[:, j].astype(bool)
            floor = float(precision_target.get(label, 0.9))
            threshold, entry = union_threshold(scores[:, j], r, y, floor,
                                               confidence=floor_confidence)
            self.thresholds_[j] = threshold
            report[label] = entry
        return report


    def contributions(self, X_row: sp.spmatrix, label_index: int) -> list[tuple[int, float]]:
        """(feature index, coef × value) for the non-zero features of one row, largest first."""
        row = sp.csr_matrix(X_row)
        return self.row_contributions(row.indices, row.data, label_index)

    def row_contributions(self, indices: np.ndarray, values: np.ndarray, label_index: int,
                          top: int | None = None) -> list[tuple[int, float]]:
        """:meth:`contributions` from one CSR row's ``indices``/``data`` (no sparse slicing:
        ``X[i]`` costs ~80 µs, more than scoring the message); ``top`` keeps the first
        ``top`` of that order (same order and ties, without sorting the whole row)."""
        check_is_fitted(self, "coef_")
        return super().row_contributions(indices, values, label_index, top)


#: Threshold meaning "the model adds nothing for this label" (calibrated scores are <= 1).
NEVER = 1.01


def precision_lower_bound(tp: int, n: int, confidence: float) -> float:
    """One-sided lower confidence bound (Wilson score) of a precision ``tp / n``.

    ``confidence`` <= 0.5 returns the point estimate. The bound is what a dev sample of
    ``n`` flagged messages can vouch for: 30 of 30 correct only shows >= 0.92 at 0.95,
    while 600 of 600 shows >= 0.996, so the bound matters on small dev sets and fades on
    large ones.
    """
    if n <= 0:
        return 1.0
    if confidence <= 0.5:
        return tp / n
    from scipy.stats import binomtest

    interval = binomtest(int(tp), int(n)).proportion_ci(confidence_level=2 * confidence - 1,
                                                         method="wilson")
    return float(interval.low)


def union_threshold(scores: np.ndarray, rules: np.ndarray, y: np.ndarray, target: float,
                    confidence: float = 0.0) -> tuple[float, dict[str, float]]:
    """The model threshold ``t`` for serving ``rules | (score >= t)`` on one label.

    Maximises the recall of the union subject to its precision reaching
    ``max(target, precision of the rules alone)``; among equal recalls the highest ``t``
    (fewest additions). With ``confidence`` > 0.5 the rules' precision is replaced by its
    lower confidence bound (:func:`precision_lower_bound`): on a small dev set where the
    rules happen to be 30 of 30 right, the point estimate 1.0 would forbid any addition
    with a single false positive, however many misses it catches. When no cut adds recall
    under the floor, ``t = NEVER`` and the label is served by the rules alone. Only cuts
    between distinct scores are considered, so tied messages are always decided together.
    """
    y = np.asarray(y, dtype=bool)
    rules = np.asarray(rules, dtype=bool)
    n_pos = int(y.sum())
    tp_rules, n_rules = int((y & rules).sum()), int(rules.sum())
    rules_precision = tp_rules / n_rules if n_rules else 1.0
    rules_bound = precision_lower_bound(tp_rules, n_rules, confidence)
    floor = max(float(target), rules_bound)
    entry = {"rules_precision": rules_precision, "rules_precision_bound": rules_bound,
             "rules_flagged": float(n_rules),
             "rules_recall": tp_rules / n_pos if n_pos else 0.0, "floor": floor}
    rest = np.flatnonzero(~rules)
    order = rest[np.argsort(-scores[rest], kind="stable")]
    best_t, best_tp, best_k = NEVER, tp_rules, 0
    if len(order) and n_pos:
        s = scores[order]
        tp = tp_rules + np.cumsum(y[order])
        k = np.arange(1, len(order) + 1)
        precision = tp / (n_rules + k)
        cut = np.r_[s[1:] < s[:-1], True]  # the last of each run of tied scores
        ok = cut & (precision >= floor - 1e-12) & (tp > tp_rules)
        if ok.any():
            i = int(np.flatnonzero(ok & (tp == tp[ok].max()))[0])  # highest t with max recall
            best_t, best_tp, best_k = float(s[i]), int(tp[i]), i + 1
    entry.update({"threshold": best_t, "precision": best_tp / max(n_rules + best_k, 1),
                  "recall": best_tp / n_pos if n_pos else 0.0, "n_added": float(best_k),
                  "target": float(target)})
    return best_t, entry
