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

from msgrisk import config, labels
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
    dev_labels,
    fit_model,
    fit_rows,
    load_reviewed_frame,
    load_training_frame,
    make_featurizer,
    out_of_fold_margins,
    parse_texts,
    targets,
)

#: What calibration and thresholds were fitted to when the reviewed seed set is used.
REVIEWED_DEV = "reviewed seed set (dev writers)"


@dataclass
class TrainResult:
    """What a training run produced."""

    bundle_path: Path
    promoted: bool
    metrics: dict[str, Any]
    mlflow: dict[str, Any]
    seconds: float

    def table(self) -> list[list[str]]:
        """Per-label P/R/F1 rows per evaluation set and system (served, rules-only,
        model-only, TF-IDF+LR)."""
        rows = {}
        for dataset in EVAL_SET_NAMES:
            for system in ("model", "rules", "model_only", "tfidf_lr"):
                m = self.metrics.get(dataset, {}).get(system)
                if m:
                    rows[f"{dataset}/{system}"] = m
        return metrics.metrics_table(rows)

    def comparison(self) -> list[list[str]]:
        """Served vs rules-only per dataset and label: rules P/R, served P/R at the dev
        thresholds, and served recall read off its curve at the rules' precision."""
        rows = []
        for dataset in EVAL_SET_NAMES:
            m = self.metrics.get(dataset, {}).get("served_vs_rules", {})
            point, curve = m.get("operating_point", {}), m.get("at_equal_precision", {})
            for label, v in point.items():
                rows.append([dataset, label, f"{v['rules_precision']:.3f}",
                             f"{v['rules_recall']:.3f}", f"{v['model_precision']:.3f}",
                             f"{v['model_recall']:.3f}",
                             f"{curve.get(label, {}).get('model_recall', float('nan')):.3f}"])
        return rows

    def notes(self) -> list[str]:
        """One line per section that could not be measured or served, and why."""
        out = []
        if "test" not in self.metrics:
            out.append("generator test split: skipped (this dataset has no generator truth; "
                       "scored on reviewed test writers, reviewed feedback and gold instead)")
        if "reviewed_test" not in self.metrics:
            out.append("reviewed test writers: skipped (no reviewed seed set found)")
        unreachable = [lab for lab, t in self.metrics.get("thresholds_served", {}).items()
                       if t > 1.0]
        if unreachable:
            out.append(f"served by the rules alone (no threshold reached the precision "
                       f"target on reviewed dev): {', '.join(unreachable)}")
        return out


#: Evaluation sets in report order (each present only when its labels exist).
EVAL_SET_NAMES = ("reviewed_test", "feedback_test", "gold", "test")


