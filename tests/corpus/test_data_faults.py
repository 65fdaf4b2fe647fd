"""Data faults: every raw row is either good or quarantined with a reason; runs go on."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from msgrisk import config
from msgrisk.corpus import dataset

COLUMNS = list(dataset.REQUIRED_COLUMNS)


def row(i, **change):
    base = {"message_id": f"m{i}", "thread_id": f"t{i}", "order_id": "KX-12345678",
            "sent_at": "2025-01-01T10:00:00Z", "sender_role": "buyer",
            "fulfillment": "seller_managed", "text": f"Hi, when will order {i} ship?"}
    return {**base, **change}


BAD_ROWS = [
    row(900, text=None),
    row(901, sender_role=None, fulfillment=None),
    row(902, text="x" * 1_000_000),
    row(903, sent_at="yesterday-ish"),
    row(904, sender_role="courier"),
    row(1),  # duplicate id of a good row
]


def test_data_faults_csv_mix_counts_add_up(tmp_path):
    path = tmp_path / "raw.csv"
    good = pd.DataFrame([row(i) for i in range(5)], columns=COLUMNS)
    body = good.to_csv(index=False).encode()
    body += b"m10,t10,KX-1,2025-01-01,buyer,seller_managed,caf\xe9 \xff latin-1\n"  # bad bytes
    body += b"m11,t11,,2025-01-01,seller,seller_managed,\n"  # empty text
    body += ("m12,t12,KX-1,2025-01-01,buyer,seller_managed," + "y" * 1_000_000 + "\n").encode()
    body += b"m13,t13,KX-1,2025-01-01,buyer\n"  # short row: missing fields -> NaN
    path.write_bytes(body)
    result = dataset.load_messages(path, quarantine_dir=tmp_path / "q")
    assert len(result.good) == 5 and len(result.quarantined) == 4
    assert len(result.good) + len(result.quarantined) == result.n_input == 9
    assert sum(result.reasons.values()) >= 4
    reasons = dict(zip(result.quarantined["message_id"], result.quarantined["reason"],
                       strict=True))
    assert "UTF-8" in reasons["m10"] and "longer than" in reasons["m12"]
    assert "missing" in reasons["m13"]
    written = pd.read_csv(tmp_path / "q" / "raw.quarantine.csv", dtype=str)
    assert len(written) == 4


def test_data_faults_parquet_ints_in_text_are_quarantined(tmp_path):
    path = tmp_path / "raw.parquet"
    frame = pd.DataFrame([row(i) for i in range(4)], columns=COLUMNS)
    frame["text"] = [11, 22, 33, 44]
    frame.to_parquet(path)
    result = dataset.load_messages(path)
    assert len(result.good) == 0 and len(result.quarantined) == 4 == result.n_input
    assert set(result.quarantined["reason"]) == {"text: empty or not a string"}


def test_data_faults_parquet_missing_column_quarantines_all_with_reason(tmp_path):
    path = tmp_path / "raw.parquet"
    pd.DataFrame([row(i) for i in range(3)]).drop(columns=["thread_id"]).to_parquet(path)
    result = dataset.load_messages(path)
    assert len(result.quarantined) == 3 and len(result.good) == 0
    assert "thread_id" in next(iter(result.reasons))


@pytest.fixture
def faulty_project(tiny_paths, tmp_path, small_reviewed):
    """A project copy whose messages.parquet mixes 1,200 good rows with 6 bad ones."""
    p = config.Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "models",
                     reports=tmp_path / "reports")
    p.raw.mkdir(parents=True)
    shutil.copytree(tiny_paths.gold, p.gold)
    small_reviewed(p)
    good = pd.read_parquet(tiny_paths.messages).head(1200)
    bad = pd.DataFrame(BAD_ROWS).astype(object)
    bad["message_id"] = [f"bad{i}" for i in range(len(bad) - 1)] + [good["message_id"].iloc[1]]
    bad["sent_at"] = bad["sent_at"].astype(str)
    mixed = pd.concat([good.astype(object).assign(sent_at=good["sent_at"].astype(str)), bad],
                      ignore_index=True)
    mixed.to_parquet(p.messages, index=False)
    truth = pd.read_parquet(tiny_paths.truth)
    truth[truth["message_id"].isin(good["message_id"])].to_parquet(p.truth, index=False)
    return p, len(good), len(bad)


def test_data_faults_labeling_and_training_finish_on_good_rows(faulty_project):
    from msgrisk.pipeline import TrainConfig, train
    from msgrisk.training import labeling

    p, n_good, n_bad = faulty_project
    labeling.run_labeling(p)
    weak = pd.read_parquet(p.weak_labels)
    assert len(weak) == n_good and not weak["message_id"].str.startswith("bad").any()
    result = train(TrainConfig(min_df=1), p, log_mlflow=False, progress=False)
    validation = result.metrics["validation"]
    assert validation["n_good"] == n_good and validation["n_quarantined"] == n_bad
    assert validation["n_good"] + validation["n_quarantined"] == validation["n_input"]
    assert (p.quarantine / "messages.quarantine.csv").is_file()
    assert result.bundle_path.is_dir()
