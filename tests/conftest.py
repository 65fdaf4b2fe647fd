"""Shared fixtures: a small end-to-end pipeline run (synth -> label -> train) in a temp dir.

Session-scoped so the default suite trains once (a few seconds on 4,000 messages).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from msgrisk import config

GOLD = config.PROJECT_ROOT / "data" / "gold" / "gold.csv"


def write_small_reviewed(p: config.Paths, per_split: int = 600) -> Path:
    """A seeded sample of the shipped reviewed set (``per_split`` rows of each split) in
    ``p``'s data dir, for tests of training *mechanics* (tracking, interrupted runs, data
    faults, privacy): the full set (12k messages) is parsed and fitted in every training,
    which is most of their time. Tests of what the model learns keep the full set."""
    import pandas as pd

    full = pd.read_csv(config.PROJECT_ROOT / "data" / "reviewed" / "reviewed.csv", dtype=str,
                       keep_default_na=False)
    small = pd.concat([g.sample(min(per_split, len(g)), random_state=0)
                       for _, g in full.groupby("split")])
    p.reviewed.mkdir(parents=True, exist_ok=True)
    small.to_csv(p.reviewed / "reviewed.csv", index=False)
    return p.reviewed / "reviewed.csv"


@pytest.fixture(scope="session")
def small_reviewed():
    """:func:`write_small_reviewed`, for fixtures of tests of training mechanics."""
    return write_small_reviewed


@pytest.fixture(scope="session")
def tiny_paths(tmp_path_factory: pytest.TempPathFactory) -> config.Paths:
    """Paths of a temp project holding a 4,000-message corpus, weak labels and gold."""
    from msgrisk.corpus.synth.generator import write_corpus
    from msgrisk.training import labeling

    root = tmp_path_factory.mktemp("project")
    p = config.Paths(root=root, data=root / "data", models=root / "models",
                     reports=root / "reports")
    write_corpus(p.raw, seed=7, n_messages=4000, reports_dir=p.reports)
    p.gold.mkdir(parents=True, exist_ok=True)
    (p.gold / "gold.csv").write_bytes(GOLD.read_bytes())
    labeling.run_labeling(p)
    return p


@pytest.fixture(scope="session")
def tiny_bundle(tiny_paths: config.Paths) -> Path:
    """A trained, promoted bundle (no MLflow) built from the tiny corpus."""
    from msgrisk.pipeline import TrainConfig, train

    result = train(TrainConfig(min_df=1), tiny_paths, log_mlflow=False, progress=False)
    assert result.promoted
    return result.bundle_path


@pytest.fixture(scope="session")
def tiny_predictor(tiny_bundle: Path):
    from msgrisk.serving.predict import Predictor
    from msgrisk.training.bundle import load_bundle

    return Predictor(load_bundle(tiny_bundle, allow_outside=True))
