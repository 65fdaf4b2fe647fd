"""Training: weak labels -> frame-grouped splits -> features -> calibrated linear model -> bundle.

``train(config)`` is the whole stage; the CLI only prints its result. The test split and
the gold set are used for evaluation only; calibration and thresholds use dev.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config, labels, metrics, plots, splits
from msgrisk.labels import RISK_LABELS

log = logging.getLogger(__name__)
DEFAULT_CONFIG = config.PROJECT_ROOT / "configs" / "train.toml"
#: MLflow input example: fixed synthetic texts, never corpus rows (the store may be shared).
EXAMPLE_TEXTS = ["Hi, when will my order ship?", "text me on whatsapp 876 555 0100",
                 "I guarantee it arrives Friday"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters and switches of one training run (logged to MLflow as params)."""

    seed: int = 0  #: split hashing and any sampling
    dev_fraction: float = 0.15  #: share of frame groups for calibration and thresholds
    test_fraction: float = 0.15  #: share of frame groups for evaluation only
    ngram_max: int = 2  #: word/lemma n-grams 1..ngram_max
    min_df: int = 2  #: minimum document frequency of an n-gram
    max_features: int = 100_000  #: vocabulary cap per n-gram block
    use_normalized: bool = True  #: add n-grams of the de-obfuscated text
    char_ngram_min: int = 3  #: character n-grams (within words, de-obfuscated text) from ...
    char_ngram_max: int = 5  #: ... to this length; 0 turns the block off
    char_encoding: str = "tfidf"  #: character block: "tfidf" (fitted vocabulary) | "hashing"
    C: float = 4.0  #: inverse L2 regularisation of each logistic regression
    class_weight: str | None = "balanced"  #: class weighting of each logistic regression
    weak_threshold: float = 0.5  #: weak-label probability at which a label is positive
    min_weight: float = 0.2  #: floor on the confidence weight of a weak label
    feedback_weight: float = 3.0  #: weight of human-reviewed labels (override weak ones)
    detector_dropout: float = 0.0  #: weight of a training copy without detector features
    label_counts: bool = False  #: give the model the rules' per-label span counts as features
    combine: str = "union"  #: serving: "union" (rules OR model) | "overrides" (model + OVERRIDE_KINDS)
    tune_on: str = "reviewed"  #: dev labels for calibration/thresholds: "reviewed" | "weak"
    floor_confidence: float = 0.0  #: >0.5: union floor = this lower bound of the rules' dev precision
    promote: str = "if-better"  #: "always" | "if-better" | "never"
    batch_size: int = 512  #: spaCy nlp.pipe batch size
    precision_target: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(RISK_LABELS, 0.9))  #: per-label dev target

    @classmethod
    def from_file(cls, path: Path | None = None, overrides: dict[str, str] | None = None
                  ) -> TrainConfig:
        """Read a TOML file (missing -> defaults) and apply ``key=value`` overrides."""
        data: dict[str, Any] = {}
        if path is not None and Path(path).is_file():
            data = tomllib.loads(Path(path).read_text())
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown training config keys {sorted(unknown)} in {path}; "
                             f"valid keys: {sorted(known)}")
        for key, raw in (overrides or {}).items():
            if key.startswith("precision_target."):
                label = key.split(".", 1)[1]
                data.setdefault("precision_target", dict.fromkeys(RISK_LABELS, 0.9))[label] = \
                    float(raw)
                continue
            if key not in known:
                raise ValueError(f"unknown config key {key!r}; valid keys: {sorted(known)}")
            default = getattr(cls(), key)
            data[key] = _coerce(raw, default)
        cfg = cls(**data)
        if cfg.promote not in ("always", "if-better", "never"):
            raise ValueError(f"promote must be always|if-better|never, got {cfg.promote!r}")
        if cfg.combine not in ("union", "overrides"):
            raise ValueError(f"combine must be union|overrides, got {cfg.combine!r}")
        if cfg.tune_on not in ("reviewed", "weak"):
            raise ValueError(f"tune_on must be reviewed|weak, got {cfg.tune_on!r}")
        return cfg

    def flat(self) -> dict[str, Any]:
        """Flattened fields for MLflow params."""
        out = dataclasses.asdict(self)
        for label, value in out.pop("precision_target").items():
            out[f"precision_target.{label}"] = value
        return out


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return None if raw.lower() == "none" else raw


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


