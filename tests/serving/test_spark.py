"""Spark scoring: same answers as predict_batch, bad rows kept, CSV and parquet input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk.labels import RISK_LABELS
from msgrisk.serving.batch import COLUMNS

pytestmark = [
    pytest.mark.spark,
    # pyspark 4.3 warns on pandas 3; the paths used here are pinned by these tests instead
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

if shutil.which("java") is None:
    pytest.skip("Spark tests need Java 17 on PATH (`java` not found)", allow_module_level=True)
pytest.importorskip("pyspark", reason="Spark tests need pyspark (install the `spark` extra)")

N = 2000
SCORES = [f"score_{label}" for label in RISK_LABELS]


@pytest.fixture(scope="module")
def spark():
    """One local[2] session for the whole module (startup costs seconds)."""
    from msgrisk.serving.spark import session

    spark = session("local[2]", app_name="msgrisk-tests")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def model(tiny_bundle: Path):
    """The tiny bundle's path; it lives in a temp dir, outside the models folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MSGRISK_ALLOW_ANY_MODEL_PATH", "1")
        yield str(tiny_bundle)


@pytest.fixture(scope="module")
def messages(tiny_paths) -> pd.DataFrame:
    return pd.read_parquet(tiny_paths.messages).head(N).reset_index(drop=True)


@pytest.fixture(scope="module")
def scored_parquet(spark, model, messages, tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    from msgrisk.serving.spark import score_path

    root = tmp_path_factory.mktemp("spark")
    messages.to_parquet(root / "in.parquet", index=False)
    report = score_path(str(root / "in.parquet"), str(root / "out.parquet"), model=model)
    return pd.read_parquet(root / "out.parquet"), report


def test_spark_matches_predict_batch_row_by_row(scored_parquet, messages, tiny_predictor
                                                ) -> None:
    from msgrisk.serving.pyfunc import predictions_frame

    out, report = scored_parquet
    expected = predictions_frame(tiny_predictor.predict_batch(messages["text"].tolist()))
    assert report["n_rows_in"] == report["n_rows"] == len(out) == N
    assert out["message_id"].tolist() == messages["message_id"].tolist()  # input order kept
    assert out["labels"].tolist() == expected["labels"].tolist()
    assert out["primary_label"].tolist() == expected["primary_label"].tolist()
    assert out["source"].tolist() == expected["source"].tolist()
    np.testing.assert_allclose(out[SCORES].to_numpy(), expected[SCORES].to_numpy(), atol=1e-6)
    assert out["error"].isna().all()
    assert set(expected["labels"]) - {"fine"}, "the sample should hold some risky messages"


def test_spark_keeps_input_columns_and_types(scored_parquet, messages) -> None:
    out, report = scored_parquet
    assert list(out.columns) == [*messages.columns, *COLUMNS]
    pd.testing.assert_series_equal(out["sent_at"], messages["sent_at"], check_dtype=False)
    assert sum(report["label_counts"].values()) >= N and report["n_errors"] == 0


def test_spark_null_and_non_string_texts_become_error_rows(spark, model) -> None:
    from msgrisk.serving.spark import score

    strings = spark.createDataFrame(
        [(1, "text me on whatsapp 876 555 0142"), (2, None), (3, "Where is my order?")],
        "id long, text string")
    out = score(strings, model=model).toPandas().sort_values("id")
    assert out["labels"].tolist()[1] == "error"
    assert out["error"].tolist()[1] == "missing text"
    assert out["primary_label"].tolist()[1] == "error"
    assert np.isnan(out[SCORES].to_numpy()[1]).all()
    assert out["labels"].tolist()[0] != "error" and pd.isna(out["error"].tolist()[0])

    numbers = spark.createDataFrame([(1, 42), (2, None)], "id long, body long")
    out = score(numbers, text_col="body", model=model).toPandas().sort_values("id")
    assert out["labels"].tolist() == ["error", "error"]
    assert out["error"].tolist() == ["text is int, not str", "missing text"]


def test_spark_csv_input_reads_cells_as_text(spark, model, tmp_path: Path,
                                             tiny_predictor) -> None:
    from msgrisk.serving.spark import score_path

    texts = ["hello there", "", "NA", 'call "me" on\n876 555 0142', "You useless thief!!"]
    frame = pd.DataFrame({"id": ["00001", "00002", "00003", "00004", "00005"], "text": texts})
    frame.to_csv(tmp_path / "in.csv", index=False)
    report = score_path(str(tmp_path / "in.csv"), str(tmp_path / "out"), model=model)
    out = pd.read_parquet(tmp_path / "out")
    assert report["n_rows"] == 5 and report["n_errors"] == 1
    assert out["id"].tolist() == frame["id"].tolist()  # leading zeros, order
    assert out.loc[1, "labels"] == "error" and out.loc[1, "error"] == "missing text"
    good = [0, 2, 3, 4]
    assert out.loc[good, "text"].tolist() == [texts[i] for i in good]
    expected = [p.labels for p in tiny_predictor.predict_batch([texts[i] for i in good])]
    assert out.loc[good, "labels"].tolist() == ["|".join(labels) for labels in expected]


def test_spark_rejects_unknown_text_column(spark, model) -> None:
    from msgrisk.serving.spark import score

    frame = spark.createDataFrame([(1, "hi")], "id long, body string")
    with pytest.raises(ValueError, match="no column 'text'"):
        score(frame, model=model)
