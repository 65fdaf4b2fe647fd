"""The ``make train`` workflow: fit (``training``) -> evaluate (``serving`` + ``evaluation``)
-> save the bundle -> log and register in MLflow -> maybe promote the champion.

This module sits on top of the layers (beside ``cli``): it is the only place where the
training code meets the predictor that serves its bundle. ``train(config)`` is the whole
stage; the CLI only prints its result. The test split and the gold set are used for
evaluation only; calibration and thresholds use dev.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config
from msgrisk.corpus import splits
from msgrisk.evaluation import metrics, plots
from msgrisk.labels import RISK_LABELS
from msgrisk.training.train import (
    DEFAULT_CONFIG,
    EXAMPLE_TEXTS,
    TrainConfig,
    _hash_files,
    _truth_matrix,
    _warn_rules_only_labels,
    apply_feedback,
    detector_dropout,
    dev_labels,
    load_training_frame,
    make_featurizer,
    parse_texts,
    targets,
)


@dataclass
class TrainResult:
    """What a training run produced."""

    bundle_path: Path
    promoted: bool
    metrics: dict[str, Any]
    mlflow: dict[str, Any]
    seconds: float

    def table(self) -> list[list[str]]:
        """Per-label P/R/F1 rows for test and gold (model and rules-only)."""
        rows = {}
        for dataset in ("test", "gold"):
            for system in ("model", "rules"):
                m = self.metrics.get(dataset, {}).get(system)
                if m:
                    rows[f"{dataset}/{system}"] = m
        return metrics.metrics_table(rows)

    def comparison(self) -> list[list[str]]:
        """Served vs rules-only per dataset and label: rules P/R, served P/R at the dev
        thresholds, and served recall read off its curve at the rules' precision."""
        rows = []
        for dataset in ("test", "gold"):
            m = self.metrics.get(dataset, {}).get("served_vs_rules", {})
            point, curve = m.get("operating_point", {}), m.get("at_equal_precision", {})
            for label, v in point.items():
                rows.append([dataset, label, f"{v['rules_precision']:.3f}",
                             f"{v['rules_recall']:.3f}", f"{v['model_precision']:.3f}",
                             f"{v['model_recall']:.3f}",
                             f"{curve.get(label, {}).get('model_recall', float('nan')):.3f}"])
        return rows



