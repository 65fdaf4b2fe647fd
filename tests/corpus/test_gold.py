"""The hand-written gold set is well-formed, canonical and large enough to evaluate on."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from msgrisk.labels import FINE, RISK_LABELS, parse, to_string

# The committed file, not paths().gold_csv: tests may point MSGRISK_DATA_DIR elsewhere.
GOLD_CSV = Path(__file__).resolve().parents[2] / "data" / "gold" / "gold.csv"
MIN_ROWS = 450
MIN_PER_LABEL = 70
MIN_MULTI = 60


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with GOLD_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_gold_header_is_text_labels() -> None:
    with GOLD_CSV.open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["text", "labels"]


def test_gold_parses_with_pandas_without_missing_values() -> None:
    frame = pd.read_csv(GOLD_CSV, encoding="utf-8", keep_default_na=False)
    assert list(frame.columns) == ["text", "labels"]
    assert len(frame) >= MIN_ROWS
    assert (frame["text"].str.strip() != "").all()
    assert (frame["labels"].str.strip() != "").all()


def test_gold_csv_and_pandas_agree_on_rows(rows: list[dict[str, str]]) -> None:
    frame = pd.read_csv(GOLD_CSV, encoding="utf-8", keep_default_na=False)
    assert frame["text"].tolist() == [row["text"] for row in rows]


def test_gold_labels_are_canonical(rows: list[dict[str, str]]) -> None:
    bad = [row["labels"] for row in rows if to_string(parse(row["labels"])) != row["labels"]]
    assert bad == []


def test_gold_has_enough_rows(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= MIN_ROWS


def test_gold_has_no_duplicate_texts(rows: list[dict[str, str]]) -> None:
    counts = Counter(row["text"].strip().casefold() for row in rows)
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("label", RISK_LABELS)
def test_gold_each_risk_label_has_enough_rows(rows: list[dict[str, str]], label: str) -> None:
    assert sum(label in parse(row["labels"]) for row in rows) >= MIN_PER_LABEL


def test_gold_mix_has_fine_and_multi_label_rows(rows: list[dict[str, str]]) -> None:
    parsed = [parse(row["labels"]) for row in rows]
    fine_share = sum(labels == (FINE,) for labels in parsed) / len(parsed)
    assert 0.35 <= fine_share <= 0.55
    assert sum(len(labels) >= 2 for labels in parsed) >= MIN_MULTI
