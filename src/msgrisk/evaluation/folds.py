"""Model selection on dev only: does a training config generalise to unseen sentence frames?

The test split is for the final report, so configs are compared here instead. For each
split seed the corpus is re-split by frame (``splits.assign_splits``); the model is fitted
on that seed's train split and calibrated on its reviewed dev labels exactly as in
``train.train``; then dev itself is cut into two frame-grouped halves: union thresholds
are tuned on one half and measured on the other, and vice versa. Every measurement is on
frames the thresholds never saw, which is what the test split asks of the served model.

Per held-out half it records, against rules-only on the same messages: the served
operating point (precision and recall deltas, macro-F1) and the served recall read off the
``rules | model`` curve at the rules' precision. ``msgrisk dev-folds`` writes
``reports/dev_folds.json``.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import replace
from typing import Any

import numpy as np

from msgrisk import config
from msgrisk.corpus import splits
from msgrisk.evaluation import metrics
from msgrisk.labels import RISK_LABELS
from msgrisk.training.train import (
    DEFAULT_CONFIG,
    TrainConfig,
    dev_labels,
    load_training_frame,
    make_featurizer,
    parse_texts,
    targets,
)


def _halves(groups: Any, seed: int) -> np.ndarray:
    """0/1 per message, constant within a frame group (a second, independent hash)."""
    return np.array([zlib.crc32(f"half:{seed}:{g}".encode()) % 2 for g in groups])


def _fold_scores(y: np.ndarray, rules_y: np.ndarray, served: np.ndarray,
                 curve_scores: np.ndarray) -> dict[str, float]:
    ruled = metrics.label_metrics(y, rules_y)["macro"]
    point = metrics.label_metrics(y, served)["macro"]
    curve = metrics.recall_at_matched_precision(y, curve_scores, rules_y)["macro"]
    return {"d_precision": point["precision"] - ruled["precision"],
            "d_recall": point["recall"] - ruled["recall"], "served_f1": point["f1"],
            "rules_f1": ruled["f1"],
            "d_recall_at_rules_precision": curve["model_recall"] - curve["reference_recall"]}


def dev_fold_report(cfg: TrainConfig | None = None, p: config.Paths | None = None,
                    seeds: int = 4, progress: bool = True) -> dict[str, Any]:
    """Fit ``cfg`` once per split seed and score it on frame-grouped halves of dev."""
    from tqdm.auto import tqdm

    from msgrisk import rules
    from msgrisk.rules import verdicts
    from msgrisk.training.model import LinearRiskModel

    cfg = cfg or TrainConfig.from_file(DEFAULT_CONFIG)
    p = p or config.paths()
    started = time.perf_counter()
    frame, _ = load_training_frame(p)
    groups, group_by = splits.group_column(frame, p.truth)
    parsed = parse_texts(frame["text"].tolist(), rules.build_nlp(), cfg.batch_size, progress)
    rules_y = metrics.indicator_matrix([verdicts.rules_labels(m) for m in parsed])
    folds: list[dict[str, Any]] = []
    against = None
    for seed in tqdm(range(seeds), desc="split seeds", disable=not progress, leave=False):
        run = replace(cfg, seed=seed)
        frame["split"] = splits.assign_splits(groups, run.dev_fraction, run.test_fraction, seed)
        is_train = (frame["split"] == "train").to_numpy()
        is_dev = (frame["split"] == "dev").to_numpy()
        Y, W = targets(frame, run)
        Y_dev, against = dev_labels(frame, Y, is_dev, run, p)
        featurizer = make_featurizer(run)
        featurizer.fit([m for m, keep in zip(parsed, is_train, strict=True) if keep])
        X = featurizer.transform(parsed)
        model = LinearRiskModel(C=run.C, class_weight=run.class_weight)
        model.fit(X[is_train], Y[is_train], W[is_train])
        dev_idx = np.flatnonzero(is_dev)
        model.calibrate(X[dev_idx], Y_dev)
        scores = model.predict_proba(X[dev_idx])
        r_dev = rules_y[dev_idx]
        half = _halves(groups.to_numpy()[dev_idx], seed)
        for tune_half in (0, 1):
            A, B = half == tune_half, half != tune_half
            model.tune_union_thresholds(X[dev_idx[A]], Y_dev[A], r_dev[A], run.precision_target,
                                        run.floor_confidence)
            served = r_dev[B] | (scores[B] >= model.thresholds_).astype(int)
            curve = np.where(r_dev[B] == 1, 2.0, scores[B])
            folds.append({"seed": seed, "tuned_on_half": tune_half, "n_eval": int(B.sum()),
                          **_fold_scores(Y_dev[B], r_dev[B], served, curve)})
    keys = ("d_precision", "d_recall", "served_f1", "rules_f1", "d_recall_at_rules_precision")
    summary = {k: round(float(np.mean([f[k] for f in folds])), 4) for k in keys}
    summary["worst_d_precision"] = round(float(min(f["d_precision"] for f in folds)), 4)
    summary["folds_beating_rules_at_operating_point"] = sum(
        f["d_precision"] >= 0 and f["d_recall"] > 0 for f in folds)
    return {"config": cfg.flat(), "seeds": seeds, "group_by": group_by, "dev_labels": against,
            "labels": list(RISK_LABELS), "folds": folds, "mean": summary,
            "seconds": round(time.perf_counter() - started, 1)}


def write_report(report: dict[str, Any], p: config.Paths | None = None) -> Any:
    """``reports/dev_folds.json``."""
    p = p or config.paths()
    p.reports.mkdir(parents=True, exist_ok=True)
    out = p.reports / "dev_folds.json"
    out.write_text(json.dumps(report, indent=2, sort_keys=True))
    return out
