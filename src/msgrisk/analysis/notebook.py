"""Analysis helpers shared by the review queue, the drift report and the notebooks.

Notebooks call these instead of carrying their own copies (cookiecutter-data-science:
code used twice moves into ``src/``). Everything returns data frames or arrays; the
``plot_*`` helpers return matplotlib figures and never write files.

The notebooks run on any dataset the pipeline accepts: the generator's sample corpus (with
generator truth) or a team's imported export (no truth, maybe no send times, roles or
fulfillment). Helpers whose input may be missing return a one-line ``*_note`` (``None`` when
there is nothing to say) that the notebook prints instead of an empty table; errors and
thresholds are measured on labels that exist for every dataset: the reviewed seed set's test
writers and the gold set (:func:`labelled_sets`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config, labels
from msgrisk.corpus.dataset import parse_times
from msgrisk.labels import RISK_LABELS
from msgrisk.rules import verdicts

__all__ = [
    "RISK_LABELS",
    "SCORE_COLUMNS",
    "Evaluation",
    "LabelledSet",
    "Scored",
    "column_note",
    "confident_errors",
    "confusion_by_set",
    "confusion_counts",
    "dataset_summary",
    "evaluate_sets",
    "explode_labels",
    "get_predictor",
    "has_truth",
    "indicators",
    "label_volumes",
    "labelled_sets",
    "length_stats",
    "lf_precision_vs_gold",
    "lf_table",
    "load_corpus",
    "load_gold",
    "load_messages",
    "parse_times",
    "plot_lf_precision",
    "plot_threshold_curves",
    "read_table",
    "redacted_examples",
    "rules_vs_model",
    "score_texts",
    "simulated_campaign",
    "threshold_curve",
    "time_halves",
    "time_note",
    "truth_note",
    "volumes_over_time",
    "weak_label_quality",
    "what_if",
]

SCORE_COLUMNS = [f"score_{label}" for label in RISK_LABELS]


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (every cell as text, so ids keep leading zeros) or parquet file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use .csv or .parquet")


def get_predictor(model: str | None = None) -> Any:
    """The predictor for ``model`` (path or ``models:/`` URI), else the configured champion."""
    from msgrisk.serving.predict import load_predictor

    return load_predictor(model) if model is not None else load_predictor()


@dataclass
class Scored:
    """Model decisions, scores, rules-only labels and detector hits for a batch of texts."""

    labels: list[tuple[str, ...]]
    scores: np.ndarray  # (n, 4) in RISK_LABELS order
    rules_labels: list[tuple[str, ...]]
    kinds: list[Counter[str]]  # detector span counts per kind
    tokens: list[list[str]]  # de-obfuscated word tokens

    def frame(self) -> pd.DataFrame:
        """labels, score_<label> x4 and rules_labels as a table."""
        out = pd.DataFrame(self.scores, columns=SCORE_COLUMNS)
        out.insert(0, "labels", [labels.to_string(x) for x in self.labels])
        out["rules_labels"] = [labels.to_string(x) for x in self.rules_labels]
        return out


def score_texts(predictor: Any, texts: Sequence[str], batch_size: int = 256) -> Scored:
    """Score texts once and keep what analyses need (one spaCy pass for model and rules).

    Same decisions as ``predictor.predict_batch`` (same preparation, ``score`` then ``decide``),
    but the parsed messages are kept for rules-only labels, detector hits and tokens.
    """
    # the same text preparation as predict_batch, so decisions match it exactly
    from msgrisk.serving.predict import prepare_text
    from msgrisk.training.features import normalized_tokens

    texts = [str(t) for t in texts]
    if not texts:
        return Scored([], np.zeros((0, len(RISK_LABELS))), [], [], [])
    prepared = [prepare_text(t, predictor.max_chars) for t in texts]
    parsed, scores, X = predictor.score([w for w, _ in prepared], batch_size=batch_size)
    preds = predictor.decide(parsed, scores, X, [cut for _, cut in prepared])
    return Scored(
        labels=[p.labels for p in preds],
        scores=np.asarray([[p.scores[lab] for lab in RISK_LABELS] for p in preds], dtype=float),
        # rules-only decisions exactly as Predictor(None) makes them, from the same parse
        rules_labels=[verdicts.rules_labels(m) if m.text.strip() else (labels.FINE,)
                      for m in parsed],
        kinds=[Counter(m.kinds) for m in parsed],
        tokens=[normalized_tokens(m) for m in parsed],
    )


# -- dataset -------------------------------------------------------------------------------
def dataset_summary(p: config.Paths | None = None) -> str:
    """One line naming the dataset the notebook runs on and where data, models and reports are
    (``MSGRISK_HOME`` / ``MSGRISK_DATA_DIR`` / ... select them)."""
    p = p or config.paths()
    kind = "imported export" if p.is_imported else "generator sample corpus"
    truth = "with generator truth" if has_truth(p) else "no generator truth"
    return (f"dataset {p.dataset!r} ({kind}, {truth}): data {p.data}, model "
            f"{config.model_location()}, reports {p.reports}")


def has_truth(p: config.Paths | None = None) -> bool:
    """True when the dataset has generator truth (the sample corpus; never an imported one)."""
    return (p or config.paths()).truth.is_file()


def truth_note(p: config.Paths | None = None, instead: str = "section skipped") -> str | None:
    """The one line a notebook prints instead of a section that needs generator truth
    (``instead`` says what it shows in its place); ``None`` when the dataset has truth."""
    p = p or config.paths()
    if has_truth(p):
        return None
    why = "imported export" if p.is_imported else f"{p.truth} not found"
    return f"no generator truth for this dataset ({why}): {instead}"


# -- corpus ---------------------------------------------------------------------------------
def load_messages(p: config.Paths | None = None) -> pd.DataFrame:
    """The dataset's messages (``Paths.messages``: imported export, else the sample) with
    ``sent_at`` parsed to UTC datetimes (``NaT`` where the export had no time)."""
    p = p or config.paths()
    frame = pd.read_parquet(p.messages)
    frame["sent_at"] = (parse_times(frame["sent_at"]) if "sent_at" in frame
                        else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]"))
    return frame


def load_corpus(p: config.Paths | None = None) -> pd.DataFrame:
    """Messages (:func:`load_messages`) + weak labels (``weak_labels``) + split, and
    generator truth (``truth_labels``) only for a dataset that has it (:func:`has_truth`)."""
    p = p or config.paths()
    frame = load_messages(p)
    if p.weak_labels.is_file():
        weak = pd.read_parquet(p.weak_labels, columns=["message_id", "labels"])
        frame = frame.merge(weak.rename(columns={"labels": "weak_labels"}), on="message_id",
                            how="left")
    if p.truth.is_file():
        truth = pd.read_parquet(p.truth, columns=["message_id", "labels"])
        frame = frame.merge(truth.rename(columns={"labels": "truth_labels"}), on="message_id",
                            how="left")
    parts = [pd.read_parquet(p.processed / f"{name}.parquet", columns=["message_id", "split"])
             for name in ("train", "dev", "test") if (p.processed / f"{name}.parquet").is_file()]
    if parts:
        frame = frame.merge(pd.concat(parts), on="message_id", how="left")
    return frame


def column_note(frame: pd.DataFrame, column: str) -> str | None:
    """Why a breakdown by ``column`` would say nothing (column missing, or one value for every
    message, e.g. ``unknown`` when the export had no such column); ``None`` otherwise."""
    if column not in frame:
        return f"no {column} column in this dataset: no breakdown by {column}"
    values = frame[column].dropna().unique()
    if len(values) == 0:
        return f"{column} is empty for every message: no breakdown by {column}"
    if len(values) == 1:
        why = f" (the export had no {column} column)" if values[0] == "unknown" else ""
        return f"every message has {column} {values[0]!r}{why}: no breakdown by {column}"
    return None


def time_note(frame: pd.DataFrame) -> str | None:
    """What the time plots leave out: everything when no message has a send time (an export
    without a time column), else the messages without one; ``None`` when all have one."""
    times = frame["sent_at"] if "sent_at" in frame else pd.Series(pd.NaT, index=frame.index)
    missing = int(times.isna().sum())
    if missing == len(frame):
        return "no send times in this dataset (the export had no time column): time plots skipped"
    if missing:
        return f"{missing:,} of {len(frame):,} messages have no send time: left out over time"
    return None


def explode_labels(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per (message, label) of a ``|``-joined label column."""
    out = frame.assign(label=frame[column].astype(str).str.split(labels.SEPARATOR))
    return out.explode("label")


