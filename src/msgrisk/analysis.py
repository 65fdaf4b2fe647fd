"""Analysis helpers shared by the review queue, the drift report and the notebooks.

Notebooks call these instead of carrying their own copies (cookiecutter-data-science:
code used twice moves into ``src/``). Everything returns data frames or arrays; the
``plot_*`` helpers return matplotlib figures and never write files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config, labeling, labels
from msgrisk.labels import RISK_LABELS

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
    from msgrisk.predict import load_predictor

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
    """Score texts once and keep what analyses need (one spaCy pass for model and rules)."""
    from msgrisk.features import normalized_tokens

    texts = [str(t) for t in texts]
    window = [t[: predictor.max_chars] for t in texts]
    truncated = [len(t) > predictor.max_chars for t in texts]
    parsed, scores, X = predictor.score(window, batch_size=batch_size) if texts else ([], None,
                                                                                     None)
    if not texts:
        return Scored([], np.zeros((0, len(RISK_LABELS))), [], [], [])
    preds = predictor.decide(parsed, scores, X, truncated)
    return Scored(
        labels=[p.labels for p in preds],
        scores=np.asarray([[p.scores[lab] for lab in RISK_LABELS] for p in preds], dtype=float),
        # rules-only decisions exactly as Predictor(None) makes them, from the same parse
        rules_labels=[labeling.rules_labels(m) if m.text.strip() else (labels.FINE,)
                      for m in parsed],
        kinds=[Counter(m.kinds) for m in parsed],
        tokens=[normalized_tokens(m) for m in parsed],
    )


# -- corpus ---------------------------------------------------------------------------------
def load_corpus(p: config.Paths | None = None) -> pd.DataFrame:
    """Raw messages + weak labels (``weak_labels``) + truth (``truth_labels``) + split."""
    p = p or config.paths()
    frame = pd.read_parquet(p.messages)
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
    """Messages per label per period of ``sent_at``."""
    long = explode_labels(frame, column)
    period = long["sent_at"].dt.tz_localize(None).dt.to_period(freq).dt.start_time
    return pd.crosstab(period, long["label"]).reindex(columns=labels.ALL_LABELS, fill_value=0)


def length_stats(frame: pd.DataFrame, column: str = "weak_labels") -> pd.DataFrame:
    """Character and word length quantiles per label."""
    long = explode_labels(frame, column)
    long = long.assign(chars=long["text"].str.len(), words=long["text"].str.split().str.len())
    return long.groupby("label")[["chars", "words"]].describe(percentiles=[0.5, 0.9]).round(1)


def redacted_examples(frame: pd.DataFrame, label: str, column: str = "weak_labels", n: int = 5,
                      seed: int = 0) -> list[str]:
    """A few texts carrying ``label``, with contact details masked by ``msgrisk.redact``."""
    from msgrisk.predict import redact

    hits = frame[frame[column].astype(str).str.split(labels.SEPARATOR).map(lambda x: label in x)]
    sample = hits.sample(min(n, len(hits)), random_state=seed) if len(hits) else hits
    return [redact(t) for t in sample["text"]]


def indicators(values: Sequence[str] | pd.Series) -> np.ndarray:
    """(n, 4) 0/1 matrix of ``|``-joined label strings."""
    from msgrisk.metrics import indicator_matrix

    return indicator_matrix(list(values))