def train(cfg: TrainConfig | None = None, p: config.Paths | None = None,
          log_mlflow: bool = True, progress: bool = True, force: bool = False,
          model_name: str | None = None) -> TrainResult:
    """Train, evaluate, write the bundle and reports, log to MLflow, maybe promote.

    Training data: weak labels on the historical corpus (train split) plus the reviewed
    seed set's train writers with strong labels (weight ``reviewed_weight``). Calibration
    and thresholds use reviewed-dev (writers the fit never saw) plus any reviewed feedback
    in the corpus' dev split; generator truth is never fitted to.

    Promotion (``promote_decision``): the candidate replaces the champion only if it is at
    least as good on the same reviewed evaluation data (``force`` skips the check). The
    model registers as ``model_name`` (default ``p.registered_model``: one per dataset).
    """
    from msgrisk import rules
    from msgrisk.rules import verdicts
    from msgrisk.serving.predict import Predictor
    from msgrisk.training import bundle as bundles
    from msgrisk.training import forced as forcing

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
    rev = load_reviewed_frame(p, cfg)

    t0 = time.perf_counter()
    nlp = rules.build_nlp()
    parsed = parse_texts(frame["text"].tolist(), nlp, cfg.batch_size, progress)
    parsed_rev = parse_texts(rev["text"].tolist(), nlp, cfg.batch_size, progress)
    timings["parse_s"] = time.perf_counter() - t0

    is_train = (frame["split"] == "train").to_numpy()
    is_dev = (frame["split"] == "dev").to_numpy()
    rev_train = (rev["split"] == "train").to_numpy()
    rev_dev = (rev["split"] == "dev").to_numpy()
    Y, W = targets(frame, cfg)
    Y_rev = labels.indicator_matrix(rev["labels"])
    t0 = time.perf_counter()
    featurizer = make_featurizer(cfg)
    fit_msgs = [m for m, keep in zip(parsed, is_train, strict=True) if keep] + \
        [m for m, keep in zip(parsed_rev, rev_train, strict=True) if keep]
    featurizer.fit(fit_msgs)
    X = featurizer.transform(parsed)
    X_rev = featurizer.transform(parsed_rev) if len(rev) else X[:0]
    X_fit, Y_fit, W_fit = fit_rows(frame, X, Y, W, is_train, X_rev, Y_rev, rev_train, cfg)
    model = fit_model(X_fit, Y_fit, W_fit, featurizer.detector_columns(), cfg)

    X_dev, Y_dev, dev_texts, dev_against = tuning_set(frame, Y, X, is_dev, rev, Y_rev, X_rev,
                                                      rev_dev, cfg, p)
    Z_tune, Y_tune = model.decision_function(X_dev), Y_dev
    n_oof = 0
    if dev_against == REVIEWED_DEV:
        Z_oof, oof = out_of_fold_margins(frame, X, Y, W, is_train, rev, X_rev, Y_rev,
                                         rev_train, featurizer.detector_columns(), cfg)
        n_oof = int(oof.sum())
        Z_tune, Y_tune = np.vstack([Z_tune, Z_oof[oof]]), np.vstack([Y_dev, Y_rev[oof]])
    tuned_on = dev_against + (f" + out-of-fold reviewed train ({cfg.threshold_folds} writer "
                              f"folds, {n_oof} messages)" if n_oof else "")
    model.calibrate_margins(Z_tune, Y_tune)
    S_tune = model.scores_from_margins(Z_tune)
    prevalence = deploy_prevalence(Y[is_train]) if cfg.deploy_prior else None
    rule_report: dict[str, Any] = {}
    forced: dict[str, str] = {}
    if cfg.combine == "forced":
        known = rev_train | rev_dev
        rule_report = forcing.rule_precision(
            [m for m, keep in zip(parsed_rev, known, strict=True) if keep], Y_rev[known])
        forced = forcing.forced_rules(rule_report, cfg.force_min_precision,
                                      cfg.force_min_support)
        threshold_report = model.tune_thresholds_scores(S_tune, Y_tune, cfg.precision_target,
                                                        cfg.threshold_beta, prevalence)
    elif cfg.combine == "union":
        parsed_dev = [m for m, keep in zip(parsed_rev, rev_dev, strict=True) if keep] \
            if dev_against == REVIEWED_DEV else \
            [m for m, keep in zip(parsed, is_dev, strict=True) if keep]
        rules_dev = labels.indicator_matrix([verdicts.rules_labels(m) for m in parsed_dev])
        threshold_report = model.tune_union_thresholds(X_dev, Y_dev, rules_dev,
                                                       cfg.precision_target,
                                                       cfg.floor_confidence)
        _warn_rules_only_labels(threshold_report, cfg.floor_confidence)
    else:
        threshold_report = model.tune_thresholds_scores(S_tune, Y_tune, cfg.precision_target)
    timings["fit_s"] = time.perf_counter() - t0

    data_hash = _hash_files(p.messages, p.weak_labels, p.feedback_csv, p.reviewed_csv)
    registered = model_name or p.registered_model
    manifest = {
        "name": registered,
        "dataset": p.dataset,
        "labels": list(RISK_LABELS),
        "thresholds": {lab: float(t) for lab, t in zip(RISK_LABELS, model.thresholds_,
                                                        strict=True)},
        "combine": cfg.combine,
        "forced_rules": forced,
        "forced_rule_evidence": {k: rule_report[k] for k in forced},
        "tuned_on": tuned_on,
        "training_data_sha256": data_hash,
        "rules_version": rules.RULES_VERSION,
        "config": cfg.flat(),
        "n_features": int(X.shape[1]),
        "n_train": {"weak": int(is_train.sum()), "reviewed": int(rev_train.sum())},
        "split": split_info,
    }
    manifest["version"] = bundles.new_version(data_hash)
    candidate = bundles.Bundle(path=p.models, manifest=manifest, nlp=nlp, featurizer=featurizer,
                               model=model)

    t0 = time.perf_counter()
    fit_texts = frame.loc[is_train, "text"].tolist() + rev.loc[rev_train, "text"].tolist()
    baseline = fit_baseline(fit_texts, Y_fit[:len(fit_texts)], W_fit[:len(fit_texts)], cfg.seed)
    sets = evaluation_sets(frame, rev, p)
    results, served = evaluate_run(Predictor(candidate), Predictor(None), sets, Y_dev, dev_texts,
                                   dev_against, p, baseline)
    timings["evaluate_s"] = time.perf_counter() - t0
    results["thresholds"] = threshold_report
    results["tuned_on"] = {"sets": tuned_on, "dev_messages": len(Y_dev),
                           "out_of_fold_messages": n_oof}
    results["thresholds_served"] = manifest["thresholds"]
    results["deploy_prevalence"] = prevalence
    results["forced_rules"] = {"forced": forced, "min_precision": cfg.force_min_precision,
                               "min_support": cfg.force_min_support, "measured": rule_report}
    results["split"] = split_info
    results["reviewed"] = {"path": str(p.reviewed_csv), "train": int(rev_train.sum()),
                           "dev": int(rev_dev.sum()),
                           "test": int((rev["split"] == "test").sum())}
    results["validation"] = validation
    results["n_feedback_applied"] = n_feedback
    results["weak_labels"] = _weak_label_quality(p)
    manifest["metrics"] = {"dev_macro_f1": results["dev"]["model"]["macro"]["f1"],
                           "dev_against": dev_against,
                           **{f"{k}_macro_f1": results[k]["model"]["macro"]["f1"]
                              for k in EVAL_SET_NAMES if k in results}}
    bundle_path = bundles.save_bundle(nlp, featurizer, model, manifest, p.models)
    loaded = bundles.load_bundle(bundle_path, allow_outside=True)
    timings["total_s"] = time.perf_counter() - started
    results["timings"] = {k: round(v, 2) for k, v in timings.items()}
    results["bundle"] = {"version": loaded.version, "path": str(bundle_path)}

    judge = [s_ for s_ in sets if s_[0] != "test"]  # reviewed labels only, never generator truth
    candidate_y = np.vstack([served[s_[0]] for s_ in judge]) if judge else \
        np.zeros((0, len(RISK_LABELS)), int)
    decision = promote_decision(candidate_y, p, judge, registered,
                                "always" if force else cfg.promote)
    promote = decision["promote"]
    results["promotion"] = decision
    results["promoted"] = promote
    artifacts = write_reports(results, p)
    mlflow_info: dict[str, Any] = {}
    if log_mlflow:
        from msgrisk.serving.pyfunc import MsgriskPyfunc
        from msgrisk.training import tracking

        mlflow_info = tracking.log_training_run(
            cfg.flat(), {k: results[k] for k in ("dev", *EVAL_SET_NAMES) if k in results},
            bundle_path, artifacts, promote, EXAMPLE_TEXTS, MsgriskPyfunc(), registered)
    if promote:
        bundles.promote(bundle_path, p.models)
    return TrainResult(bundle_path, promote, results, mlflow_info,
                       time.perf_counter() - started)


