"""Training: weak labels -> frame-grouped splits -> features -> calibrated linear model -> bundle.

``train(config)`` is the whole stage; the CLI only prints its result. The test split and
the gold set are used for evaluation only; calibration and thresholds use dev.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config, labels
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
    use_normalized: bool = False  #: add n-grams of the de-obfuscated text
    char_ngram_min: int = 3  #: character n-grams (within words, de-obfuscated text) from ...
    char_ngram_max: int = 5  #: ... to this length; 0 turns the block off
    char_encoding: str = "tfidf"  #: character block: "tfidf" (fitted vocabulary) | "hashing"
    C: float = 4.0  #: inverse L2 regularisation of each logistic regression
    class_weight: str | None = "balanced"  #: class weighting of each logistic regression
    weak_threshold: float = 0.5  #: weak-label probability at which a label is positive
    min_weight: float = 0.2  #: floor on the confidence weight of a weak label
    feedback_weight: float = 3.0  #: weight of human-reviewed labels (override weak ones)
    reviewed_weight: float = 3.0  #: weight of reviewed seed-set rows (0 = leave the set out)
    weak_weight: float = 0.05  #: multiplier on the weak-label rows' confidence weights
    force_min_precision: float = 0.99  #: a rule forces its label only at this reviewed precision
    force_min_support: int = 50  #: ... over at least this many firings on reviewed train+dev
    detector_dropout: float = 0.0  #: weight of a training copy without detector features
    label_counts: bool = False  #: give the model the rules' per-label span counts as features
    combine: str = "forced"  #: serving: "forced" (model + rules precise on reviewed data) | "union" | "overrides"
    tune_on: str = "reviewed"  #: dev labels for calibration/thresholds: "reviewed" | "weak"
    floor_confidence: float = 0.0  #: >0.5: union floor = this lower bound of the rules' dev precision
    deploy_prior: bool = True  #: read dev precision at the corpus' weak-label prevalence
    threshold_beta: float = 1.0  #: thresholds maximise F-beta on reviewed-dev (<1: precision-first)
    threshold_folds: int = 0  #: writer folds of reviewed train whose out-of-fold scores join dev for calibration + thresholds (0 = dev only; configs/train.toml, which make train reads, sets 5)
    promote: str = "if-better"  #: "always" | "if-better" | "never"
    batch_size: int = 512  #: spaCy nlp.pipe batch size
    precision_target: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(RISK_LABELS, 0.95))  #: per-label dev target

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
                data.setdefault("precision_target", dict.fromkeys(RISK_LABELS, 0.95))[label] = \
                    float(raw)
                continue
            if key not in known:
                raise ValueError(f"unknown config key {key!r}; valid keys: {sorted(known)}")
            default = getattr(cls(), key)
            data[key] = _coerce(raw, default)
        cfg = cls(**data)
        if cfg.promote not in ("always", "if-better", "never"):
            raise ValueError(f"promote must be always|if-better|never, got {cfg.promote!r}")
        if cfg.combine not in ("forced", "union", "overrides"):
            raise ValueError(f"combine must be forced|union|overrides, got {cfg.combine!r}")
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


def _hash_files(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_training_frame(p: config.Paths) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Validated messages joined with weak labels (running the labeler if needed)."""
    from msgrisk.corpus import dataset
    from msgrisk.training import labeling

    validated = dataset.load_messages(p.messages, quarantine_dir=p.quarantine)
    if not p.weak_labels.is_file() or p.weak_labels.stat().st_mtime < p.messages.stat().st_mtime:
        labeling.run_labeling(p)
    weak = pd.read_parquet(p.weak_labels)
    frame = validated.good.merge(weak, on="message_id", how="left", validate="one_to_one")
    missing = frame["labels"].isna()
    if missing.any():
        raise RuntimeError(f"{int(missing.sum())} messages have no weak label; rerun `make label`")
    return frame, validated.summary()


