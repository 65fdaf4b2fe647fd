"""Review queue -> reviewer edits -> feedback import -> retrain: the corrections are learned."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk import config, labels
from msgrisk.analysis.feedback import CONFLICTS_NAME, REJECTED_NAME, import_feedback
from msgrisk.analysis.review import FINE_STRATUM, REVIEW_COLUMNS, priorities, review_queue


@pytest.fixture()
def project_copy(tiny_paths: config.Paths, tiny_bundle: Path, tmp_path: Path) -> config.Paths:
    """A private copy of the tiny project (data, trained champion, reports)."""
    root = tmp_path / "project"
    shutil.copytree(tiny_paths.root, root, symlinks=True)
    return config.Paths(root=root, data=root / "data", models=root / "models",
                        reports=root / "reports")


def _predictor(bundle: Path):
    from msgrisk.serving.predict import Predictor
    from msgrisk.training.bundle import load_bundle

    return Predictor(load_bundle(bundle, allow_outside=True))


def test_review_priorities_rank_severity_and_uncertainty() -> None:
    scores = np.array([[0.5, 0, 0, 0], [0, 0, 0, 0.5], [0.9, 0, 0, 0], [0, 0, 0, 0]])
    disagree = np.zeros_like(scores, dtype=bool)
    disagree[3, 1] = True  # a confident model that the rules contradict on off_platform
    p = priorities(scores, disagree)
    assert p[0] == pytest.approx(1.0)  # unsure about the most severe label
    assert p[1] == pytest.approx(0.4)  # unsure about the least severe label
    assert p[2] == pytest.approx(0.2)
    assert p[3] == pytest.approx(0.4)
    assert list(np.argsort(-p, kind="stable")) == [0, 1, 3, 2]


def test_feedback_loop_retrain_learns_reviewed_labels(project_copy: config.Paths,
                                                      tmp_path: Path) -> None:
    from msgrisk.pipeline import TrainConfig, train

    p = project_copy
    before = _predictor(p.champion)
    queue_path = tmp_path / "queue.csv"
    report = review_queue(p.messages, queue_path, band=(0.1, 0.9), n=150, seed=0,
                          predictor=before)
    queue = pd.read_csv(queue_path, dtype=str, keep_default_na=False)
    assert report["n_queued"] == len(queue) == 150
    assert queue["priority"].astype(float).is_monotonic_decreasing
    assert (queue[REVIEW_COLUMNS] == "").all().all()
    assert {"message_id", "text", "labels", "rules_labels", "reason", "stratum"} <= set(
        queue.columns)
    # stratified: confident flags and the unflagged slice are reviewed too, not only doubts
    assert queue["stratum"].str.endswith(":confident").any()
    assert (queue["stratum"] == FINE_STRATUM).any()

    truth = pd.read_parquet(p.truth).set_index("message_id")["labels"]
    queue["review_labels"] = queue["message_id"].map(truth)
    queue["reviewer"] = "analyst-1"
    queue.to_csv(queue_path, index=False)
    share_before = float((queue["labels"] == queue["review_labels"]).mean())

    imported = import_feedback(queue_path, p.feedback_csv, p.quarantine)
    # identical texts (same template) count once: the second is a duplicate, not a conflict
    assert imported["n_imported"] + imported["n_duplicates"] == len(queue)
    assert imported["n_rejected"] == imported["n_conflicts"] == 0

    # a strong reviewer weight: ~50 corrections must outweigh thousands of weak labels.
    # This 4,000-message project has ~40 positives per label on dev, where the rules are
    # often 30 of 30 right: the point floor (1.0) would forbid any model addition and the
    # corrections could never be served, so the floor is the rules' 95% lower bound
    # (what the TrainConfig docs advise for small dev sets).
    result = train(TrainConfig(min_df=1, promote="always", feedback_weight=10.0,
                               floor_confidence=0.95), p, log_mlflow=False, progress=False)
    assert result.metrics["n_feedback_applied"] >= len(queue)
    after = _predictor(result.bundle_path)
    predicted = [labels.to_string(x.labels) for x in after.predict_batch(queue["text"].tolist())]
    hit = np.asarray(predicted) == queue["review_labels"].to_numpy()
    # the model is fitted on the train split only: judge it on the reviewed rows it trained on
    in_train = queue["message_id"].isin(pd.read_parquet(p.processed / "train.parquet",
                                                        columns=["message_id"])["message_id"])
    share_train = float(hit[in_train.to_numpy()].mean())
    before_train = float((queue["labels"] == queue["review_labels"])[in_train].mean())
    print(f"reviewed={len(queue)} before={share_before:.3f} before_train={before_train:.3f} "
          f"after_train={share_train:.3f} after_all={hit.mean():.3f}")
    assert share_train >= 0.8
    assert share_train > before_train
    assert float(hit.mean()) > share_before


def test_feedback_import_validates_dedups_and_keeps_conflicts(tmp_path: Path) -> None:
    queue = pd.DataFrame({
        "message_id": ["m1", "m2", "m3", "m4", "m5", "m1", ""],
        "text": ["text me on whatsapp", "where is my order", "you thief", "hi", "ok", "x", "t"],
        "review_labels": ["off_platform", "fine", "spam", "fine|promise", "", "fine", "promise"],
        "reviewer": ["a"] * 7, "review_note": [""] * 7,
    })
    queue_path, feedback, quarantine = (tmp_path / "q.csv", tmp_path / "gold" / "feedback.csv",
                                        tmp_path / "quarantine")
    queue.to_csv(queue_path, index=False)
    first = import_feedback(queue_path, feedback, quarantine)
    assert first["n_reviewed"] == 6  # m5 was not reviewed
    assert first["n_imported"] == 3  # m1, m2 and the id-less row
    assert first["n_rejected"] == 2  # unknown label, fine mixed with a risk label
    assert first["n_conflicts"] == 1  # m1 reviewed twice with different labels in one queue
    rejected = pd.read_csv(quarantine / REJECTED_NAME, dtype=str)
    assert set(rejected["message_id"]) == {"m3", "m4"}
    assert rejected["reason"].str.contains("invalid review_labels").all()
    stored = pd.read_csv(feedback, dtype=str, keep_default_na=False)
    assert stored.loc[stored["message_id"] == "m1", "labels"].tolist() == ["off_platform"]
    assert len(stored["text_sha256"].iloc[0]) == 64

    second = import_feedback(queue_path, feedback, quarantine)  # same file again: idempotent
    assert second["n_imported"] == 0 and second["n_duplicates"] == 3
    assert len(pd.read_csv(feedback, dtype=str)) == 3
    conflicts = pd.read_csv(quarantine / CONFLICTS_NAME, dtype=str)
    assert (conflicts["kept_labels"] == "off_platform").all()
    assert (conflicts["new_labels"] == "fine").all()


def test_feedback_file_format_is_applied_by_training(tmp_path: Path) -> None:
    from msgrisk.training.train import apply_feedback

    queue = pd.DataFrame({"message_id": ["a", ""], "text": ["t1", "t2"],
                          "review_labels": ["suspicious|promise", "fine"],
                          "reviewer": ["r", "r"], "review_note": ["", ""]})
    queue.to_csv(tmp_path / "q.csv", index=False)
    import_feedback(tmp_path / "q.csv", tmp_path / "feedback.csv", tmp_path / "quarantine")
    frame = pd.DataFrame({"message_id": ["a", "b", "c"], "text": ["t1", "t2", "t3"],
                          "labels": ["fine"] * 3,
                          **{f"p_{lab}": [0.1] * 3 for lab in labels.RISK_LABELS}})
    out, n = apply_feedback(frame, tmp_path / "feedback.csv", 3.0)
    assert n == 2
    assert out["labels"].tolist() == ["suspicious|promise", "fine", "fine"]
    assert out["p_suspicious"].tolist() == [1.0, 0.0, 0.1]