def deploy_prevalence(Y_weak: np.ndarray) -> dict[str, float]:
    """Expected share of each label in served traffic: the weak labels' rate on the team's
    own historical messages (the rules see every message; the reviewed set is risk-rich)."""
    rate = np.asarray(Y_weak, dtype=float).mean(axis=0) if len(Y_weak) else \
        np.zeros(len(RISK_LABELS))
    return {label: float(r) for label, r in zip(RISK_LABELS, rate, strict=True)}


def tuning_set(frame: pd.DataFrame, Y: np.ndarray, X: Any, is_dev: np.ndarray,
               rev: pd.DataFrame, Y_rev: np.ndarray, X_rev: Any, rev_dev: np.ndarray,
               cfg: TrainConfig, p: config.Paths
               ) -> tuple[Any, np.ndarray, list[str], str]:
    """The reviewed rows calibration and thresholds are fitted to, and what they are.

    Reviewed-dev (writers the fit never saw) plus corpus dev rows reviewed through the
    feedback loop. Without a reviewed seed set it falls back to the corpus dev split
    against generator truth or weak labels (``dev_labels``), and says so.
    """
    import scipy.sparse as sp

    if cfg.tune_on == "reviewed" and rev_dev.any():
        fb = is_dev & frame["reviewed"].to_numpy(bool) if "reviewed" in frame else \
            np.zeros(len(frame), bool)
        X_dev = sp.vstack([X_rev[rev_dev], X[fb]], format="csr")
        Y_dev = np.vstack([Y_rev[rev_dev], Y[fb]])
        texts = rev.loc[rev_dev, "text"].tolist() + frame.loc[fb, "text"].tolist()
        return X_dev, Y_dev, texts, REVIEWED_DEV
    Y_dev, against = dev_labels(frame, Y, is_dev, cfg, p)
    return X[is_dev], Y_dev, frame.loc[is_dev, "text"].tolist(), against


