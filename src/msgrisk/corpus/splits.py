"""Train / dev / test splits grouped by sentence frame and thread.

Grouping by ``frame_id`` keeps every message of one hand-written frame in one split, so
the test set measures generalisation to sentences the model never saw. Only the
``frame_id`` column of the generator's truth is read here, never its labels.

Grouping by frame *and* thread means splitting by the connected components of the
frame–thread graph (a thread joins the frames of its messages). When one component is
too large to split (:data:`MAX_COMPONENT_SHARE`), frames alone are used and the split
report says how large the component was. The sample corpus is that case: its threads draw
each message's frame independently, so all frames end up connected; its labels are drawn
per message, independent of the thread, so a thread spanning splits leaks names and order
ids but no label signal. On real data (no frame ids) the grouping is the thread.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

SPLITS = ("train", "dev", "test")
#: Largest share of messages one frame–thread component may hold for it to be a split unit.
MAX_COMPONENT_SHARE = 0.05


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


def frame_thread_components(groups: pd.Series, threads: pd.Series) -> tuple[np.ndarray, float]:
    """Component id per message in the graph joining each thread to its messages' groups,
    and the share of messages in the largest component."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = pd.factorize(groups.astype(str))[0]
    t = pd.factorize(threads.astype(str))[0]
    n_g, n_t = int(g.max()) + 1 if len(g) else 0, int(t.max()) + 1 if len(t) else 0
    graph = coo_matrix((np.ones(len(g)), (g, n_g + t)), shape=(n_g + n_t, n_g + n_t))
    _, component = connected_components(graph, directed=False)
    per_message = component[g]
    largest = float(np.bincount(per_message).max() / len(g)) if len(g) else 0.0
    return per_message, largest


def group_column(messages: pd.DataFrame, truth_path: Path | None) -> tuple[pd.Series, str]:
    """The grouping key per message: frame and thread components when they are small enough
    to split, else ``frame_id`` from the truth file, else the thread."""
    threads = messages["thread_id"].astype(str)
    if truth_path is None or not Path(truth_path).is_file():
        return threads, "thread_id"
    frames = pd.read_parquet(truth_path, columns=["message_id", "frame_id"])
    mapping = dict(zip(frames["message_id"], frames["frame_id"], strict=True))
    groups = messages["message_id"].map(mapping)
    group_by = "frame_id"
    if groups.isna().any():  # messages without a frame are grouped by their thread
        groups = groups.fillna("thread:" + threads)
        group_by = "frame_id|thread_id"
    component, largest = frame_thread_components(groups, threads)
    if largest <= MAX_COMPONENT_SHARE:
        # components of the frame-thread graph: no frame and no thread in two splits
        return pd.Series([f"cc:{c}" for c in component], index=messages.index), \
            "frame_id+thread_id"
    return groups, group_by


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
        "largest_frame_thread_component_share": round(
            frame_thread_components(groups, frame["thread_id"])[1], 4),
    }