def load_reviewed_frame(p: config.Paths, cfg: TrainConfig) -> pd.DataFrame:
    """The reviewed seed set (writer-disjoint train/dev/test), empty when left out.

    Texts the team reviewed through the feedback loop override the seed set's label on the
    same text (the team's policy decision wins).
    """
    from msgrisk.corpus.reviewed import load_reviewed

    if cfg.reviewed_weight <= 0 or not p.reviewed_csv.is_file():
        if cfg.reviewed_weight > 0:
            log.warning("no reviewed seed set at %s: training on weak labels only", p.reviewed_csv)
        return pd.DataFrame(columns=["id", "text", "labels", "writer", "split"])
    rev = load_reviewed(p.reviewed_csv)
    if p.feedback_csv.is_file():
        fb = pd.read_csv(p.feedback_csv, dtype=str, keep_default_na=False)
        if {"text", "labels"} <= set(fb.columns) and len(fb):
            by_text = dict(zip(fb["text"], fb["labels"], strict=True))
            rev["labels"] = [labels.to_string(labels.parse(by_text[t])) if t in by_text else lab
                             for t, lab in zip(rev["text"], rev["labels"], strict=True)]
    return rev


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


def fit_rows(frame: pd.DataFrame, X: Any, Y: np.ndarray, W: np.ndarray, is_train: np.ndarray,
             X_rev: Any, Y_rev: np.ndarray, rev_train: np.ndarray, cfg: TrainConfig
             ) -> tuple[Any, np.ndarray, np.ndarray]:
    """The rows the model is fitted on: the corpus' train split (weak labels at
    ``weak_weight`` × confidence, feedback rows at their own weight) stacked on the
    reviewed set's train writers (strong labels at ``reviewed_weight``)."""
    import scipy.sparse as sp

    W = W.copy()
    weak = ~frame["reviewed"].to_numpy(bool) if "reviewed" in frame else \
        np.ones(len(frame), bool)
    W[weak] *= cfg.weak_weight
    X_fit = sp.vstack([X[is_train], X_rev[rev_train]], format="csr")
    Y_fit = np.vstack([Y[is_train], Y_rev[rev_train]])
    W_fit = np.vstack([W[is_train], np.full((int(rev_train.sum()), len(RISK_LABELS)),
                                            cfg.reviewed_weight)])
    return X_fit, Y_fit, W_fit


def fit_model(X_fit: Any, Y_fit: np.ndarray, W_fit: np.ndarray, columns: np.ndarray,
              cfg: TrainConfig) -> Any:
    """The served model's recipe on :func:`fit_rows`' output: :func:`detector_dropout` over
    the detector ``columns``, then one :class:`~msgrisk.training.model.LinearRiskModel` fit."""
    from msgrisk.training.model import LinearRiskModel

    X_fit, Y_fit, W_fit = detector_dropout(X_fit, Y_fit, W_fit, columns, cfg.detector_dropout)
    return LinearRiskModel(C=cfg.C, class_weight=cfg.class_weight).fit(X_fit, Y_fit, W_fit)


def out_of_fold_margins(frame: pd.DataFrame, X: Any, Y: np.ndarray, W: np.ndarray,
                        is_train: np.ndarray, rev: pd.DataFrame, X_rev: Any, Y_rev: np.ndarray,
                        rev_train: np.ndarray, columns: np.ndarray, cfg: TrainConfig
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Raw margins of the reviewed train rows, each scored by a model that never saw its
    writer, and the mask of the rows that got one.

    The reviewed train writers are cut into ``cfg.threshold_folds`` groups (seeded); per
    group a model is fitted exactly like the served one (:func:`fit_model`: weak train rows
    plus the other reviewed train writers) and scores the held-out writers. Stacked on
    reviewed-dev, these rows give calibration and thresholds several times more held-out
    messages, from many more writers, than dev alone: dev's few writers are too few to read
    a precision-first threshold from.
    """
    margins = np.zeros((len(rev), len(RISK_LABELS)))
    scored = np.zeros(len(rev), bool)
    writers = np.array(sorted(rev.loc[rev_train, "writer"].unique()))
    k = cfg.threshold_folds
    if k < 2 or len(writers) < k:
        return margins, scored
    np.random.RandomState(cfg.seed).shuffle(writers)
    for fold in range(k):
        held = rev_train & rev["writer"].isin(set(writers[fold::k])).to_numpy()
        model = fit_model(*fit_rows(frame, X, Y, W, is_train, X_rev, Y_rev, rev_train & ~held,
                                    cfg), columns, cfg)
        margins[held] = model.decision_function(X_rev[held])
        scored |= held
    return margins, scored


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
    from msgrisk.training.model import NEVER

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
    """The unfitted :class:`~msgrisk.training.features.MessageFeaturizer` a config describes."""
    from msgrisk.training.features import MessageFeaturizer

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
    return labels.indicator_matrix(values)