def label_volumes(frame: pd.DataFrame, column: str = "weak_labels", by: str | None = None
                  ) -> pd.DataFrame:
    """Messages per label (a multi-label message counts once per label), optionally by ``by``."""
    long = explode_labels(frame, column)
    if by is None:
        return (long["label"].value_counts().reindex(labels.ALL_LABELS, fill_value=0)
                .rename("messages").to_frame())
    return pd.crosstab(long["label"], long[by]).reindex(labels.ALL_LABELS, fill_value=0)


def volumes_over_time(frame: pd.DataFrame, column: str = "weak_labels", freq: str = "W"
                      ) -> pd.DataFrame:
    """Messages per label per period of ``sent_at``; messages without a send time are left
    out (see :func:`time_note`), so the table is empty when no message has one."""
    long = explode_labels(frame, column)
    times = parse_times(long["sent_at"]) if "sent_at" in long else \
        pd.Series(pd.NaT, index=long.index, dtype="datetime64[ns, UTC]")
    long, times = long[times.notna()], times[times.notna()]
    period = times.dt.tz_localize(None).dt.to_period(freq).dt.start_time.rename("sent_at")
    return pd.crosstab(period, long["label"]).reindex(columns=labels.ALL_LABELS, fill_value=0)


def length_stats(frame: pd.DataFrame, column: str = "weak_labels") -> pd.DataFrame:
    """Character and word length quantiles per label."""
    long = explode_labels(frame, column)
    long = long.assign(chars=long["text"].str.len(), words=long["text"].str.split().str.len())
    return long.groupby("label")[["chars", "words"]].describe(percentiles=[0.5, 0.9]).round(1)