def train(cfg: TrainConfig | None = None, p: config.Paths | None = None,
          log_mlflow: bool = True, progress: bool = True) -> TrainResult:
    """Train, evaluate, write the bundle and reports, log to MLflow, maybe promote."""
    from msgrisk import rules
    from msgrisk.rules import verdicts
    from msgrisk.serving.predict import Predictor
    from msgrisk.training import bundle as bundles
    from msgrisk.training.model import LinearRiskModel

    cfg = cfg or TrainConfig.from_file(DEFAULT_CONFIG)
    p = p or config.paths()
    started = time.perf_counter()
    timings: dict[str, float] = {}

    frame, validation = load_training_frame(p)
    frame, n_feedback = apply_feedback(frame, p.feedback_csv, cfg.feedback_weight)
    groups, group_by = splits.group_column(frame, p.truth)
    frame["split"] = splits.assign_splits(groups, cfg.dev_fraction, cfg.test_fraction, cfg.seed)
    split_info = {"group_by": group_by, **splits.split_report(frame, groups)}
    p.processed.mkdir(parents=True, exist_ok=True)
    for name in splits.SPLITS:
        frame[frame["split"] == name].to_parquet(p.processed / f"{name}.parquet", index=False)

    t0 = time.perf_counter()
    nlp = rules.build_nlp()
    texts = frame["text"].tolist()
    parsed = parse_texts(texts, nlp, cfg.batch_size, progress)
    timings["parse_s"] = time.perf_counter() - t0

    is_train = (frame["split"] == "train").to_numpy()
    is_dev = (frame["split"] == "dev").to_numpy()
    Y, W = targets(frame, cfg)
    Y_dev, dev_against = dev_labels(frame, Y, is_dev, cfg, p)
    t0 = time.perf_counter()
    featurizer = make_featurizer(cfg)
    train_msgs = [m for m, keep in zip(parsed, is_train, strict=True) if keep]
    featurizer.fit(train_msgs)
    X = featurizer.transform(parsed)
    model = LinearRiskModel(C=cfg.C, class_weight=cfg.class_weight)
    X_fit, Y_fit, W_fit = detector_dropout(X[is_train], Y[is_train], W[is_train],
                                           featurizer.detector_columns(), cfg.detector_dropout)
    model.fit(X_fit, Y_fit, W_fit)
    model.calibrate(X[is_dev], Y_dev)
    if cfg.combine == "union":
        rules_dev = metrics.indicator_matrix(
            [verdicts.rules_labels(m) for m, keep in zip(parsed, is_dev, strict=True) if keep])
        threshold_report = model.tune_union_thresholds(X[is_dev], Y_dev, rules_dev,
                                                       cfg.precision_target,
                                                       cfg.floor_confidence)
        _warn_rules_only_labels(threshold_report, cfg.floor_confidence)
    else:
        threshold_report = model.tune_thresholds(X[is_dev], Y_dev, cfg.precision_target)
    timings["fit_s"] = time.perf_counter() - t0

    data_hash = _hash_files(p.messages, p.weak_labels, p.feedback_csv)
    manifest = {
        "labels": list(RISK_LABELS),
        "thresholds": {lab: float(t) for lab, t in zip(RISK_LABELS, model.thresholds_,
                                                        strict=True)},
        "combine": cfg.combine,
        "tuned_on": dev_against,
        "training_data_sha256": data_hash,
        "rules_version": rules.RULES_VERSION,
        "config": cfg.flat(),
        "n_features": int(X.shape[1]),
        "split": split_info,
    }
    manifest["version"] = bundles.new_version(data_hash)
    candidate = bundles.Bundle(path=p.models, manifest=manifest, nlp=nlp, featurizer=featurizer,
                               model=model)

    t0 = time.perf_counter()
    results = evaluate_run(Predictor(candidate), Predictor(None), frame, Y_dev, dev_against,
                           is_dev, p)
    timings["evaluate_s"] = time.perf_counter() - t0
    results["thresholds"] = threshold_report
    results["split"] = split_info
    results["validation"] = validation
    results["n_feedback_applied"] = n_feedback
    results["weak_labels"] = _weak_label_quality(p)
    manifest["metrics"] = {"dev_macro_f1": results["dev"]["model"]["macro"]["f1"],
                           "dev_against": dev_against,
                           **{f"{k}_macro_f1": results[k]["model"]["macro"]["f1"]
                              for k in ("test", "gold") if k in results}}
    bundle_path = bundles.save_bundle(nlp, featurizer, model, manifest, p.models)
    loaded = bundles.load_bundle(bundle_path, allow_outside=True)
    timings["total_s"] = time.perf_counter() - started
    results["timings"] = {k: round(v, 2) for k, v in timings.items()}
    results["bundle"] = {"version": loaded.version, "path": str(bundle_path)}

    previous = bundles.champion_manifest(p.models)
    promote = _should_promote(cfg.promote, results, previous)
    if log_mlflow and cfg.promote != "never" and not promote:
        from msgrisk.serving.pyfunc import MsgriskPyfunc
        from msgrisk.training import tracking

        # the local champion and the registry alias must agree: a store without an alias
        # (fresh MLFLOW_TRACKING_URI) gets this run as its champion
        promote = not tracking.has_champion()
    results["promoted"] = promote
    artifacts = write_reports(results, p)
    mlflow_info: dict[str, Any] = {}
    if log_mlflow:
        from msgrisk.serving.pyfunc import MsgriskPyfunc
        from msgrisk.training import tracking

        mlflow_info = tracking.log_training_run(
            cfg.flat(), {k: results[k] for k in ("dev", "test", "gold") if k in results},
            bundle_path, artifacts, promote, EXAMPLE_TEXTS, MsgriskPyfunc())
    if promote:
        bundles.promote(bundle_path, p.models)
    return TrainResult(bundle_path, promote, results, mlflow_info,
                       time.perf_counter() - started)



