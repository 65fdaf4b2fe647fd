"""Splits: grouped by frame and thread where the data allows, never a group in two splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msgrisk.corpus import splits


def _write_truth(tmp_path, message_ids, frame_ids):
    path = tmp_path / "truth.parquet"
    pd.DataFrame({"message_id": message_ids, "frame_id": frame_ids}).to_parquet(path)
    return path


def _corpus(n_threads: int, per_thread: int, frame_of) -> pd.DataFrame:
    rows = [(f"m{t}_{i}", f"t{t}", frame_of(t, i)) for t in range(n_threads)
            for i in range(per_thread)]
    return pd.DataFrame(rows, columns=["message_id", "thread_id", "frame_id"])


def test_assign_splits_is_deterministic_grouped_and_near_the_fractions():
    groups = pd.Series([f"g{i % 2000}" for i in range(20_000)])
    a = splits.assign_splits(groups, 0.15, 0.15, seed=3)
    assert a.equals(splits.assign_splits(groups, 0.15, 0.15, seed=3))
    assert (pd.DataFrame({"g": groups, "s": a}).groupby("g")["s"].nunique() == 1).all()
    shares = a.value_counts(normalize=True)
    assert shares["test"] == pytest.approx(0.15, abs=0.03)
    assert shares["dev"] == pytest.approx(0.15, abs=0.03)
    assert not a.equals(splits.assign_splits(groups, 0.15, 0.15, seed=4))
    with pytest.raises(ValueError, match="sum below 1"):
        splits.assign_splits(groups, 0.6, 0.5)


def test_group_column_keeps_frames_and_threads_together_when_components_are_small(tmp_path):
    # 400 families: each thread draws its frames from its own family, so components are small
    corpus = _corpus(2000, 4, lambda t, i: f"fam{t % 400}:frame{(t + i) % 3}")
    truth = _write_truth(tmp_path, corpus["message_id"], corpus["frame_id"])
    groups, group_by = splits.group_column(corpus[["message_id", "thread_id"]], truth)
    assert group_by == "frame_id+thread_id"
    corpus["split"] = splits.assign_splits(groups)
    assert (corpus.groupby("thread_id")["split"].nunique() == 1).all()
    assert (corpus.groupby("frame_id")["split"].nunique() == 1).all()
    report = splits.split_report(corpus, groups)
    assert report["threads_spanning_splits"] == 0 and report["groups_in_two_splits"] == 0
    assert report["largest_frame_thread_component_share"] <= splits.MAX_COMPONENT_SHARE


def test_group_column_falls_back_to_frames_when_threads_connect_everything(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 300, size=8000)  # every message draws any frame: one component
    corpus = _corpus(2000, 4, lambda t, i: f"f{frames[t * 4 + i]}")
    truth = _write_truth(tmp_path, corpus["message_id"], corpus["frame_id"])
    groups, group_by = splits.group_column(corpus[["message_id", "thread_id"]], truth)
    assert group_by == "frame_id"
    assert groups.tolist() == corpus["frame_id"].tolist()
    corpus["split"] = splits.assign_splits(groups)
    report = splits.split_report(corpus, groups)
    assert report["groups_in_two_splits"] == 0
    assert report["largest_frame_thread_component_share"] > 0.9  # why threads were not kept


def test_group_column_uses_threads_without_truth_and_for_frameless_rows(tmp_path):
    corpus = _corpus(50, 3, lambda t, i: f"f{t}")
    groups, group_by = splits.group_column(corpus[["message_id", "thread_id"]], None)
    assert group_by == "thread_id" and groups.tolist() == corpus["thread_id"].tolist()
    partial = _write_truth(tmp_path, corpus["message_id"][:30], corpus["frame_id"][:30])
    groups, group_by = splits.group_column(corpus[["message_id", "thread_id"]], partial)
    assert group_by == "frame_id+thread_id"
    corpus["split"] = splits.assign_splits(groups)
    assert (corpus.groupby("thread_id")["split"].nunique() == 1).all()