def fit_baseline(texts: list[str], Y: np.ndarray, W: np.ndarray, seed: int) -> Any:
    """The plain TF-IDF + logistic regression baseline on the same training rows and weights
    (word 1-2 and char 2-5 n-grams, C=4, balanced, threshold 0.5)."""
    from sklearn.linear_model import LogisticRegression

    from msgrisk.evaluation.baselines import tfidf_features

    features = tfidf_features(char_max_features=200_000)
    Xb = features.fit_transform(texts)
    clfs = []
    for j in range(Y.shape[1]):
        clf = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear",
                                 random_state=seed)
        clf.fit(Xb, Y[:, j], sample_weight=W[:, j])
        clfs.append(clf)

    def predict(batch: list[str]) -> np.ndarray:
        Z = features.transform(batch)
        return np.column_stack([c.predict_proba(Z)[:, 1] >= 0.5 for c in clfs]).astype(int)

    return predict


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


def evaluate_run(model: Any, rules_only: Any, sets: list[EvalSet], Y_dev: np.ndarray,
                 dev_texts: list[str], dev_against: str, p: config.Paths, baseline: Any = None
                 ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Per-label metrics on dev and every evaluation set (:func:`evaluation_sets`), side by
    side for: served (``model``), rules-only, model-only (thresholds, no forced rule) and
    the TF-IDF+LR baseline trained on the same rows. Also returns the served labels per set
    (promotion compares them with the champion's)."""
    out: dict[str, Any] = {}
    served: dict[str, np.ndarray] = {}
    y_dev, _ = _predict_matrix(model, dev_texts)
    y_dev_rules, _ = _predict_matrix(rules_only, dev_texts)
    out["dev"] = {"model": metrics.label_metrics(Y_dev, y_dev),
                  "rules": metrics.label_metrics(Y_dev, y_dev_rules), "against": dev_against}
    union = getattr(model, "combine", "overrides") == "union"
    thresholds = np.asarray(model.thresholds, dtype=float)
    for name, texts, truth, against, title in sets:
        y_m, s_m = _predict_matrix(model, texts)
        served[name] = y_m
        y_r, _ = _predict_matrix(rules_only, texts)
        y_only = (s_m >= thresholds[None, :]).astype(int)
        s_served = np.where(y_r == 1, 2.0, s_m) if union else s_m
        comparison = served_vs_rules(truth, y_m, s_served, y_r)
        out[name] = {"model": metrics.label_metrics(truth, y_m),
                     "rules": metrics.label_metrics(truth, y_r),
                     "model_only": metrics.label_metrics(truth, y_only),
                     "n": len(texts), "served_vs_rules": comparison,
                     "model_vs_rules_at_equal_precision": comparison["at_equal_precision"],
                     "against": against}
        systems = {"model": y_m, "rules": y_r, "model_only": y_only}
        if baseline is not None:
            systems["tfidf_lr"] = baseline(texts)
            out[name]["tfidf_lr"] = metrics.label_metrics(truth, systems["tfidf_lr"])
        fine = truth.sum(1) == 0
        if fine.any():
            out[name]["fine_flagged"] = {sys_: round(float((y[fine].sum(1) > 0).mean()), 4)
                                         for sys_, y in systems.items()}
        thr = dict(zip(RISK_LABELS, thresholds.tolist(), strict=True))
        plots.pr_curves(truth, s_m, p.figures / f"pr_{name}.png", title, thr)
        plots.confusion(truth, y_m, p.figures / f"confusion_{name}.png", title)
    return out, served


def _weak_label_quality(p: config.Paths) -> dict[str, Any]:
    report = p.reports / "labeling.json"
    if not report.is_file():
        return {}
    data = json.loads(report.read_text())
    return {k: data[k] for k in ("overall", "vs_truth", "vs_gold") if k in data}


EvalSet = tuple[str, list[str], np.ndarray, str, str]


def evaluation_sets(frame: pd.DataFrame, rev: pd.DataFrame, p: config.Paths) -> list[EvalSet]:
    """(name, texts, truth, against, title) of every labelled set a run is scored on:
    the reviewed seed set's test writers, the team's reviewed feedback in the test split,
    the gold set (the data dir's or the shipped one) and, for the sample corpus only, the
    generator's truth on the test split. Sets that do not exist are left out."""
    sets: list[EvalSet] = []
    rt = rev[rev["split"] == "test"]
    if len(rt):
        sets.append(("reviewed_test", rt["text"].tolist(), labels.indicator_matrix(rt["labels"]),
                     "reviewed seed set (test writers)", "reviewed test (unseen writers)"))
    test = frame[frame["split"] == "test"]
    if "reviewed" in test and test["reviewed"].any():
        fb = test[test["reviewed"].to_numpy(bool)]
        sets.append(("feedback_test", fb["text"].tolist(), labels.indicator_matrix(fb["labels"]),
                     "your reviewed feedback (test split)", "reviewed feedback (test split)"))
    if p.gold_csv.is_file():
        gold = pd.read_csv(p.gold_csv, dtype=str, keep_default_na=False)
        sets.append(("gold", gold["text"].tolist(), labels.indicator_matrix(gold["labels"]),
                     "hand-written gold", "gold set"))
    y_true = _truth_matrix(test, p.truth)
    if y_true is not None:
        sets.append(("test", test["text"].tolist(), y_true, "generator truth",
                     "generator test split (truth)"))
    return sets


def promote_decision(candidate_y: np.ndarray, p: config.Paths, judge: list[EvalSet],
                     name: str, mode: str) -> dict[str, Any]:
    """Whether the candidate replaces ``<models>/champion`` (and the ``champion`` alias of
    ``name``), and why. ``candidate_y`` is the candidate's served labels on the ``judge``
    sets, stacked in their order (what :func:`evaluate_run` already computed).

    ``mode`` ``always`` (``--force``) and ``never`` decide alone. ``if-better`` re-scores the
    current champion on the same reviewed sets (``judge``: pooled reviewed test writers,
    reviewed feedback and gold) and promotes when the candidate's macro-F1 is at least as
    good. Without reviewed data it cannot judge and does not promote; a models folder whose
    champion belongs to another registered model is never taken over silently.
    """
    from msgrisk.serving.predict import Predictor
    from msgrisk.training import bundle as bundles

    if mode == "always":
        return {"promote": True, "reason": "forced (--force or promote=always)"}
    if mode == "never":
        return {"promote": False, "reason": "promote=never"}
    if not judge:
        return {"promote": False, "reason": "cannot judge: no reviewed evaluation data "
                "(reviewed seed set test writers, reviewed feedback or gold); review messages "
                "(msgrisk review-queue, then feedback import) or pass --force"}
    texts = [t for s_ in judge for t in s_[1]]
    truth = np.vstack([s_[2] for s_ in judge])
    sets = [s_[0] for s_ in judge]
    new_f1 = metrics.label_metrics(truth, candidate_y)["macro"]["f1"]
    out: dict[str, Any] = {"judged_on": sets, "n": len(texts), "candidate_macro_f1": new_f1}
    previous = bundles.champion_manifest(p.models)
    if previous is None:
        return {**out, "promote": True, "reason": f"no champion in {p.models} yet"}
    owner = previous.get("name", config.REGISTERED_MODEL)
    if owner != name:
        return {**out, "promote": False, "reason": (
            f"{p.models} serves {owner}'s champion, this run is {name}: keep each dataset in "
            "its own MSGRISK_HOME (or MSGRISK_MODELS_DIR), or pass --force to replace it")}
    try:
        champion = Predictor(bundles.load_bundle(p.champion, allow_outside=True))
    except Exception as error:  # an unreadable champion cannot be compared, only replaced
        return {**out, "promote": True, "reason": f"current champion unreadable ({error})"}
    old_f1 = metrics.label_metrics(truth, _predict_matrix(champion, texts)[0])["macro"]["f1"]
    out["champion_macro_f1"] = old_f1
    out["champion_version"] = champion.model_version
    better = new_f1 >= old_f1
    verdict = "at least as good as" if better else "worse than"
    return {**out, "promote": better,
            "reason": f"macro-F1 {new_f1:.4f} {verdict} the champion's {old_f1:.4f} on "
                      f"{' + '.join(sets)} (n={len(texts)})"}


def write_reports(results: dict[str, Any], p: config.Paths) -> list[Path]:
    """``reports/metrics.json`` plus the figures; returns the files to log as artifacts."""
    p.reports.mkdir(parents=True, exist_ok=True)
    out = p.reports / "metrics.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=True, default=str))
    return [out, *sorted(p.figures.glob("*.png"))]
