"""Train / dev / test splits grouped by sentence frame (or thread when frames are unknown).

Grouping by ``frame_id`` keeps every message of one hand-written frame in one split, so
the test set measures generalisation to sentences the model never saw. Only the
``frame_id`` column of the generator's truth is read here, never its labels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

SPLITS = ("train", "dev", "test")


def _bucket(group: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(groups: pd.Series, dev_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0) -> pd.Series:
    """Deterministic split name per row from a hash of its group (no group in two splits)."""
    if not 0 < dev_fraction < 1 or not 0 < test_fraction < 1 or dev_fraction + test_fraction >= 1:
        raise ValueError("dev_fraction and test_fraction must be in (0, 1) and sum below 1")
    cache: dict[str, str] = {}

    def name(group: object) -> str:
        key = str(group)
        if key not in cache:
            u = _bucket(key, seed)
            cache[key] = "test" if u < test_fraction else (
                "dev" if u < test_fraction + dev_fraction else "train")
        return cache[key]

    return groups.map(name).rename("split")


def group_column(messages: pd.DataFrame, truth_path: Path | None) -> tuple[pd.Series, str]:
    """The grouping key per message: ``frame_id`` from the truth file if present, else thread."""
    if truth_path is not None and Path(truth_path).is_file():
        frames = pd.read_parquet(truth_path, columns=["message_id", "frame_id"])
        mapping = dict(zip(frames["message_id"], frames["frame_id"], strict=True))
        groups = messages["message_id"].map(mapping)
        if groups.notna().all():
            return groups, "frame_id"
        groups = groups.fillna("thread:" + messages["thread_id"].astype(str))
        return groups, "frame_id+thread_id"
    return messages["thread_id"].astype(str), "thread_id"


def split_report(frame: pd.DataFrame, groups: pd.Series) -> dict[str, object]:
    """Sizes per split and leakage checks (groups and threads shared across splits)."""
    sizes = frame["split"].value_counts().reindex(list(SPLITS), fill_value=0)
    by_group = pd.DataFrame({"g": groups.values, "s": frame["split"].values})
    shared_groups = int((by_group.groupby("g")["s"].nunique() > 1).sum())
    threads = frame.groupby("thread_id")["split"].nunique()
    test_threads = set(frame.loc[frame["split"] == "test", "thread_id"])
    train_threads = set(frame.loc[frame["split"] == "train", "thread_id"])
    return {
        "sizes": {k: int(v) for k, v in sizes.items()},
        "groups_in_two_splits": shared_groups,
        "threads_spanning_splits": int((threads > 1).sum()),
        "test_threads_also_in_train": len(test_threads & train_threads),
    }
