"""Benchmark: the markdown mirrors the JSON; a small run measures every system."""

from __future__ import annotations

import json

import pytest

from msgrisk import config
from msgrisk.evaluation.bench import run_bench, write_benchmarks_md

SYSTEM = {"test_macro_f1": 0.8123, "gold_macro_f1": 0.7456, "batch_msg_per_s": 432.1,
          "throughput_vs_tfidf": 0.25, "latency": {"p50_ms": 11.5, "p99_ms": 20.25},
          "p50_latency_vs_tfidf": 9.5, "peak_rss_mb": 250.4, "cold_load_s": 3.21,
          "train_s": 42.0, "artefact_mb": 2.05}


def test_bench_markdown_table_matches_json(tmp_path):
    bench = {"systems": {"n_messages": 20000, "packages": {"spacy": "3.8.18"},
                         "machine": {"cpus": 2, "measured_at": "2026-11-23T00:00:00"},
                         "systems": {"msgrisk": SYSTEM, "minilm_lr": {"skipped": "no torch"}}},
             "hostile": {"by_system": {"msgrisk": {"at_50k": {"p99_ms": 46.34, "max_ms": 47.0}}}}}
    text = write_benchmarks_md(bench, tmp_path / "benchmarks.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| msgrisk |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["msgrisk", "0.812", "0.746", "432.1", "0.25", "11.50", "20.25", "9.50",
                     "250.4", "3.21", "42.0", "2.05"]
    assert "| minilm_lr | no torch |" in text
    assert "| msgrisk | at_50k | 46.3 | 47.0 |" in text
    assert "spacy 3.8.18" in text and "2026-11-23" in text


def test_bench_doc_states_the_spacy_floor_against_the_baseline(tmp_path):
    ours = {**SYSTEM, "batch_msg_per_s": 4000.0,
            "stages": {"tokenizer_msg_per_s": 30000.0, "spacy_pipeline_msg_per_s": 6000.0}}
    tfidf = {**SYSTEM, "batch_msg_per_s": 20000.0, "throughput_vs_tfidf": 1.0}
    bench = {"systems": {"systems": {"msgrisk": ours, "tfidf_lr": tfidf}}}
    text = write_benchmarks_md(bench, tmp_path / "benchmarks.md").read_text()
    assert "tokenizer alone runs at 30,000 msg/s (1.50× the baseline)" in text
    assert "at 6,000 msg/s (0.30×), msgrisk end to end at 4,000 msg/s (0.20×)" in text
    assert "out of reach for any design that tokenizes with spaCy" in text
    ours["stages"]["tokenizer_msg_per_s"] = 80000.0  # a fast tokenizer: the detectors limit
    text = write_benchmarks_md(bench, tmp_path / "benchmarks.md").read_text()
    assert "tokenizes with spaCy" not in text and "the detectors are" in text


@pytest.mark.slow
def test_bench_small_run_measures_every_system(tiny_paths, tiny_bundle, tmp_path, monkeypatch):
    pytest.importorskip("spacy")
    monkeypatch.setenv("MSGRISK_MODELS_DIR", str(tiny_paths.models))
    p = config.Paths(root=tmp_path, data=tiny_paths.data, models=tiny_paths.models,
                     reports=tmp_path / "reports")
    result = run_bench(n_messages=1500, paths=p, include_embed=True, model=str(tiny_bundle),
                       textcat_epochs=1, n_latency=5, hostile_repeats=1)
    systems = result["systems"]["systems"]
    for name in ("msgrisk", "rules", "tfidf_lr", "spacy_textcat"):
        s = systems[name]
        for key in ("test_macro_f1", "gold_macro_f1", "batch_msg_per_s", "peak_rss_mb",
                    "cold_load_s", "artefact_mb", "throughput_vs_tfidf"):
            assert s[key] is not None, (name, key)
        assert s["latency"]["n"] == 5 and s["peak_rss_mb"] > 0
        windows = s["batch_msg_per_s_windows"]
        assert len(windows) == 3 and min(windows) <= s["batch_msg_per_s"] <= max(windows)
    assert systems["msgrisk"]["test_macro_f1"] > 0.3
    stages = systems["msgrisk"]["stages"]
    assert stages["tokenizer_msg_per_s"] > stages["spacy_pipeline_msg_per_s"] > 0
    assert "minilm_lr" in systems  # measured, or skipped with the reason
    assert set(result["hostile"]["by_system"]["msgrisk"]) == {
        "digits_50k", "at_50k", "a_dot_30k", "spaced_whatsapp_5k"}
    bench = json.loads((p.reports / "bench.json").read_text())
    assert bench["systems"]["n_messages"] == 1500
    doc = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert f"{systems['tfidf_lr']['batch_msg_per_s']:.1f}" in doc