def redacted_examples(frame: pd.DataFrame, label: str, column: str = "weak_labels", n: int = 5,
                      seed: int = 0) -> list[str]:
    """A few texts carrying ``label``, with contact details masked by ``msgrisk.redact``."""
    from msgrisk.serving.predict import redact

    hits = frame[frame[column].astype(str).str.split(labels.SEPARATOR).map(lambda x: label in x)]
    sample = hits.sample(min(n, len(hits)), random_state=seed) if len(hits) else hits
    return [redact(t) for t in sample["text"]]


def indicators(values: Sequence[str] | pd.Series) -> np.ndarray:
    """(n, 4) 0/1 matrix of ``|``-joined label strings."""
    from msgrisk.evaluation.metrics import indicator_matrix

    return indicator_matrix(list(values))


# -- rules ----------------------------------------------------------------------------------
def lf_table(p: config.Paths | None = None) -> pd.DataFrame:
    """Per-LF coverage / overlap / conflict / precision from ``reports/labeling.json``."""
    import json

    p = p or config.paths()
    report = json.loads((p.reports / "labeling.json").read_text())
    return pd.DataFrame(report["lfs"]).set_index("name")


def lf_precision_vs_gold(gold: pd.DataFrame) -> pd.DataFrame:
    """How often each LF fires on the gold texts and how often its label is in gold."""
    from msgrisk.rules import LABELING_FUNCTIONS, parse_batch

    votes = verdicts.vote_matrix(parse_batch(gold["text"].astype(str).tolist()))
    truth = indicators(gold["labels"])
    rows = []
    for j, lf in enumerate(LABELING_FUNCTIONS):
        fired = votes[:, j] >= 0
        hits = truth[fired, RISK_LABELS.index(lf.label)]
        rows.append({"name": lf.name, "label": lf.label, "fires_on_gold": int(fired.sum()),
                     "precision_vs_gold": round(float(hits.mean()), 3) if hits.size else None})
    return pd.DataFrame(rows).set_index("name")


