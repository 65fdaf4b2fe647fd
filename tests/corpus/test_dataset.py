import pandas as pd
import pytest

from msgrisk.corpus import dataset

GOOD = {
    "message_id": "m1", "thread_id": "t1", "order_id": "KX-12345678",
    "sent_at": "2025-01-01T10:00:00Z", "sender_role": "buyer",
    "fulfillment": "seller_managed", "text": "Hi, when will my order ship?",
}


def frame(rows):
    return pd.DataFrame(rows, dtype=object)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"text": None}, "missing text"),
        ({"text": "   "}, "text: empty or not a string"),
        ({"sender_role": "courier"}, "invalid sender_role"),
        ({"fulfillment": "drone"}, "invalid fulfillment"),
        ({"sent_at": "not a date"}, "invalid sent_at"),
        ({"message_id": None}, "missing message_id"),
        ({"text": "bad \udcff bytes"}, "text is not valid UTF-8"),
        ({"text": "x" * (dataset.MAX_TEXT_CHARS + 1)}, "text longer than"),
    ],
)
def test_dataset_quarantines_bad_rows_with_reason(change, reason):
    result = dataset.validate_messages(frame([GOOD, {**GOOD, "message_id": "m2", **change}]))
    assert len(result.good) == 1
    assert len(result.quarantined) == 1
    assert reason in result.quarantined["reason"].iloc[0]
    assert len(result.good) + len(result.quarantined) == result.n_input


def test_dataset_duplicate_ids_keep_first():
    result = dataset.validate_messages(frame([GOOD, {**GOOD, "text": "second"}]))
    assert result.good["text"].tolist() == [GOOD["text"]]
    assert result.quarantined["reason"].tolist() == ["duplicate message_id"]


def test_dataset_missing_column_quarantines_everything():
    df = frame([GOOD, {**GOOD, "message_id": "m2"}]).drop(columns=["sender_role"])
    result = dataset.validate_messages(df)
    assert len(result.good) == 0
    assert len(result.quarantined) == 2
    assert "sender_role" in result.quarantined["reason"].iloc[0]


def test_dataset_bad_encoding_csv_is_quarantined_not_lost(tmp_path):
    path = tmp_path / "raw.csv"
    header = ",".join(dataset.REQUIRED_COLUMNS)
    good = "m1,t1,KX-1,2025-01-01,buyer,seller_managed,hello there"
    bad = "m2,t1,KX-1,2025-01-01,seller,seller_managed,caf\xe9 latin-1"
    path.write_bytes(f"{header}\n{good}\n".encode() + bad.encode("latin-1") + b"\n")
    result = dataset.load_messages(path, quarantine_dir=tmp_path / "q")
    assert result.summary()["n_good"] == 1
    assert result.summary()["n_quarantined"] == 1
    written = pd.read_csv(tmp_path / "q" / "raw.quarantine.csv")
    assert written["reason"].tolist() == ["text is not valid UTF-8"]


def test_dataset_missing_file_error_says_fix(tmp_path):
    with pytest.raises(dataset.DataError, match="make data"):
        dataset.read_raw(tmp_path / "nope.parquet")
