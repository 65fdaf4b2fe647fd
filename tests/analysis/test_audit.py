"""Label-noise audit: flags weak-label errors on the train split only, measured against truth."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from msgrisk import config
from msgrisk.analysis.audit import audit_labels


def test_audit_flags_real_weak_label_errors_and_touches_no_split(
        tiny_paths: config.Paths, tiny_bundle: Path, tmp_path: Path) -> None:
    p = config.Paths(root=tiny_paths.root, data=tiny_paths.data, models=tiny_paths.models,
                     reports=tmp_path / "reports")
    test_split = p.processed / "test.parquet"
    before = hashlib.sha256(test_split.read_bytes()).hexdigest()
    report = audit_labels(p, folds=3)
    assert hashlib.sha256(test_split.read_bytes()).hexdigest() == before
    issues = pd.read_csv(p.reports / "label_issues.csv", dtype=str, keep_default_na=False)
    assert len(issues) == report["n_issues"] > 0
    assert {"message_id", "text", "weak_labels", "suggested_labels", "label_quality",
            "truth_labels_for_measurement_only"} <= set(issues.columns)
    train_ids = set(pd.read_parquet(p.processed / "train.parquet")["message_id"])
    assert set(issues["message_id"]) <= train_ids
    m = report["measurement_vs_truth"]
    # flagged rows are far more often wrong than a random train row
    assert m["precision_of_flags"] > 2 * m["weak_label_error_rate"]