def load_gold(p: config.Paths | None = None) -> pd.DataFrame:
    """The gold set (``text``, ``labels``): the data dir's own, else the one shipped with the
    project (``Paths.gold_csv``), so it exists for every dataset."""
    p = p or config.paths()
    return pd.read_csv(p.gold_csv, dtype=str, keep_default_na=False)


def weak_label_quality(p: config.Paths | None = None) -> dict[str, pd.DataFrame]:
    """Per-label precision / recall of the weak labels from ``reports/labeling.json``: against
    the gold set (always) and generator truth (sample corpus only). Keys name the reference,
    its size and the exact-match rate."""
    import json

    p = p or config.paths()
    report = json.loads((p.reports / "labeling.json").read_text())
    out: dict[str, pd.DataFrame] = {}
    for key, name in (("vs_truth", "generator truth"), ("vs_gold", "gold")):
        part = report.get(key) or {}
        if part.get("per_label"):
            title = f"vs {name} ({part.get('n', '?')} texts, exact match {part.get('exact_match')})"
            out[title] = pd.DataFrame(part["per_label"]).T
    return out


def plot_lf_precision(lfs: pd.DataFrame, on_gold: pd.DataFrame) -> Any:
    """Coverage vs precision per labeling function: against gold (always) and against
    generator truth when ``lfs`` has it (``precision_vs_truth``)."""
    import matplotlib.pyplot as plt

    joined = lfs[["coverage"]].join(on_gold[["precision_vs_gold"]], how="left")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(joined["coverage"], joined["precision_vs_gold"].astype(float), label="vs gold")
    if "precision_vs_truth" in lfs:
        ax.scatter(lfs["coverage"], lfs["precision_vs_truth"].astype(float), marker="x",
                   label="vs generator truth")
    ax.set(xscale="log", xlabel="coverage (share of the corpus)", ylabel="precision",
           title="labeling functions", ylim=(-0.02, 1.02))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def rules_vs_model(scored: Scored) -> pd.DataFrame:
    """Per label: messages flagged by both, by the model only, by the rules only."""
    model = np.asarray([labels.to_vector(x) for x in scored.labels], dtype=bool)
    rules = np.asarray([labels.to_vector(x) for x in scored.rules_labels], dtype=bool)
    return pd.DataFrame({"both": (model & rules).sum(axis=0),
                         "model_only": (model & ~rules).sum(axis=0),
                         "rules_only": (~model & rules).sum(axis=0)}, index=list(RISK_LABELS))


# -- model errors and thresholds ------------------------------------------------------------
@dataclass
class LabelledSet:
    """Texts with reference labels (``|``-joined) a model is evaluated on."""

    name: str
    against: str  # what the labels are, for the reader
    texts: list[str]
    labels: list[str]

    @property
    def y_true(self) -> np.ndarray:
        return indicators(self.labels)


def labelled_sets(p: config.Paths | None = None, corpus: pd.DataFrame | None = None
                  ) -> list[LabelledSet]:
    """Every labelled set to measure errors on, the main one first.

    For every dataset: the reviewed seed set's test writers (``split == "test"``, writers the
    model never trained or tuned on) and the gold set. For the sample corpus only, the
    generator's truth on the corpus test split as well (:func:`truth_note` says when not).
    """
    from msgrisk.corpus.reviewed import load_reviewed

    p = p or config.paths()
    out: list[LabelledSet] = []
    reviewed = load_reviewed(p.reviewed_csv)
    test = reviewed[reviewed["split"] == "test"]
    if len(test):
        out.append(LabelledSet("reviewed test", "reviewed seed set, test writers (human labels)",
                               test["text"].tolist(), test["labels"].tolist()))
    gold = load_gold(p)
    out.append(LabelledSet("gold", f"hand-written gold set ({p.gold_csv.name})",
                           gold["text"].tolist(), gold["labels"].tolist()))
    if has_truth(p):
        corpus = corpus if corpus is not None else load_corpus(p)
        if {"split", "truth_labels"} <= set(corpus.columns):
            part = corpus[(corpus["split"] == "test") & corpus["truth_labels"].notna()]
            if len(part):
                out.append(LabelledSet("generator test", "generator truth, corpus test split",
                                       part["text"].tolist(), part["truth_labels"].tolist()))
    return out


