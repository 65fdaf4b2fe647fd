"""Drift report: same-distribution batches stay below the PSI threshold, a shifted one exceeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk import config
from msgrisk.analysis.drift import drift_report, psi, shifted_sample


def test_drift_psi_is_zero_for_identical_and_large_for_moved_scores() -> None:
    rng = np.random.default_rng(0)
    low = rng.beta(0.3, 8, size=2000)
    assert psi(low, low) == pytest.approx(0.0, abs=1e-12)
    assert psi(low, rng.beta(0.3, 8, size=2000)) < 0.05
    assert psi(low, rng.beta(8, 0.3, size=2000)) > 1.0
    assert np.isfinite(psi(np.zeros(10), np.ones(10)))  # empty bins are smoothed


@pytest.fixture(scope="module")
def batches(tiny_paths: config.Paths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("drift")
    messages = pd.read_parquet(tiny_paths.messages)
    truth = pd.read_parquet(tiny_paths.truth)
    files = {"reference": messages.iloc[:1200], "same": messages.iloc[1200:2400],
             # a simulated off-platform campaign: half of the batch truly moves off-platform
             "shifted": shifted_sample(messages.iloc[1200:], truth, "off_platform", 0.5, 1200,
                                       seed=3)}
    for name, frame in files.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    return {name: out / f"{name}.parquet" for name in files}


def test_drift_same_distribution_stays_below_threshold(batches: dict[str, Path], tiny_predictor,
                                                       tmp_path: Path) -> None:
    report = drift_report(batches["reference"], batches["same"], predictor=tiny_predictor,
                          output=tmp_path / "drift.json")
    assert not report["exceeded"], report["psi"]
    assert max(report["psi"].values()) < 0.2
    assert report["vocabulary"]["new_tokens_unseen_in_reference"] < 0.15
    assert json.loads((tmp_path / "drift.json").read_text())["exceeded"] is False
    assert (tmp_path / "figures" / "drift.png").stat().st_size > 0


def test_drift_shifted_label_mix_exceeds_threshold(batches: dict[str, Path], tiny_predictor,
                                                   tmp_path: Path) -> None:
    report = drift_report(batches["reference"], batches["shifted"], predictor=tiny_predictor,
                          output=tmp_path / "drift.json")
    assert report["exceeded"]
    assert "off_platform" in report["exceeded_labels"]
    assert report["psi"]["off_platform"] > 0.2
    rates = report["label_rates"]["off_platform"]
    assert rates["new"] - rates["reference"] > 0.25
    assert report["detector_hit_rates"]["phone"]["new"] > report["detector_hit_rates"]["phone"][
        "reference"]
