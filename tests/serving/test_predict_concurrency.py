"""Threads calling predict_batch with mixed batch sizes on one predictor match serial."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from msgrisk.evaluation import hardening


def test_predict_concurrency_mixed_batches_match_serial(tiny_predictor, tiny_paths):
    texts = pd.read_parquet(tiny_paths.messages)["text"].tolist()[:120]
    texts += list(hardening.hostile_cases().values())[:4]  # long texts share the lock too
    serial = [p.to_dict() for p in tiny_predictor.predict_batch(texts)]
    chunks = [(i, texts[i:i + size]) for size in (1, 3, 7, 16, 50) for i in
              range(0, len(texts), size)]

    def work(chunk):
        start, part = chunk
        return start, [p.to_dict() for p in tiny_predictor.predict_batch(part, batch_size=4)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, chunks))
    for start, preds in results:
        assert preds == serial[start:start + len(preds)]