@dataclass
class Evaluation:
    """A labelled set scored by a predictor."""

    set: LabelledSet
    scored: Scored

    @property
    def texts(self) -> list[str]:
        return self.set.texts

    @property
    def y_true(self) -> np.ndarray:
        return self.set.y_true

    @property
    def y_pred(self) -> np.ndarray:
        return indicators([labels.to_string(x) for x in self.scored.labels])

    @property
    def scores(self) -> np.ndarray:
        return self.scored.scores


def evaluate_sets(predictor: Any, sets: Sequence[LabelledSet]) -> dict[str, Evaluation]:
    """Score every set once (same decisions as ``predict_batch``), keyed by set name."""
    return {s.name: Evaluation(s, score_texts(predictor, s.texts)) for s in sets}


def confusion_by_set(evaluations: dict[str, Evaluation]) -> pd.DataFrame:
    """:func:`confusion_counts` per label for every evaluated set, one block per set."""
    return pd.concat({f"{name} (n={len(ev.texts):,})": confusion_counts(ev.y_true, ev.y_pred)
                      for name, ev in evaluations.items()})


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """TP / FP / FN / TN and precision / recall per label."""
    t, p = np.asarray(y_true, dtype=bool), np.asarray(y_pred, dtype=bool)
    out = pd.DataFrame({"tp": (t & p).sum(0), "fp": (~t & p).sum(0), "fn": (t & ~p).sum(0),
                        "tn": (~t & ~p).sum(0)}, index=list(RISK_LABELS))
    out["precision"] = (out["tp"] / (out["tp"] + out["fp"]).clip(lower=1)).round(3)
    out["recall"] = (out["tp"] / (out["tp"] + out["fn"]).clip(lower=1)).round(3)
    return out


def confident_errors(texts: Sequence[str], y_true: np.ndarray, scores: np.ndarray,
                     y_pred: np.ndarray, label: str, n: int = 5) -> pd.DataFrame:
    """The most confident false positives and false negatives of ``label`` (redacted text)."""
    from msgrisk.serving.predict import redact

    j = RISK_LABELS.index(label)
    t, p, s = y_true[:, j].astype(bool), y_pred[:, j].astype(bool), scores[:, j]
    fp = [i for i in np.argsort(-s) if p[i] and not t[i]][:n]
    fn = [i for i in np.argsort(s) if t[i] and not p[i]][:n]
    rows = [{"error": kind, "score": round(float(s[i]), 3), "text": redact(texts[i])}
            for kind, idx in (("false positive", fp), ("false negative", fn)) for i in idx]
    return pd.DataFrame(rows, columns=["error", "score", "text"])


def threshold_curve(y_true: np.ndarray, scores: np.ndarray,
                    grid: Sequence[float] = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))
                    ) -> pd.DataFrame:
    """Precision / recall / F1 per label at each threshold of ``grid`` (scores only)."""
    rows = []
    for j, label in enumerate(RISK_LABELS):
        t = np.asarray(y_true[:, j], dtype=bool)
        for thr in grid:
            p = scores[:, j] >= thr
            tp = float((t & p).sum())
            prec = tp / p.sum() if p.sum() else 1.0
            rec = tp / t.sum() if t.sum() else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            rows.append({"label": label, "threshold": float(thr), "precision": prec,
                         "recall": rec, "f1": f1})
    return pd.DataFrame(rows)


