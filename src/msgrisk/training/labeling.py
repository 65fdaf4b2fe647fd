"""Weak labeling: LF votes -> per-label probabilities, plus the LF quality report.

Snorkel is not used: it does not install cleanly next to pandas 3 / numpy 2.  Instead
:class:`LabelModel` is a small per-label latent-class model fitted by EM (one binary
problem per risk label, Dawid-Skene style): each LF voting label ``l`` has a true- and a
false-positive rate, estimated without ground truth from how its votes co-occur with the
other LFs' evidence, regularised by Beta priors that encode "LFs are written to be high
precision".  Votes combine as naive-Bayes log-odds into ``P(label)``.

Truth (``data/raw/truth.parquet``) is only used to *measure* in :func:`lf_report`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from msgrisk.config import Paths, paths
from msgrisk.labels import FINE, RISK_LABELS, to_string
from msgrisk.labels import parse as parse_labels
from msgrisk.rules import LABELING_FUNCTIONS, RULES_VERSION, parse_batch
from msgrisk.rules.verdicts import (
    DEFAULT_LF_PRECISION,
    LABEL_INDEX,
    RULES_THRESHOLD,
    lf_label_indices,
    rules_labels,
    vote_matrix,
)

log = logging.getLogger(__name__)

_LABEL_INDEX = LABEL_INDEX


class LabelModel(BaseEstimator):
    """Per-label EM label model over one-sided LFs (see the module docstring).

    Parameters: ``prior_precision`` and ``prior_strength`` set the Beta prior on each LF's
    false-positive rate; ``prior_recall`` the prior share of positives some LF catches; ``max_iter``/``tol`` bound EM; ``lf_labels`` gives each column's
    risk-label index (defaults to the registry's).
    """

    def __init__(
        self,
        prior_precision: float = DEFAULT_LF_PRECISION,
        prior_strength: float = 20.0,
        prior_recall: float = 0.8,
        max_iter: int = 100,
        tol: float = 1e-5,
        lf_labels: Sequence[int] | None = None,
    ) -> None:
        self.prior_precision = prior_precision
        self.prior_strength = prior_strength
        self.prior_recall = prior_recall
        self.max_iter = max_iter
        self.tol = tol
        self.lf_labels = lf_labels

    def _labels(self, votes: np.ndarray) -> np.ndarray:
        labels = (np.asarray(self.lf_labels, dtype=int) if self.lf_labels is not None
                  else lf_label_indices())
        if labels.shape[0] != votes.shape[1]:
            raise ValueError(
                f"vote matrix has {votes.shape[1]} columns but {labels.shape[0]} LF labels; "
                "pass lf_labels= matching the columns or rebuild votes with vote_matrix()"
            )
        return labels

    def fit(self, votes: np.ndarray, y: Any = None) -> LabelModel:
        """Estimate class priors and per-LF TPR/FPR by EM; ``y`` is ignored."""
        votes = np.asarray(votes)
        if votes.ndim != 2:
            raise ValueError(f"votes must be 2-D (n_messages, n_lfs), got shape {votes.shape}")
        labels = self._labels(votes)
        n, m = votes.shape
        self.class_prior_ = np.zeros(len(RISK_LABELS))
        self.tpr_ = np.zeros(m)
        self.fpr_ = np.zeros(m)
        self.n_iter_ = np.zeros(len(RISK_LABELS), dtype=int)
        self.recall_ = np.zeros(len(RISK_LABELS))
        self.any_fpr_ = np.zeros(len(RISK_LABELS))
        for k in range(len(RISK_LABELS)):
            cols = np.flatnonzero(labels == k)
            fires = (votes[:, cols] == k).astype(float) if n else np.zeros((0, cols.size))
            prior, tpr, fpr, recall, any_fpr, iters = self._em(fires)
            self.class_prior_[k], self.n_iter_[k] = prior, iters
            self.recall_[k], self.any_fpr_[k] = recall, any_fpr
            self.tpr_[cols], self.fpr_[cols] = tpr, fpr
        self.lf_labels_ = labels
        return self

    def _em(self, fires: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float, float, int]:
        n, m = fires.shape
        any_fire = fires.max(axis=1) if m else np.zeros(n)
        # Start from "a message is positive iff an LF fired, with the assumed precision".
        q = np.where(any_fire > 0, self.prior_precision, 0.0)
        prior, tpr, fpr, recall, any_fpr = 0.5, np.full(m, 0.5), np.full(m, 0.01), 0.8, 0.01
        it = 0
        while it < self.max_iter:
            it += 1
            prior = float(np.clip((q.sum() + 1.0) / (n + 2.0), 1e-4, 1 - 1e-4))
            pos, neg = q.sum(), (1.0 - q).sum()
            tpr = (q @ fires + 1.0) / (pos + 2.0)
            # Beta prior on each FPR whose mean gives a lone vote ``prior_precision`` precision.
            fpr_mean = np.clip(prior * tpr * (1 - self.prior_precision)
                               / (self.prior_precision * (1 - prior)), 1e-6, 0.5)
            a, b = fpr_mean * self.prior_strength, (1 - fpr_mean) * self.prior_strength
            fpr = ((1.0 - q) @ fires + a) / (neg + a + b)
            # P(some LF of the label fires | label) with a Beta prior at ``prior_recall``.
            ar, br = self.prior_recall * self.prior_strength, (1 - self.prior_recall) * self.prior_strength
            recall = float((q @ any_fire + ar) / (pos + ar + br))
            any_fpr = float(((1.0 - q) @ any_fire + 1.0) / (neg + 2.0))
            new_q = self._posterior(fires, prior, tpr, fpr, recall, any_fpr)
            done = np.max(np.abs(new_q - q), initial=0.0) < self.tol
            q = new_q
            if done:
                break
        return prior, tpr, fpr, recall, any_fpr, it

    @staticmethod
    def _posterior(fires: np.ndarray, prior: float, tpr: np.ndarray, fpr: np.ndarray,
                   recall: float, any_fpr: float) -> np.ndarray:
        # Votes are evidence one by one, but silence only as a whole ("no LF of this label
        # fired"): LFs cover different sub-types of a label, so a plain latent-class model
        # that counts every silent LF collapses onto the few messages where LFs co-fire.
        tpr, fpr = np.clip(tpr, 1e-6, 1 - 1e-6), np.clip(fpr, 1e-9, 1 - 1e-6)
        silent = 1.0 - (fires.max(axis=1) if fires.shape[1] else np.zeros(fires.shape[0]))
        logit = (np.log(prior / (1 - prior)) + fires @ np.log(tpr / fpr)
                 + silent * np.log(max(1 - recall, 1e-6) / max(1 - any_fpr, 1e-6)))
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))

    def predict_proba(self, votes: np.ndarray) -> np.ndarray:
        """``(n, 4)`` probabilities, one column per risk label in canonical order."""
        check_is_fitted(self, "tpr_")
        votes = np.asarray(votes)
        out = np.zeros((votes.shape[0], len(RISK_LABELS)))
        for k in range(len(RISK_LABELS)):
            cols = np.flatnonzero(self.lf_labels_ == k)
            fires = (votes[:, cols] == k).astype(float)
            out[:, k] = self._posterior(fires, self.class_prior_[k], self.tpr_[cols],
                                        self.fpr_[cols], self.recall_[k], self.any_fpr_[k])
        return out

    def predict(self, votes: np.ndarray, threshold: float = RULES_THRESHOLD) -> np.ndarray:
        """0/1 indicators per risk label."""
        return (self.predict_proba(votes) >= threshold).astype(int)


def _labels_column(indicators: np.ndarray) -> list[str]:
    return [to_string(lab for lab, on in zip(RISK_LABELS, row, strict=True) if on)
            for row in indicators]


def weak_label(messages: pd.DataFrame, nlp: Any = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Weak-label ``messages`` (columns message_id, text); returns (table, vote matrix)."""
    parsed = parse_batch(messages["text"].astype(str).tolist(), nlp)
    votes = vote_matrix(parsed)
    model = LabelModel().fit(votes)
    proba = model.predict_proba(votes)
    table = pd.DataFrame({"message_id": messages["message_id"].to_numpy()})
    for k, label in enumerate(RISK_LABELS):
        table[f"p_{label}"] = proba[:, k]
    table["labels"] = _labels_column(proba >= RULES_THRESHOLD)
    table["n_votes"] = (votes >= 0).sum(axis=1).astype(int)
    return table, votes


def label_messages(messages: pd.DataFrame, nlp: Any = None) -> pd.DataFrame:
    """message_id, p_<label> x4, labels ("|"-joined or "fine"), n_votes."""
    return weak_label(messages, nlp)[0]


def _prf(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    tp = int((pred & true).sum())
    fp = int((pred & ~true).sum())
    fn = int((~pred & true).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "support": int(true.sum()),
            "predicted": int(pred.sum())}


def _indicators(labels: Sequence[str]) -> np.ndarray:
    rows = [[lab in parse_labels(s) for lab in RISK_LABELS] for s in labels]
    return np.array(rows, dtype=bool).reshape(len(rows), len(RISK_LABELS))


def compare(pred_labels: Sequence[str], true_labels: Sequence[str]) -> dict[str, Any]:
    """Exact-match accuracy and per-label P/R of ``|``-joined label strings."""
    pred, true = _indicators(pred_labels), _indicators(true_labels)
    return {
        "n": len(pred_labels),
        "exact_match": round(float((pred == true).all(axis=1).mean()), 4) if len(pred) else 0.0,
        "per_label": {lab: _prf(pred[:, k], true[:, k]) for k, lab in enumerate(RISK_LABELS)},
    }


def lf_report(
    votes: np.ndarray,
    weak: pd.DataFrame,
    truth: pd.DataFrame | None = None,
    gold: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Per-LF coverage/overlap/conflict/precision and weak-label quality vs truth and gold.

    ``weak`` is :func:`label_messages` output aligned row-for-row with ``votes``; ``truth``
    has message_id and labels; ``gold`` has text and labels (rules are applied to its texts).
    """
    votes = np.asarray(votes)
    n = votes.shape[0]
    fired = votes >= 0
    n_fired = fired.sum(axis=1)
    true_ind = None
    if truth is not None:
        aligned = weak[["message_id"]].merge(truth[["message_id", "labels"]], on="message_id",
                                             how="left")
        true_labels = aligned["labels"].fillna(FINE).astype(str).tolist()
        true_ind = _indicators(true_labels)
    lfs = []
    for j, lf in enumerate(LABELING_FUNCTIONS):
        col = fired[:, j]
        k = _LABEL_INDEX[lf.label]
        other = fired & (votes != votes[:, [j]])
        row: dict[str, Any] = {
            "name": lf.name, "label": lf.label, "version": lf.version,
            "n_fires": int(col.sum()),
            "coverage": round(float(col.mean()), 5) if n else 0.0,
            "overlaps": round(float((col & (n_fired > 1)).sum() / max(col.sum(), 1)), 4),
            "conflicts": round(float((col & other.any(axis=1)).sum() / max(col.sum(), 1)), 4),
        }
        if true_ind is not None:
            hits = true_ind[col, k]
            row["precision_vs_truth"] = round(float(hits.mean()), 4) if hits.size else None
            row["false_positives"] = int((~hits).sum())
        lfs.append(row)
    report: dict[str, Any] = {
        "rules_version": RULES_VERSION,
        "n_messages": int(n),
        "n_lfs": len(LABELING_FUNCTIONS),
        "share_no_vote": round(float((n_fired == 0).mean()), 4) if n else 0.0,
        "weak_label_counts": weak["labels"].value_counts().to_dict() if len(weak) else {},
        "lfs": lfs,
    }
    if true_ind is not None:
        report["vs_truth"] = compare(weak["labels"].tolist(), true_labels)
    if gold is not None and len(gold):
        parsed = parse_batch(gold["text"].astype(str).tolist())
        report["vs_gold"] = compare([to_string(rules_labels(p)) for p in parsed],
                                    gold["labels"].astype(str).tolist())
    return report


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Weak labeling report", "",
        f"Rules version `{report['rules_version']}`, {report['n_messages']} messages, "
        f"{report['n_lfs']} labeling functions; share with no vote: {report['share_no_vote']:.1%}.",
        "",
    ]
    for key, title in (("vs_truth", "Weak labels vs corpus truth"),
                       ("vs_gold", "Rules-only labels vs gold set")):
        if key not in report:
            continue
        block = report[key]
        lines += [f"## {title} (n={block['n']}, exact match {block['exact_match']:.3f})", "",
                  "| label | precision | recall | support | predicted |", "|---|---|---|---|---|"]
        for label, m in block["per_label"].items():
            lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | "
                         f"{m['support']} | {m['predicted']} |")
        lines.append("")
    lines += ["## Labeling functions", "",
              "| LF | label | v | fires | coverage | overlaps | conflicts | precision vs truth |",
              "|---|---|---|---|---|---|---|---|"]
    for lf in report["lfs"]:
        prec = lf.get("precision_vs_truth")
        lines.append(
            f"| {lf['name']} | {lf['label']} | {lf['version']} | {lf['n_fires']} | "
            f"{lf['coverage']:.4f} | {lf['overlaps']:.2f} | {lf['conflicts']:.2f} | "
            f"{'' if prec is None else f'{prec:.3f}'} |")
    return "\n".join(lines) + "\n"


def load_raw_messages(path: Path) -> pd.DataFrame:
    """Validated raw messages (quarantined rows dropped) via :mod:`msgrisk.corpus.dataset`."""
    from msgrisk.corpus.dataset import load_messages

    return load_messages(path).good


def run_labeling(paths_: Paths | None = None) -> dict[str, Any]:
    """Weak-label data/raw/messages.parquet; write weak_labels.parquet and the LF reports."""
    p = paths_ if paths_ is not None else paths()
    messages = load_raw_messages(p.messages)
    weak, votes = weak_label(messages)
    weak["rules_version"] = RULES_VERSION
    p.weak_labels.parent.mkdir(parents=True, exist_ok=True)
    weak.to_parquet(p.weak_labels, index=False)
    truth = pd.read_parquet(p.truth) if p.truth.exists() else None
    gold = pd.read_csv(p.gold_csv, keep_default_na=False) if p.gold_csv.exists() else None
    report = lf_report(votes, weak, truth, gold)
    p.reports.mkdir(parents=True, exist_ok=True)
    (p.reports / "labeling.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (p.reports / "labeling.md").write_text(_markdown(report), encoding="utf-8")
    log.info("weak-labelled %d messages (%s)", len(weak), RULES_VERSION)
    return report
