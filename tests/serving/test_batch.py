"""Batch scoring of files: round trips, error rows, worker processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk import config
from msgrisk.serving.batch import COLUMNS, predict_file
from msgrisk.serving.predict import default_predictor

# a bundle that does not exist: the predictor falls back to the rules, so label
# expectations below do not depend on whichever model is the champion today
RULES = str(config.paths().models / "tests-no-such-bundle")

TEXTS = [
    "text me on whatsapp 876 555 0142",
    "Where is my order? It has been a week.",
    "You are a useless thief, answer me!!",
    "Please keep all messages here, I don't use WhatsApp.",
]


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"message_id": [f"{i:05d}" for i in range(n)],
                         "text": [TEXTS[i % len(TEXTS)] + f" #{i}" for i in range(n)]})


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_batch_round_trip_keeps_rows_and_columns(tmp_path: Path, ext: str) -> None:
    source = _frame(10)
    src, dst = tmp_path / f"in.{ext}", tmp_path / "out" / f"scored.{ext}"
    if ext == "csv":
        source.to_csv(src, index=False)
    else:
        source.to_parquet(src, index=False)
    report = predict_file(src, dst, model=RULES, progress=False)
    out = pd.read_csv(dst, dtype={"message_id": str}) if ext == "csv" else pd.read_parquet(dst)
    assert list(out.columns) == ["message_id", "text", *COLUMNS]
    assert out["message_id"].tolist() == source["message_id"].tolist()  # order, leading zeros
    assert out["text"].tolist() == source["text"].tolist()
    assert out.loc[0, "labels"] == "off_platform"
    assert out.loc[1, "labels"] == "fine"
    assert report["n_rows"] == 10 and report["n_errors"] == 0
    assert report["label_counts"]["fine"] >= 1
    assert report["msgs_per_s"] > 0


def test_batch_missing_text_rows_are_kept_as_errors(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text('id,text\n1,hello there\n2,\n3,NA\n4,"call 876 555 0142"\n')
    report = predict_file(src, dst, model=RULES, progress=False)
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["id"].tolist() == [1, 2, 3, 4]
    assert out["labels"].tolist() == ["fine", "error", "fine", "off_platform"]
    assert out.loc[1, "error"] == "missing text"
    assert out.loc[0, "error"] == ""  # no error on good rows
    assert report["n_rows"] == 4 and report["n_errors"] == 1
    assert report["label_counts"]["error"] == 1


def test_batch_non_string_text_rows_are_errors(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pd.DataFrame({"text": [17, 42]}).to_parquet(src, index=False)  # wrong column picked
    report = predict_file(src, dst, model=RULES, progress=False)
    out = pd.read_parquet(dst)
    assert out["labels"].tolist() == ["error", "error"]
    assert out["error"].tolist() == ["text is int, not str"] * 2
    assert out["source"].isna().all()
    assert report["n_errors"] == 2


@pytest.mark.parametrize("fork_safe", [True, False], ids=["fork", "forkserver"])
def test_batch_workers_match_single_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            fork_safe: bool) -> None:
    """Both worker start methods (fork from a single-threaded parent, forkserver from a
    threaded one) give the single-process output."""
    from msgrisk.serving import batch

    monkeypatch.setattr(batch, "_fork_is_safe", lambda: fork_safe)
    source = _frame(200)
    source.loc[[7, 150], "text"] = None
    src = tmp_path / "in.parquet"
    source.to_parquet(src, index=False)
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    r1 = predict_file(src, one, batch_size=32, workers=1, model=RULES, progress=False)
    r2 = predict_file(src, two, batch_size=32, workers=2, model=RULES, progress=False)
    a, b = pd.read_parquet(one), pd.read_parquet(two)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 200 and r1["n_errors"] == r2["n_errors"] == 2
    assert a.loc[[7, 150], "labels"].tolist() == ["error", "error"]
    assert np.isnan(a.loc[7, "score_suspicious"])
    assert r1["label_counts"] == r2["label_counts"]


def test_batch_fork_only_from_a_single_threaded_parent() -> None:
    import threading

    from msgrisk.serving.batch import _fork_is_safe

    if threading.active_count() == 1:
        assert _fork_is_safe()  # the main thread alone
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert not _fork_is_safe()  # any other thread might hold a lock the children need
    finally:
        stop.set()
        worker.join()


def test_batch_default_predictor_matches_predict_batch(tmp_path: Path) -> None:
    source = _frame(12)
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    source.to_parquet(src, index=False)
    predict_file(src, dst, batch_size=5, progress=False)  # champion model when there is one
    out = pd.read_parquet(dst)
    expected = default_predictor().predict_batch(source["text"].tolist())
    assert out["labels"].tolist() == ["|".join(p.labels) for p in expected]
    assert out["source"].tolist() == [p.source for p in expected]
    assert out["score_promise"].tolist() == pytest.approx([p.scores["promise"] for p in expected])


def test_batch_unknown_column_says_fix(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"body": ["hi"]}).to_csv(src, index=False)
    with pytest.raises(ValueError, match="--text-column"):
        predict_file(src, tmp_path / "out.csv", progress=False)


def test_batch_unknown_extension_is_rejected(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["hi"]}).to_csv(src, index=False)
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        predict_file(src, tmp_path / "out.xlsx", progress=False)