def what_if(y_true: np.ndarray, scores: np.ndarray, thresholds: dict[str, float]
            ) -> pd.DataFrame:
    """Per-label precision / recall / F1 if the thresholds were ``thresholds`` (no overrides)."""
    y_pred = np.column_stack([scores[:, j] >= thresholds[lab]
                              for j, lab in enumerate(RISK_LABELS)])
    out = confusion_counts(y_true, y_pred)[["precision", "recall"]]
    out["f1"] = (2 * out["precision"] * out["recall"]
                 / (out["precision"] + out["recall"]).where(lambda s: s > 0)).fillna(0).round(3)
    out["threshold"] = [thresholds[lab] for lab in RISK_LABELS]
    return out


def plot_threshold_curves(curve: pd.DataFrame, chosen: dict[str, float] | None = None) -> Any:
    """Precision and recall vs threshold per label, the bundle's threshold as a dashed line."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(RISK_LABELS), figsize=(4 * len(RISK_LABELS), 3.2),
                             sharey=True)
    for ax, label in zip(axes, RISK_LABELS, strict=True):
        part = curve[curve["label"] == label]
        ax.plot(part["threshold"], part["precision"], label="precision")
        ax.plot(part["threshold"], part["recall"], label="recall")
        if chosen and label in chosen:
            ax.axvline(chosen[label], color="red", linestyle="--", label="bundle threshold")
        ax.set(title=label, xlabel="threshold", ylim=(0, 1.02))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


# -- drift ----------------------------------------------------------------------------------
def time_halves(messages: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """The ``n`` earliest and ``n`` latest messages, and a note when send times are missing:
    without any time the first and last ``n`` rows of the file stand in for early and late;
    with some, messages without one are left out."""
    times = parse_times(messages["sent_at"]) if "sent_at" in messages else \
        pd.Series(pd.NaT, index=messages.index, dtype="datetime64[ns, UTC]")
    if times.isna().all():
        ordered = messages.reset_index(drop=True)
        note: str | None = ("no send times in this dataset (the export had no time column): "
                            "early/late are the first/last rows of the file")
    else:
        ordered = (messages.assign(sent_at=times)[times.notna()]
                   .sort_values("sent_at", kind="stable").reset_index(drop=True))
        missing = int(times.isna().sum())
        note = f"{missing:,} messages without a send time left out" if missing else None
    n = max(0, min(n, len(ordered) // 2))
    return ordered.iloc[:n].copy(), ordered.iloc[len(ordered) - n:].copy(), note


def simulated_campaign(messages: pd.DataFrame, label: str = "off_platform", share: float = 0.5,
                       n: int = 1000, p: config.Paths | None = None, seed: int = 0
                       ) -> pd.DataFrame:
    """A batch of ``n`` messages of which ``share`` carry ``label`` by a human: reviewed seed
    set messages (test writers, unseen by the model, when they have the label) mixed into
    messages drawn from ``messages``. Needs no generator truth, so it works for every
    dataset. Columns: ``message_id``, ``text``, ``source`` (``corpus`` or ``reviewed``)."""
    from msgrisk.corpus.reviewed import load_reviewed

    if label not in RISK_LABELS:
        raise ValueError(f"label must be one of {RISK_LABELS}, got {label!r}")
    p = p or config.paths()
    reviewed = load_reviewed(p.reviewed_csv)
    has = reviewed["labels"].str.split(labels.SEPARATOR).map(lambda x: label in x)
    pool = reviewed[has & (reviewed["split"] == "test")]
    pool = pool if len(pool) else reviewed[has]
    if pool.empty:
        raise ValueError(f"the reviewed set {p.reviewed_csv} has no {label!r} message")
    n_pos = round(n * share)
    pos = pool.sample(n_pos, replace=n_pos > len(pool), random_state=seed)
    neg = messages.sample(n - n_pos, replace=n - n_pos > len(messages), random_state=seed)
    out = pd.concat([
        pd.DataFrame({"message_id": neg["message_id"].astype(str).to_numpy(),
                      "text": neg["text"].to_numpy(), "source": "corpus"}),
        pd.DataFrame({"message_id": pos["id"].to_numpy(), "text": pos["text"].to_numpy(),
                      "source": "reviewed"}),
    ], ignore_index=True)
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)