def _hash_files(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_training_frame(p: config.Paths) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Validated messages joined with weak labels (running the labeler if needed)."""
    from msgrisk import dataset, labeling

    validated = dataset.load_messages(p.messages, quarantine_dir=p.quarantine)
    if not p.weak_labels.is_file() or p.weak_labels.stat().st_mtime < p.messages.stat().st_mtime:
        labeling.run_labeling(p)
    weak = pd.read_parquet(p.weak_labels)
    frame = validated.good.merge(weak, on="message_id", how="left", validate="one_to_one")
    missing = frame["labels"].isna()
    if missing.any():
        raise RuntimeError(f"{int(missing.sum())} messages have no weak label; rerun `make label`")
    return frame, validated.summary()


def apply_feedback(frame: pd.DataFrame, feedback_path: Path, weight: float
                   ) -> tuple[pd.DataFrame, int]:
    """Reviewed labels override weak ones (matched by message id, else by text)."""
    if not feedback_path.is_file():
        return frame, 0
    feedback = pd.read_csv(feedback_path, dtype=str, keep_default_na=False)
    if feedback.empty:
        return frame, 0
    frame = frame.copy()
    frame["reviewed"] = False
    by_id = dict(zip(feedback.get("message_id", []), feedback["labels"], strict=False))
    by_text = dict(zip(feedback["text"], feedback["labels"], strict=True))
    reviewed = [by_id.get(mid) or by_text.get(text)
                for mid, text in zip(frame["message_id"], frame["text"], strict=True)]
    hit = np.array([r is not None for r in reviewed])
    for i in np.flatnonzero(hit):
        vec = labels.to_vector(labels.parse(reviewed[i]))
        for j, label in enumerate(RISK_LABELS):
            frame.iat[i, frame.columns.get_loc(f"p_{label}")] = float(vec[j])
        frame.iat[i, frame.columns.get_loc("labels")] = labels.to_string(labels.parse(reviewed[i]))
    frame.loc[hit, "reviewed"] = True
    frame.attrs["feedback_weight"] = weight
    return frame, int(hit.sum())


def targets(frame: pd.DataFrame, cfg: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Hard labels and confidence weights from weak-label probabilities."""
    probs = frame[[f"p_{label}" for label in RISK_LABELS]].to_numpy(dtype=float)
    Y = (probs >= cfg.weak_threshold).astype(int)
    W = np.maximum(np.abs(2 * probs - 1), cfg.min_weight)
    if "reviewed" in frame:
        W[frame["reviewed"].to_numpy(bool)] = cfg.feedback_weight
    return Y, W


def dev_labels(frame: pd.DataFrame, Y_weak: np.ndarray, is_dev: np.ndarray, cfg: TrainConfig,
               p: config.Paths) -> tuple[np.ndarray, str]:
    """The dev labels that calibration and thresholds are fitted to, and what they are.

    ``tune_on="reviewed"`` uses reviewed labels for the dev split: the generator's truth
    stands in for a human-reviewed dev sample (``data/raw/truth.parquet``), and rows
    reviewed through the feedback loop keep their reviewed label. Weak labels are the
    rules' own verdicts, so thresholds tuned on them can only reproduce the rules; a
    reviewed dev set is what lets the model add recall the rules miss. Without truth the
    weak labels are used and the run says so in ``metrics.json["dev"]["against"]``.
    """
    Y_dev = Y_weak[is_dev]
    if cfg.tune_on == "weak":
        return Y_dev, "weak labels"
    truth = _truth_matrix(frame[is_dev], p.truth)
    if truth is None:
        log.warning("tune_on=reviewed but %s has no labels for every dev message; "
                    "tuning on weak labels (the model can then only reproduce the rules)",
                    p.truth)
        return Y_dev, "weak labels"
    if "reviewed" in frame:
        reviewed = frame.loc[is_dev, "reviewed"].to_numpy(bool)
        truth[reviewed] = Y_dev[reviewed]
    return truth, "reviewed dev labels"


def _warn_rules_only_labels(report: dict[str, dict[str, float]], floor_confidence: float
                            ) -> None:
    """Say which labels the model adds nothing to, and what to try (no message text)."""
    from msgrisk.model import NEVER

    for label, entry in report.items():
        if entry["threshold"] < NEVER:
            continue
        hint = ("" if floor_confidence > 0.5 else
                "; on a small dev set the rules' point precision is a harsh floor: try "
                "--set floor_confidence=0.95")
        log.warning("%s is served by the rules alone: no model threshold keeps precision >= "
                    "%.3f on dev (%d messages flagged by the rules)%s", label, entry["floor"],
                    int(entry["rules_flagged"]), hint)


def make_featurizer(cfg: TrainConfig) -> Any:
    """The unfitted :class:`~msgrisk.features.MessageFeaturizer` a config describes."""
    from msgrisk.features import MessageFeaturizer

    return MessageFeaturizer(
        ngram_range=(1, cfg.ngram_max), min_df=cfg.min_df, max_features=cfg.max_features,
        use_normalized=cfg.use_normalized, label_counts=cfg.label_counts,
        char_ngram_range=((cfg.char_ngram_min, cfg.char_ngram_max)
                          if cfg.char_ngram_max else None),
        char_min_df=max(cfg.min_df, 3), char_encoding=cfg.char_encoding)


def detector_dropout(X: Any, Y: np.ndarray, W: np.ndarray, columns: np.ndarray, weight: float
                     ) -> tuple[Any, np.ndarray, np.ndarray]:
    """Append a copy of the training rows with the detector columns zeroed.

    Weak labels come from the same rules that produce the detector features, so a model
    can reach zero training loss by copying the detectors and learn nothing from the words.
    The copy forces the n-gram weights to carry the signal on their own, which is what
    lets the model catch messages the rules miss.
    """
    if weight <= 0 or len(columns) == 0:
        return X, Y, W
    import scipy.sparse as sp

    mask = np.ones(X.shape[1], dtype=np.float32)
    mask[columns] = 0.0
    X_text = X @ sp.diags(mask, format="csr")
    return sp.vstack([X, X_text], format="csr"), np.vstack([Y, Y]), np.vstack([W, W * weight])


def train(cfg: TrainConfig | None = None, p: config.Paths | None = None,
          log_mlflow: bool = True, progress: bool = True) -> TrainResult:
    """Train, evaluate, write the bundle and reports, log to MLflow, maybe promote."""
    from msgrisk import bundle as bundles
    from msgrisk import labeling, rules
    from msgrisk.model import LinearRiskModel
    from msgrisk.predict import Predictor

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
            [labeling.rules_labels(m) for m, keep in zip(parsed, is_dev, strict=True) if keep])
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
        from msgrisk import tracking

        # the local champion and the registry alias must agree: a store without an alias
        # (fresh MLFLOW_TRACKING_URI) gets this run as its champion
        promote = not tracking.has_champion()
    results["promoted"] = promote
    artifacts = write_reports(results, p)
    mlflow_info: dict[str, Any] = {}
    if log_mlflow:
        from msgrisk import tracking

        mlflow_info = tracking.log_training_run(
            cfg.flat(), {k: results[k] for k in ("dev", "test", "gold") if k in results},
            bundle_path, artifacts, promote, EXAMPLE_TEXTS)
    if promote:
        bundles.promote(bundle_path, p.models)
    return TrainResult(bundle_path, promote, results, mlflow_info,
                       time.perf_counter() - started)


def parse_texts(texts: list[str], nlp: Any, batch_size: int, progress: bool) -> list[Any]:
    """``rules.parse_batch`` in chunks, with a progress bar."""
    from tqdm.auto import tqdm

    from msgrisk import rules

    out: list[Any] = []
    chunk = 4096
    with tqdm(total=len(texts), desc="parse", unit="msg", disable=not progress,
              leave=False) as bar:
        for start in range(0, len(texts), chunk):
            part = texts[start:start + chunk]
            out.extend(rules.parse_batch(part, nlp=nlp, batch_size=batch_size))
            bar.update(len(part))
    return out


def _truth_matrix(frame: pd.DataFrame, truth_path: Path) -> np.ndarray | None:
    if not truth_path.is_file():
        return None
    truth = pd.read_parquet(truth_path, columns=["message_id", "labels"])
    mapping = dict(zip(truth["message_id"], truth["labels"], strict=True))
    values = frame["message_id"].map(mapping)
    if values.isna().any():
        return None
    return metrics.indicator_matrix(values)


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
