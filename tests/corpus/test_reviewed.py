"""The reviewed seed set: schema, coverage counts, writer-disjoint splits, leakage rule."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from msgrisk import config, labels
from msgrisk.corpus import reviewed

FOLDER = config.PROJECT_ROOT / "data" / "reviewed"
CSV = FOLDER / "reviewed.csv"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return reviewed.load_reviewed(CSV)


def test_reviewed_schema(frame: pd.DataFrame) -> None:
    for column in ("id", "text", "labels", "writer", "sender_role", "lang", "difficulty",
                   "note", "split"):
        assert column in frame.columns
    assert frame["id"].is_unique
    assert frame["text"].str.strip().ne("").all()
    assert set(frame["lang"]) <= set(reviewed.LANGS)
    assert set(frame["split"]) == set(reviewed.SPLITS)
    for value in frame["labels"]:
        assert labels.parse(value)  # raises on unknown labels or fine mixed with a risk


def test_reviewed_coverage_counts(frame: pd.DataFrame) -> None:
    cov = reviewed.coverage(frame)
    assert cov["messages"] >= 5000
    assert cov["writers"] >= 40
    assert min(cov["positives"].values()) >= 800
    assert cov["fine"] >= 2000
    assert cov["fine_short_le5_words"] >= 500
    assert cov["fine_banter_or_undirected_profanity"] >= 300
    assert cov["lang_share"]["jam"] >= 0.15
    assert cov["lang_share"]["es"] >= 0.03
    assert cov["obfuscated_contact"] >= 200
    assert min(cov["scam_types"].values()) >= 30


def test_reviewed_splits_are_writer_disjoint(frame: pd.DataFrame) -> None:
    per_writer = frame.groupby("writer")["split"].nunique()
    assert (per_writer == 1).all()
    writers = frame.groupby("split")["writer"].nunique()
    share = writers / writers.sum()
    assert 0.6 <= share["train"] <= 0.8
    assert 0.1 <= share["dev"] <= 0.2 and 0.1 <= share["test"] <= 0.2


def test_reviewed_every_row_has_two_reads(frame: pd.DataFrame) -> None:
    assert frame["writer_labels"].ne("").all() and frame["annotator_labels"].ne("").all()
    disagree = frame["writer_labels"] != frame["annotator_labels"]
    assert (frame.loc[disagree, "adjudicated"] == "adjudicated").all()
    assert frame.loc[disagree, "adjudication_reason"].str.len().gt(0).all()


def test_reviewed_no_near_duplicate_of_gold(frame: pd.DataFrame) -> None:
    gold = pd.read_csv(config.PROJECT_ROOT / "data" / "gold" / "gold.csv", dtype=str,
                       keep_default_na=False)["text"].tolist()
    best = reviewed.near_duplicates(frame["text"].tolist(), gold)
    assert (best < reviewed.LEAK_JACCARD).all()


def test_reviewed_stats_report_agreement_and_leakage() -> None:
    stats = json.loads((FOLDER / "reviewed_stats.json").read_text())
    assert set(stats["kappa_writer_vs_annotator"]) >= set(labels.RISK_LABELS)
    assert stats["leakage"]["generator_texts_compared"] > 1000


def test_reviewed_near_duplicates_measures_char3_jaccard() -> None:
    best = reviewed.near_duplicates(["text me on whatsapp pls", "hello there"],
                                    ["text me on whatsapp please", "totally different"])
    assert best[0] >= 0.7 and best[1] < 0.3
    assert reviewed.near_duplicates(["same text"], ["same text"])[0] == pytest.approx(1.0)


def test_reviewed_build_drops_leaks_and_adjudicates(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for sub in ("writers", "annotations", "adjudication"):
        (raw / sub).mkdir(parents=True)
    rows = [{"text": f"order {i} arrived, thanks a lot", "labels": ["fine"], "lang": "en"}
            for i in range(6)]
    rows.append({"text": "send me the code from your KX app now", "labels": ["suspicious"]})
    rows.append({"text": "Hi, is this still available in size M?", "labels": ["fine"]})
    for w in ("w01", "w02", "w03"):
        (raw / "writers" / f"{w}.jsonl").write_text(
            "".join(json.dumps({**r, "text": r["text"] + f" {w}"}) + "\n" for r in rows))
    table = reviewed.load_writers(raw / "writers")
    ann = [{"id": i, "labels": ["fine"]} for i in table["id"]]
    (raw / "annotations" / "a1.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ann))
    sus = table.loc[table["writer_labels"] == "suspicious", "id"].tolist()
    (raw / "adjudication" / "j1.jsonl").write_text("".join(
        json.dumps({"id": i, "labels": ["suspicious", "off_platform"], "reason": "asks for code"})
        + "\n" for i in sus))
    result = reviewed.build(tmp_path, generator_texts=["totally unrelated"],
                            gold_texts=["Hi, is this still available in size M?"])
    out = result.frame
    assert result.stats["leakage"]["near_gold"] == 3
    assert not out["text"].str.startswith("Hi, is this").any()
    assert set(out.loc[out["adjudicated"] == "adjudicated", "labels"]) == {
        "suspicious|off_platform"}
    assert (out.groupby("writer")["split"].nunique() == 1).all()


def test_reviewed_recorded_writer_splits_are_used(tmp_path) -> None:
    import json

    from msgrisk.corpus import reviewed as rv

    path = tmp_path / rv.SPLITS_FILE
    path.write_text(json.dumps({"w01": "test", "w02": "train"}))
    assert rv.fixed_writer_splits(path, ["w01", "w02"]) == {"w01": "test", "w02": "train"}
    assert rv.fixed_writer_splits(tmp_path / "none.json", ["w01"]) is None
    with pytest.raises(ValueError, match="w03"):
        rv.fixed_writer_splits(path, ["w01", "w03"])
    path.write_text(json.dumps({"w01": "holdout"}))
    with pytest.raises(ValueError, match="invalid split"):
        rv.fixed_writer_splits(path, ["w01"])


def test_reviewed_splits_match_the_recorded_map(frame: pd.DataFrame) -> None:
    import json

    recorded = json.loads((config.PROJECT_ROOT / "data" / "reviewed" / "raw" /
                           "writer_splits.json").read_text())
    assert frame.groupby("writer")["split"].first().to_dict() == \
        {w: s for w, s in recorded.items() if w in set(frame["writer"])}


def test_reviewed_rebuild_command_reproduces_the_shipped_set(tmp_path) -> None:
    """`msgrisk data reviewed` (build_default) rebuilds reviewed.csv from the raw files."""
    import shutil

    shutil.copytree(FOLDER / "raw", tmp_path / "raw")
    result = reviewed.build_default(tmp_path, config.PROJECT_ROOT / "data" / "gold" / "gold.csv")
    shipped = pd.read_csv(FOLDER / "reviewed.csv", dtype=str, keep_default_na=False)
    assert sorted(result.frame["id"]) == sorted(shipped["id"])
    merged = shipped.merge(result.frame, on="id", suffixes=("", "_rebuilt"))
    assert (merged["labels"] == merged["labels_rebuilt"]).all()
    assert (merged["split"] == merged["split_rebuilt"]).all()
