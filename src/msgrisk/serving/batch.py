"""Batch scoring of a CSV or parquet file, optionally over several worker processes.

The output keeps every input row and column, in order, and appends ``labels``
(``|``-joined canonical labels, ``fine``, or ``error``), ``primary_label``, the four
``score_*`` columns, ``source`` and ``error``. Rows whose text is missing or not a string
are kept with ``labels="error"`` and a reason in ``error``.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from msgrisk.labels import RISK_LABELS
from msgrisk.serving.pyfunc import OUTPUT_COLUMNS, predictions_frame

log = logging.getLogger(__name__)

ERROR = "error"
COLUMNS = [*OUTPUT_COLUMNS, "error"]
_CSV = (".csv",)
_PARQUET = (".parquet", ".pq")

_predictor: Any = None  # one per process: set by _init_worker (or in-process for workers=1)
_predictor_model: str | None = None


def _init_worker(model: str | None) -> None:
    """Process-pool initializer: load the predictor once per worker (and once per model
    in-process, so repeated ``workers=1`` calls do not reload spaCy)."""
    global _predictor, _predictor_model
    from msgrisk.serving.predict import default_predictor, load_predictor

    if model is None:
        _predictor, _predictor_model = default_predictor(), None  # cached by predict.py
    elif _predictor is None or _predictor_model != model:
        _predictor, _predictor_model = load_predictor(model), model


def _fork_is_safe() -> bool:
    """Whether forking this process is safe: ``fork`` exists here and no Python thread but
    the main one (and tqdm's sleeping monitor, which the children never touch) is running."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    monitor = getattr(tqdm, "monitor", None)  # tqdm's class-level monitor thread, if started
    return all(t is threading.main_thread() or t is monitor for t in threading.enumerate())


def error_row(reason: str) -> list[Any]:
    """Output values of a row that could not be scored (``labels="error"`` + the reason)."""
    return [ERROR, ERROR, *[math.nan] * len(RISK_LABELS), None, reason]


def score_texts(predictor: Any, texts: list[str], batch_size: int) -> list[list[Any]]:
    """Output rows for valid texts; a failing batch is retried row by row.

    Shared by ``predict-file`` (in-process and in workers) and Spark scoring.
    """
    try:
        frame = predictions_frame(predictor.predict_batch(texts, batch_size=batch_size))
        return [[*row, None] for row in frame.itertuples(index=False, name=None)]
    except Exception as err:  # why: one bad message must not cost the rest of its chunk
        log.warning("batch of %d failed (%s); scoring it row by row", len(texts),
                    type(err).__name__)
    rows = []
    for text in texts:
        try:
            frame = predictions_frame(predictor.predict_batch([text], batch_size=1))
            rows.append([*next(frame.itertuples(index=False, name=None)), None])
        except Exception as err:
            rows.append(error_row(f"prediction failed: {type(err).__name__}"))
    return rows


def _score_chunk(texts: list[str], batch_size: int) -> list[list[Any]]:
    return score_texts(_predictor, texts, batch_size)


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in _CSV:
        # why: read every cell as text so ids like "00123" and words like "NA" survive untouched
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in _PARQUET:
        return pd.read_parquet(path)
    raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use .csv or .parquet")


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in _CSV + _PARQUET:
        raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")  # no half-written file under the real name
    if suffix in _CSV:
        frame.to_csv(partial, index=False)
    else:
        frame.to_parquet(partial, index=False)
    partial.replace(path)


def why_bad(value: Any) -> str | None:
    """Why a text cell cannot be scored, or None when it can."""
    if isinstance(value, str):
        return None
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "missing text"
    return f"text is {type(value).__name__}, not str"


def triage(values: list[Any]) -> tuple[list[list[Any] | None], list[int]]:
    """Output rows with error rows filled in for unscorable cells, and the valid indices."""
    rows: list[list[Any] | None] = [None] * len(values)
    valid: list[int] = []
    for i, value in enumerate(values):
        reason = why_bad(value)
        if reason is None:
            valid.append(i)
        else:
            rows[i] = error_row(reason)
    return rows, valid


def predict_file(input: Path, output: Path, text_column: str = "text", batch_size: int = 512,
                 workers: int = 1, model: str | None = None, progress: bool = True
                 ) -> dict[str, Any]:
    """Score every row of a CSV/parquet file and write input columns + labels and scores.

    Row count and order are preserved; bad rows get ``labels="error"``. ``workers > 1``
    scores chunks in worker processes, and in this process while they start (same output
    as ``workers=1``).
    """
    input, output = Path(input), Path(output)
    if batch_size < 1 or workers < 1:
        raise ValueError("batch_size and workers must be at least 1")
    if output.suffix.lower() not in _CSV + _PARQUET:
        raise ValueError(f"{output}: unsupported extension {output.suffix!r}; "
                         "use .csv or .parquet")
    start = time.perf_counter()
    frame = _read(input)
    if text_column not in frame.columns:
        raise ValueError(f"{input} has no column {text_column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}); pass --text-column")
    values = frame[text_column].tolist()
    rows, valid = triage(values)
    chunks = [valid[k:k + batch_size] for k in range(0, len(valid), batch_size)]
    bar = tqdm(total=len(values), unit="msg", file=sys.stderr, disable=not progress,
               desc="predict-file")
    bar.update(len(values) - len(valid))
    _run_chunks(chunks, values, rows, batch_size, workers, model, bar)
    bar.close()

    scored = pd.DataFrame(rows, columns=COLUMNS, index=frame.index)
    scored["error"] = scored["error"].astype(object)
    clashes = [c for c in COLUMNS if c in frame.columns]
    if clashes:
        log.warning("replacing existing input columns %s with fresh predictions", clashes)
    out = pd.concat([frame.drop(columns=clashes), scored], axis=1)
    _write(out, output)
    seconds = time.perf_counter() - start
    label_counts: Counter[str] = Counter()
    for joined in scored["labels"]:
        label_counts.update(str(joined).split("|"))
    n_errors = int((scored["labels"] == ERROR).sum())
    return {"input": str(input), "output": str(output), "n_rows": len(out),
            "n_errors": n_errors, "label_counts": dict(sorted(label_counts.items())),
            "workers": workers, "seconds": round(seconds, 3),
            "msgs_per_s": round(len(out) / seconds, 1) if seconds > 0 else 0.0}


def _run_chunks(chunks: list[list[int]], values: list[Any], rows: list[Any], batch_size: int,
                workers: int, model: str | None, bar: tqdm) -> None:
    """Fill ``rows`` for the valid indices, chunk by chunk."""
    if not chunks:
        return
    if workers == 1:
        _init_worker(model)
        for idx in chunks:
            for i, row in zip(idx, _score_chunk([values[i] for i in idx], batch_size),
                              strict=True):
                rows[i] = row
            bar.update(len(idx))
        return
    # The parent loads the predictor first. Then the workers:
    # - fork, when this process runs no other thread that could hold a lock the children
    #   need: they start in milliseconds and share the loaded predictor copy-on-write;
    # - forkserver otherwise (e.g. predict_file called from a threaded server): forking a
    #   threaded parent could deadlock the children, and spawn would re-import spaCy and
    #   reload the bundle in every worker; the forkserver does that once
    #   (serving/_prefork.py) and forks clean single-threaded copies that share it, while
    #   the parent scores chunks itself until the first worker answers.
    _init_worker(model)
    preloaded = _fork_is_safe()
    if preloaded:
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        os.environ["MSGRISK_PREFORK_MODEL"] = model or "-"
        context.set_forkserver_preload(["msgrisk.serving._prefork"])
    pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context,
                               initializer=_init_worker, initargs=(model,))
    workers_up = threading.Event()
    if preloaded:
        # fork start: every worker is forked at the first submit, from this thread, now,
        # while no lock (the predictor's included) is held by anyone
        try:
            pool.submit(int).result()
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        workers_up.set()
    todo: deque[list[int]] = deque(chunks)
    lock = threading.Lock()
    failure: list[BaseException] = []

    def take() -> list[int] | None:
        with lock:
            return todo.popleft() if todo else None

    def store(idx: list[int], result: list[list[Any]]) -> None:
        for i, row in zip(idx, result, strict=True):
            rows[i] = row
        with lock:
            bar.update(len(idx))

    def feed() -> None:
        """Keep one chunk in flight per worker until the queue is empty. Runs in a thread:
        with the forkserver, the first submit blocks until the server has imported spaCy
        and loaded the bundle (seconds), and the parent scores chunks itself meanwhile."""
        try:
            running: dict[Any, list[int]] = {}
            while True:
                while len(running) < workers and (idx := take()) is not None:
                    running[pool.submit(_score_chunk, [values[i] for i in idx],
                                        batch_size)] = idx
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                workers_up.set()
                for future in done:
                    store(running.pop(future), future.result())
        except BaseException as err:  # re-raised in the calling thread
            failure.append(err)
            with lock:
                todo.clear()

    feeder = threading.Thread(target=feed, name="msgrisk-predict-file-pool", daemon=True)
    feeder.start()
    try:
        # the parent scores until the first worker answers (covering the workers' start-up),
        # then leaves the CPUs to the workers it was asked for
        while not workers_up.is_set() and (idx := take()) is not None:
            store(idx, _score_chunk([values[i] for i in idx], batch_size))
    except BaseException:
        with lock:
            todo.clear()
        raise
    finally:
        feeder.join()
        pool.shutdown()
    if failure:
        raise failure[0]
