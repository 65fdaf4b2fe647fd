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
    fit_model,
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
        model = fit_model(X[is_train], Y[is_train], W[is_train],
                          featurizer.detector_columns(), run)
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


#: TrainConfig fields that change the featurizer (the sweep refits it when they change)
FEATURIZER_FIELDS = ("ngram_max", "min_df", "max_features", "use_normalized", "char_ngram_min",
                     "char_ngram_max", "char_encoding", "label_counts")


def reviewed_dev_sweep(grid: dict[str, list[str]], cfg: TrainConfig | None = None,
                       p: config.Paths | None = None, progress: bool = True) -> dict[str, Any]:
    """Compare training configs on reviewed-dev only (never reviewed-test, never external).

    Parses the corpus and the reviewed set once; the featurizer is refitted only when a
    combination changes its own fields (``FEATURIZER_FIELDS``). For every combination the model is
    fitted as in ``pipeline.train``; reviewed-dev is cut into two writer-disjoint halves:
    calibration and thresholds are fitted on one and measured on the other, both ways.
    Reported per combination: held-out macro-F1, macro average precision, and the share of
    ``fine`` messages flagged.
    """
    import itertools

    from sklearn.metrics import average_precision_score

    from msgrisk import labels, rules
    from msgrisk.pipeline import deploy_prevalence
    from msgrisk.training.train import fit_rows, load_reviewed_frame

    cfg = cfg or TrainConfig.from_file(DEFAULT_CONFIG)
    p = p or config.paths()
    started = time.perf_counter()
    frame, _ = load_training_frame(p)
    groups, _ = splits.group_column(frame, p.truth)
    frame["split"] = splits.assign_splits(groups, cfg.dev_fraction, cfg.test_fraction, cfg.seed)
    rev = load_reviewed_frame(p, replace(cfg, reviewed_weight=1.0))
    nlp = rules.build_nlp()
    parsed = parse_texts(frame["text"].tolist(), nlp, cfg.batch_size, progress)
    parsed_rev = parse_texts(rev["text"].tolist(), nlp, cfg.batch_size, progress)
    is_train = (frame["split"] == "train").to_numpy()
    rev_train = (rev["split"] == "train").to_numpy()
    dev_idx = np.flatnonzero((rev["split"] == "dev").to_numpy())
    writers = sorted(set(rev["writer"].to_numpy()[dev_idx]))
    half = np.array([writers.index(w) % 2 for w in rev["writer"].to_numpy()[dev_idx]])
    Y_rev = labels.indicator_matrix(rev["labels"])
    n_words = rev["text"].str.split().str.len().to_numpy()
    keys = sorted(grid)
    rows = []
    feats: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
    for values in itertools.product(*(grid[k] for k in keys)):
        chosen = dict(zip(keys, values, strict=True))
        if "precision" in chosen:  # one precision target for every label
            target = chosen.pop("precision")
            chosen.update({f"precision_target.{lab}": target for lab in RISK_LABELS})
        run = TrainConfig.from_file(None, {**{k: str(v) for k, v in cfg.flat().items()},
                                           **chosen})
        fkey = tuple(getattr(run, k) for k in FEATURIZER_FIELDS)
        if fkey not in feats:  # the featurizer is refitted only when its own fields change
            featurizer = make_featurizer(run)
            featurizer.fit([m for m, k in zip(parsed, is_train, strict=True) if k]
                           + [m for m, k in zip(parsed_rev, rev_train, strict=True) if k])
            feats[fkey] = (featurizer.transform(parsed), featurizer.transform(parsed_rev),
                           featurizer.detector_columns())
        X, X_rev, columns = feats[fkey]
        Y, W = targets(frame, run)
        X_fit, Y_fit, W_fit = fit_rows(frame, X, Y, W, is_train, X_rev, Y_rev, rev_train, run)
        prior = deploy_prevalence(Y[is_train]) if run.deploy_prior else None
        model = fit_model(X_fit, Y_fit, W_fit, columns, run)  # exactly as the served model
        scores_all = model.predict_proba(X_rev[dev_idx])
        folds = []
        for tune_half in (0, 1):
            A, B = dev_idx[half == tune_half], dev_idx[half != tune_half]
            model.calibrate(X_rev[A], Y_rev[A])
            model.tune_thresholds(X_rev[A], Y_rev[A], run.precision_target, run.threshold_beta,
                                  prior)
            y_hat = model.predict(X_rev[B])
            fine = Y_rev[B].sum(1) == 0
            short = fine & (n_words[B] <= 5)
            folds.append({"f1": metrics.label_metrics(Y_rev[B], y_hat)["macro"]["f1"],
                          "fine_flagged": float((y_hat[fine].sum(1) > 0).mean()),
                          "short_fine_flagged": float((y_hat[short].sum(1) > 0).mean())})
        ap = float(np.mean([average_precision_score(Y_rev[dev_idx][:, j], scores_all[:, j])
                            for j in range(len(RISK_LABELS))]))
        rows.append({**dict(zip(keys, values, strict=True)),
                     "heldout_macro_f1": round(float(np.mean([f["f1"] for f in folds])), 4),
                     "heldout_fine_flagged": round(float(np.mean([f["fine_flagged"]
                                                                   for f in folds])), 4),
                     "heldout_short_fine_flagged": round(float(np.mean(
                         [f["short_fine_flagged"] for f in folds])), 4),
                     "macro_average_precision": round(ap, 4)})
    return {"grid": grid, "n_dev": len(dev_idx), "dev_writers": writers, "rows": rows,
            "seconds": round(time.perf_counter() - started, 1)}
