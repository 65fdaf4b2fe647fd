"""Hostile inputs (ReDoS / tokenizer blow-up shapes) stay within a latency bound."""

from __future__ import annotations

import time

import pytest

import msgrisk
from msgrisk import rules
from msgrisk.evaluation import hardening
from msgrisk.serving.predict import Predictor

CASES = hardening.hostile_cases()
BOUND_S = 5.0
#: spaCy's tokenizer is quadratic on long punctuation/emoji runs (minutes at 40k chars), so
#: ``rules.sanitize`` breaks runs longer than MAX_RUN before tokenizing (offsets unchanged).


@pytest.fixture(scope="module")
def rules_predictor():
    return Predictor(None, fallback_reason="test")


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_predict_within_bound(rules_predictor, tiny_predictor, name):
    text = CASES[name]
    for predictor in (rules_predictor, tiny_predictor):
        pred, seconds = timed(predictor.predict, text)
        assert seconds < BOUND_S, f"{name}: {seconds:.1f}s"
        assert hardening.check_prediction(pred, text) == []
        assert pred.truncated == (len(text) > predictor.max_chars)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_redact_full_length_within_bound(name):
    out, seconds = timed(msgrisk.redact, CASES[name])
    assert isinstance(out, str) and seconds < BOUND_S, f"{name}: {seconds:.1f}s"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_rules_parse_full_length_within_bound(rules_predictor, name):
    text = CASES[name]
    msg, seconds = timed(rules.parse, text, rules_predictor.nlp)
    assert seconds < BOUND_S, f"{name}: {seconds:.1f}s"
    assert msg.text == text
    assert all(text[s.start:s.end] == s.text for s in msg.spans)


def test_hostile_redact_many_promise_markers_is_linear():
    text = "I guarantee it arrives Friday 🔥 " * 4000
    _, seconds = timed(msgrisk.redact, text)
    assert seconds < BOUND_S


def test_hostile_break_long_runs_keeps_length_and_short_tokens():
    from msgrisk.serving.predict import MAX_RUN, break_long_runs

    text = "ok " + "😀" * 500 + " call 876 555 0142 " + "a" * MAX_RUN
    out = break_long_runs(text)
    assert len(out) == len(text)
    assert max(len(w) for w in out.split()) <= MAX_RUN
    assert out.endswith("call 876 555 0142 " + "a" * MAX_RUN)  # runs up to MAX_RUN untouched


def test_hostile_latency_report_shape(rules_predictor, monkeypatch):
    few = {k: CASES[k] for k in ("emoji_flood_20k", "quote_pairs", "digits_50k")}
    monkeypatch.setattr(hardening, "hostile_cases", lambda: few)
    report = hardening.hostile_latency(repeats=2, predictor=rules_predictor)
    assert set(report["cases"]) == set(few) and report["repeats"] == 2
    assert report["worst_predict"]["max_ms"] < BOUND_S * 1000
    for case in report["cases"].values():
        assert case["predict"]["p50_ms"] <= case["predict"]["max_ms"]