def _predict_matrix(predictor: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    preds = predictor.predict_batch(texts, batch_size=512)
    y = metrics.indicator_matrix([pr.labels for pr in preds])
    s = np.asarray([[pr.scores[lab] for lab in RISK_LABELS] for pr in preds])
    return y, s


def served_vs_rules(y_true: np.ndarray, y_served: np.ndarray, s_served: np.ndarray,
                    y_rules: np.ndarray) -> dict[str, Any]:
    """The must-show comparison: does the served system beat rules-only on recall at equal
    or better precision?

    ``operating_point`` compares the decisions actually served (thresholds from dev);
    ``at_equal_precision`` reads the served system's score curve at the rules' precision
    (a measurement only, never a threshold). For a union bundle the curve's score is 2 where
    the rules fire (above any model score) and the model score elsewhere, i.e. the curve of
    ``rules | model >= t``, which starts at the rules' own operating point.
    """
    served = metrics.label_metrics(y_true, y_served)
    ruled = metrics.label_metrics(y_true, y_rules)
    point = {}
    for key in (*RISK_LABELS, "macro"):
        sp_, sr = served[key]["precision"], served[key]["recall"]
        rp, rr = ruled[key]["precision"], ruled[key]["recall"]
        point[key] = {"model_precision": sp_, "model_recall": sr, "rules_precision": rp,
                      "rules_recall": rr, "beats_rules": bool(sp_ >= rp and sr > rr)}
    curve = metrics.recall_at_matched_precision(y_true, s_served, y_rules)
    macro = curve["macro"]
    return {"operating_point": point, "at_equal_precision": curve,
            "beats_rules_at_operating_point": point["macro"]["beats_rules"],
            "beats_rules_at_equal_precision": bool(
                macro["model_precision"] >= macro["reference_precision"]
                and macro["model_recall"] > macro["reference_recall"])}


def evaluate_run(model: Any, rules_only: Any, frame: pd.DataFrame, Y_dev: np.ndarray,
                 dev_against: str, is_dev: np.ndarray, p: config.Paths) -> dict[str, Any]:
    """Metrics of the served model and of rules-only on dev, test (truth) and gold."""
    out: dict[str, Any] = {}
    dev_texts = frame.loc[is_dev, "text"].tolist()
    y_dev, _ = _predict_matrix(model, dev_texts)
    y_dev_rules, _ = _predict_matrix(rules_only, dev_texts)
    out["dev"] = {"model": metrics.label_metrics(Y_dev, y_dev),
                  "rules": metrics.label_metrics(Y_dev, y_dev_rules), "against": dev_against}
    union = getattr(model, "combine", "overrides") == "union"
    sets = []
    test = frame[frame["split"] == "test"]
    y_true = _truth_matrix(test, p.truth)
    if y_true is not None:
        sets.append(("test", test["text"].tolist(), y_true, "generator truth", "test split (truth)"))
    if p.gold_csv.is_file():
        gold = pd.read_csv(p.gold_csv, dtype=str, keep_default_na=False)
        sets.append(("gold", gold["text"].tolist(), metrics.indicator_matrix(gold["labels"]),
                     "hand-written gold", "gold set"))
    for name, texts, truth, against, title in sets:
        y_m, s_m = _predict_matrix(model, texts)
        y_r, _ = _predict_matrix(rules_only, texts)
        s_served = np.where(y_r == 1, 2.0, s_m) if union else s_m
        comparison = served_vs_rules(truth, y_m, s_served, y_r)
        out[name] = {"model": metrics.label_metrics(truth, y_m),
                     "rules": metrics.label_metrics(truth, y_r), "n": len(texts),
                     "served_vs_rules": comparison,
                     "model_vs_rules_at_equal_precision": comparison["at_equal_precision"],
                     "against": against}
        thresholds = dict(zip(RISK_LABELS, model.thresholds.tolist(), strict=True))
        plots.pr_curves(truth, s_m, p.figures / f"pr_{name}.png", title, thresholds)
        plots.confusion(truth, y_m, p.figures / f"confusion_{name}.png", title)
    return out


def _weak_label_quality(p: config.Paths) -> dict[str, Any]:
    report = p.reports / "labeling.json"
    if not report.is_file():
        return {}
    data = json.loads(report.read_text())
    return {k: data[k] for k in ("overall", "vs_truth", "vs_gold") if k in data}


def _should_promote(mode: str, results: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    if mode == "always" or (mode == "if-better" and previous is None):
        return True
    if mode == "never":
        return False
    new = results["dev"]["model"]["macro"]["f1"]
    old_metrics = (previous or {}).get("metrics", {})
    if old_metrics.get("dev_against", "weak labels") != results["dev"]["against"]:
        return True  # scored against different dev labels: not comparable, the newer wins
    old = old_metrics.get("dev_macro_f1")
    return old is None or new >= old


def write_reports(results: dict[str, Any], p: config.Paths) -> list[Path]:
    """``reports/metrics.json`` plus the figures; returns the files to log as artifacts."""
    p.reports.mkdir(parents=True, exist_ok=True)
    out = p.reports / "metrics.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=True, default=str))
    return [out, *sorted(p.figures.glob("*.png"))]
