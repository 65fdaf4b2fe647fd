"""Scale-out batch scoring on Apache Spark (extra ``spark``: pyspark + Java 17).

:func:`score` appends the same columns as ``msgrisk predict-file`` (``labels``,
``primary_label``, the four ``score_*``, ``source``, ``error``) to any DataFrame;
:func:`score_path` does file -> parquet; :func:`session` builds a local session.

How: an iterator ``pandas_udf`` on the text column only (input columns stay in the JVM;
the first version used ``mapInPandas``, which ships every column through Python). The
bundle folder is shipped once with ``SparkContext.addFile(recursive=True)`` and loaded
once per executor Python worker (a module-level cache keyed by bundle version; Spark
reuses Python workers), with every file hash verified again on the executor. Measured
against ``mlflow.pyfunc.spark_udf`` on the same 30k messages (``bench_spark``,
docs/spark.md), warm throughput is within noise (spaCy parsing dominates both), so the
choice rests on behaviour: no MLflow registry needed, null / non-string texts stay
``labels="error"`` rows exactly like ``predict-file`` (the pyfunc wrapper scores them as
""), and flat typed columns.
pyspark 4.3 warns that pandas 3 is "not fully supported"; the Arrow <-> pandas path used
here works with pandas 3.1 (strings arrive as ``StringDtype``, nulls as NaN) and the
tests pin that.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from msgrisk import config
from msgrisk.serving.batch import COLUMNS, ERROR, score_texts, triage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

_RULES = ""  # bundle name meaning "no usable bundle: rules-only", like load_predictor
_cache: dict[str, Any] = {}  # bundle version -> Predictor, one per executor Python worker
_PANDAS3 = "PySpark does not yet fully support pandas"
_QUIET = f"ignore:{_PANDAS3}:FutureWarning"
_PRED = "__msgrisk_pred"  # temporary struct column holding the predictions
_ROW = "__msgrisk_row"  # temporary input-order column used by score_path


def session(master: str = "local[2]", app_name: str = "msgrisk") -> SparkSession:
    """A SparkSession bound to 127.0.0.1, running workers on this Python, Arrow on, quiet."""
    from pyspark.sql import SparkSession

    # why: executors must import msgrisk from this venv, not whatever `python3` is on PATH
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # why: local Python workers inherit this env; the pandas-3 FutureWarning is known (module doc)
    os.environ.setdefault("PYTHONWARNINGS", _QUIET)
    warnings.filterwarnings("ignore", message=_PANDAS3, category=FutureWarning)
    builder = (
        SparkSession.builder.master(master).appName(app_name)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "2g")
        .config("spark.executor.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.python.worker.reuse", "true")  # keeps the loaded bundle between tasks
        .config("spark.executorEnv.PYTHONHASHSEED", "0")
        .config("spark.executorEnv.PYTHONWARNINGS", _QUIET)
        # why: UTC end to end, and parquet timestamps pandas reads back as tz-aware UTC
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _resolve_bundle(model: str | None) -> Path | None:
    """The verified bundle folder to ship, or None (rules-only, one warning) like load_predictor."""
    from msgrisk.serving.predict import _resolve
    from msgrisk.training.bundle import BundleError, verify_bundle

    location = model if model is not None else config.model_location()
    is_uri = "://" in location or location.startswith(("models:/", "runs:/"))
    try:
        path = _resolve(location).resolve()
        verify_bundle(path, allow_outside=is_uri)  # same trust policy as load_predictor
    except (BundleError, OSError, ValueError, ImportError) as err:
        log.warning("msgrisk: Spark scoring with rules-only predictions: %s", err)
        return None
    except Exception as err:  # e.g. an MLflow registry lookup failing
        log.warning("msgrisk: Spark scoring with rules-only predictions: %s: %s",
                    type(err).__name__, err)
        return None
    return path


def _executor_predictor(name: str, version: str) -> Any:
    """The predictor for a shipped bundle, loaded once per Python worker and version."""
    from msgrisk.serving.predict import Predictor

    key = version or _RULES
    if key not in _cache:
        if not name:
            _cache[key] = Predictor(None)
        else:
            from pyspark import SparkFiles

            from msgrisk.training.bundle import BundleError, load_bundle

            # why allow_outside: SparkFiles lives outside the models folder; hashes still checked
            bundle = load_bundle(Path(SparkFiles.get(name)), allow_outside=True)
            if bundle.version != version:
                raise BundleError(f"executor got bundle {bundle.version}, driver shipped "
                                  f"{version}; two bundles share the folder name {name!r}")
            _cache[key] = Predictor(bundle)
    return _cache[key]


def _score_series(texts: pd.Series, predictor: Any, batch_size: int) -> pd.DataFrame:
    """One Arrow batch of texts -> the prediction columns, same row order."""
    values = texts.tolist()
    rows, valid = triage(values)
    for k in range(0, len(valid), batch_size):
        idx = valid[k:k + batch_size]
        for i, row in zip(idx, score_texts(predictor, [values[i] for i in idx], batch_size),
                          strict=True):
            rows[i] = row
    return pd.DataFrame(rows, columns=COLUMNS)


def _result_type() -> Any:
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    return StructType([StructField(c, DoubleType() if c.startswith("score_") else StringType())
                       for c in COLUMNS])


def score(df: DataFrame, text_col: str = "text", model: str | None = None,
          batch_size: int = 512) -> DataFrame:
    """``df`` + labels, primary_label, score_*, source, error (same as ``predict-file``).

    ``model`` is a bundle path or ``models:/`` / ``runs:/`` URI (default: ``MSGRISK_MODEL``
    or ``models/champion``); an unusable bundle means rules-only scores, with a warning.
    Null or non-string texts become ``labels="error"`` rows. Lazy: nothing runs until an
    action. Row order within each partition is kept.
    """
    if text_col not in df.columns:
        raise ValueError(f"DataFrame has no column {text_col!r} (columns: "
                         f"{', '.join(df.columns)}); pass text_col")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    bundle_dir = _resolve_bundle(model)
    name, version = _RULES, _RULES
    if bundle_dir is not None:
        from msgrisk.training.bundle import verify_bundle

        version = str(verify_bundle(bundle_dir, allow_outside=True)["version"])
        name = bundle_dir.name
        df.sparkSession.sparkContext.addFile(str(bundle_dir), recursive=True)
    from pyspark.sql.functions import pandas_udf

    def run(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        predictor = _executor_predictor(name, version)  # once per worker, cached
        for texts in batches:
            yield _score_series(texts, predictor, batch_size)

    clashes = [c for c in df.columns if c in COLUMNS]
    if clashes:
        log.warning("replacing existing input columns %s with fresh predictions", clashes)
    keep = [c for c in df.columns if c not in COLUMNS]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PANDAS3, category=FutureWarning)
        udf = pandas_udf(run, _result_type())  # type: ignore[call-overload]
        return df.withColumn(_PRED, udf(df[text_col])).select(*keep, f"{_PRED}.*")


def _read(spark: SparkSession, location: str) -> DataFrame:
    """A parquet or CSV file/folder/URI, by extension; CSV cells are read as text."""
    name = location.rstrip("/").lower()
    if name.endswith((".csv", ".csv.gz", ".csv.bz2")):
        # why: every cell as a string (ids like "00123" survive); "" -> null like predict-file;
        # quotes doubled and multi-line cells, as pandas writes them
        return spark.read.csv(location, header=True, inferSchema=False, multiLine=True,
                              escape='"', nullValue="")
    if name.endswith((".parquet", ".pq")) or "." not in name.rsplit("/", 1)[-1]:
        return spark.read.parquet(location)
    raise ValueError(f"{location}: unsupported extension; use .csv or .parquet "
                     "(a folder without extension is read as parquet)")


def _spread(df: DataFrame, partitions: int) -> DataFrame:
    """Split a few big partitions into ``partitions`` contiguous, ordered ones (no reordering),
    so every core gets work even when the input is a single small file."""
    from pyspark.sql import functions as F

    return (df.withColumn(_ROW, F.monotonically_increasing_id())
            .repartitionByRange(partitions, _ROW).sortWithinPartitions(_ROW))


def score_path(input: str, output: str, text_column: str = "text", master: str = "local[2]",
               model: str | None = None) -> dict[str, Any]:
    """Score a parquet/CSV file (local path or any Hadoop URI) into a parquet folder.

    Keeps every row (bad texts -> ``labels="error"``) and the input order across the
    output part files. Returns row counts, label counts and timings.
    """
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    if input.rstrip("/") == output.rstrip("/"):
        raise ValueError("output must differ from input (Spark overwrites the output folder)")
    owned = SparkSession.getActiveSession() is None  # stop only a session we started
    start = time.perf_counter()
    spark = session(master)
    started = time.perf_counter()
    try:
        df = _read(spark, input)
        n_in = df.count()
        parallelism = spark.sparkContext.defaultParallelism
        spread = df.rdd.getNumPartitions() < parallelism
        if spread:
            df = _spread(df, 2 * parallelism)  # 2 tasks per core: stragglers even out
        scored = score(df, text_column, model=model)
        if spread:
            scored = scored.drop(_ROW)
        scored.write.mode("overwrite").parquet(output)
        scored_at = time.perf_counter()
        back = spark.read.parquet(output)
        n_out = back.count()
        exploded = back.select(F.explode(F.split("labels", r"\|")).alias("label"))
        counts = {r["label"]: int(r["count"]) for r in exploded.groupBy("label").count().collect()}
        partitions = back.rdd.getNumPartitions()
    finally:
        if owned:
            spark.stop()
    seconds = scored_at - started
    if n_in != n_out:
        raise RuntimeError(f"read {n_in} rows from {input} but wrote {n_out} to {output}")
    return {"input": input, "output": output, "master": master, "n_rows_in": n_in,
            "n_rows": n_out, "n_errors": counts.get(ERROR, 0),
            "label_counts": dict(sorted(counts.items())), "output_partitions": partitions,
            "session_seconds": round(started - start, 3), "seconds": round(seconds, 3),
            "msgs_per_s": round(n_out / seconds, 1) if seconds > 0 else 0.0}


def _spark_udf_pass(spark: SparkSession, df: DataFrame, bundle_dir: Path, workdir: Path,
                    output: str) -> float:
    """Score ``df`` with ``mlflow.pyfunc.spark_udf`` on a pyfunc saved from the bundle."""
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    from msgrisk.serving.pyfunc import MsgriskPyfunc

    model_dir = workdir / "pyfunc"
    if not model_dir.exists():  # like the registered model: input signature = one "text" column
        mlflow.pyfunc.save_model(path=str(model_dir), python_model=MsgriskPyfunc(),
                                 artifacts={"bundle": str(bundle_dir)},
                                 signature=ModelSignature(inputs=Schema([ColSpec("string",
                                                                                 "text")])),
                                 pip_requirements=["msgrisk"])
    result_type = ", ".join(f"{c} {'double' if c.startswith('score_') else 'string'}"
                            for c in COLUMNS if c != "error")
    udf = mlflow.pyfunc.spark_udf(spark, str(model_dir), env_manager="local",
                                  result_type=result_type)
    start = time.perf_counter()
    df.withColumn("_p", udf("text")).select(*df.columns, "_p.*").write.mode(
        "overwrite").parquet(output)
    return time.perf_counter() - start


def bench_spark(n_messages: int = 30_000) -> dict[str, Any]:
    """Spark local[2] (score() and mlflow spark_udf) vs predict_batch vs predict_file(workers=2)
    on the same messages; ``evaluation.bench.run_bench_spark`` records it in ``reports/bench.json``."""
    import tempfile

    from msgrisk.serving.batch import predict_file
    from msgrisk.serving.predict import load_predictor
    from msgrisk.serving.pyfunc import predictions_frame

    p = config.paths()
    texts = pd.read_parquet(p.messages).head(n_messages).reset_index(drop=True)
    n = len(texts)
    bundle_dir = _resolve_bundle(None)
    result: dict[str, Any] = {"n_messages": n, "master": "local[2]", "cpus": os.cpu_count(),
                              "model_version": bundle_dir.name if bundle_dir else "rules",
                              "load_average_before": list(os.getloadavg()),
                              "code_hash_before": _code_hash()}
    with tempfile.TemporaryDirectory(prefix="msgrisk-bench-") as tmp:
        work = Path(tmp)
        source = str(work / "in.parquet")
        texts.to_parquet(source, index=False)

        start = time.perf_counter()
        predictor = load_predictor()
        loaded = time.perf_counter()
        expected = predictions_frame(predictor.predict_batch(texts["text"].tolist(),
                                                             batch_size=512))
        done = time.perf_counter()
        result["predict_batch"] = _rate(n, done - loaded, load_seconds=loaded - start)

        report = predict_file(Path(source), work / "file.parquet", workers=2, progress=False)
        result["predict_file_workers2"] = _rate(n, report["seconds"])

        start = time.perf_counter()
        spark = session("local[2]", app_name="msgrisk-bench")
        result["spark_session_seconds"] = round(time.perf_counter() - start, 2)
        try:
            report = score_path(source, str(work / "path.parquet"), master="local[2]")
            result["score_path_end_to_end"] = _rate(n, report["seconds"])  # incl. worker start
            got = pd.read_parquet(work / "path.parquet")
            result["spark_label_mismatches"] = int((got["labels"] != expected["labels"]).sum())
            scores = [c for c in COLUMNS if c.startswith("score_")]
            result["spark_max_score_diff"] = float(
                (got[scores] - expected[scores]).abs().to_numpy().max())
            df = _spread(spark.read.parquet(source), 4).drop(_ROW)
            for run in ("warm1", "warm2"):  # alternate, so load drift hits both alike
                start = time.perf_counter()
                score(df).write.mode("overwrite").parquet(str(work / "score.parquet"))
                result[f"spark_score_{run}"] = _rate(n, time.perf_counter() - start)
                if bundle_dir is not None:  # first call also loads the pyfunc in the workers
                    seconds = _spark_udf_pass(spark, df, bundle_dir, work,
                                              str(work / "udf.parquet"))
                    result[f"spark_udf_{run}"] = _rate(n, seconds)
        finally:
            spark.stop()
    result["load_average_after"] = list(os.getloadavg())
    # why: executors import msgrisk later than the driver; edits in between explain mismatches
    result["code_changed_during_run"] = _code_hash() != result.pop("code_hash_before")
    result["chosen"] = "msgrisk.serving.spark.score (iterator pandas_udf + addFile bundle)"
    return result


def _code_hash() -> str:
    import hashlib

    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt"):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _rate(n: int, seconds: float, **extra: float) -> dict[str, float]:
    return {"seconds": round(seconds, 2), "msgs_per_s": round(n / seconds, 1),
            **{k: round(v, 2) for k, v in extra.items()}}
