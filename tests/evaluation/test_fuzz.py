"""Property tests: any str gives a valid Prediction; anything else a TypeError naming the type."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import msgrisk
from msgrisk import rules
from msgrisk.evaluation import hardening
from msgrisk.serving.predict import Predictor

SPECIALS = "".join(hardening.POOLS[k] for k in ("control", "bidi", "zero_width", "combining",
                                                 "emoji", "fullwidth"))
any_char = st.text(st.characters(codec=None), max_size=120)
surrogates = st.text(st.characters(categories=["Cs"]), max_size=20)
specials = st.text(st.sampled_from(SPECIALS), max_size=60)
fragments = st.lists(st.sampled_from(hardening.FRAGMENTS), max_size=6).map(" ".join)
piece = st.one_of(any_char, surrogates, specials, fragments)
mixed = st.lists(piece, max_size=6).map("".join)
long_texts = st.tuples(mixed.filter(bool), st.integers(1, 100_000)).map(
    lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]])
texts = st.one_of(mixed, mixed, mixed, long_texts)
non_str = st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.booleans(),
                    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(), st.text(),
                                                                              max_size=2))
FAST = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def rules_predictor():
    return Predictor(None, fallback_reason="test")


def assert_valid(pred, text):
    assert hardening.check_prediction(pred, text) == []


@FAST
@given(text=texts)
def test_fuzz_rules_predict_any_str_is_valid(rules_predictor, text):
    pred = rules_predictor.predict(text)
    assert_valid(pred, text)
    assert pred.truncated == (len(text) > rules_predictor.max_chars)


@settings(FAST, max_examples=80)
@given(text=texts)
def test_fuzz_model_predict_any_str_is_valid(tiny_predictor, text):
    assert_valid(tiny_predictor.predict(text), text)


@settings(FAST, max_examples=40)
@given(batch=st.lists(texts, min_size=1, max_size=6), batch_size=st.integers(1, 4))
def test_fuzz_predict_batch_equals_single(tiny_predictor, batch, batch_size):
    many = tiny_predictor.predict_batch(batch, batch_size=batch_size)
    assert [p.to_dict() for p in many] == [tiny_predictor.predict(t).to_dict() for t in batch]


@settings(FAST, max_examples=80)
@given(text=texts)
def test_fuzz_redact_any_str_returns_str(text):
    out = msgrisk.redact(text)
    assert isinstance(out, str)
    if not any(m in out for m in set(rules.REDACT_MASKS.values())):
        assert len(out) == len(text)  # nothing masked: nothing else changed length


@settings(FAST, max_examples=80)
@given(text=st.lists(st.one_of(st.text(st.characters(codec="utf-8"), max_size=80), specials,
                               fragments), max_size=5).map("".join))
def test_fuzz_rules_parse_spans_index_original_text(rules_predictor, text):
    msg = rules.parse(text, nlp=rules_predictor.nlp)
    assert msg.text == text
    for s in msg.spans:
        assert 0 <= s.start <= s.end <= len(text) and text[s.start:s.end] == s.text


def test_fuzz_rules_parse_span_text_with_lone_surrogate(rules_predictor):
    text = "\ud800gmail dot com 876\udfff555 0142 http://bit.ly/x\udc00"
    msg = rules.parse(text, nlp=rules_predictor.nlp)
    assert msg.spans and all(text[s.start:s.end] == s.text for s in msg.spans)


def test_fuzz_predict_span_text_with_lone_surrogate(rules_predictor):
    text = "\ud800gmail dot com 876\udfff555 0142 http://bit.ly/x\udc00"
    pred = rules_predictor.predict(text)
    assert pred.spans
    assert_valid(pred, text)


@settings(FAST, max_examples=60)
@given(value=non_str)
def test_fuzz_non_str_raises_type_error_naming_type(rules_predictor, value):
    name = type(value).__name__
    for call in (rules_predictor.predict, msgrisk.redact, rules.parse,
                 lambda v: rules_predictor.predict_batch([v])):
        with pytest.raises(TypeError, match=name):
            call(value)


def test_fuzz_run_fuzz_counts_cases_without_failures(rules_predictor):
    report = hardening.run_fuzz(40, seed=1, predictor=rules_predictor)
    assert report["n_cases"] == 40
    assert set(report["by_problem"]) <= {hardening.KNOWN_PARSE_DEFECT}, report["failures"]


@pytest.mark.slow
def test_fuzz_run_fuzz_big_run_writes_reports(tmp_path, rules_predictor):
    out = hardening.run_hardening_bench(tmp_path, n_fuzz=2_000, repeats=3,
                                        predictor=rules_predictor)
    # only the rules.parse defect above may show up; predict/predict_batch/redact are clean
    assert set(out["fuzz"]["by_problem"]) <= {hardening.KNOWN_PARSE_DEFECT}
    assert (tmp_path / "fuzz.json").is_file() and (tmp_path / "bench.json").is_file()
    assert out["hostile_inputs"]["worst_predict"]["max_ms"] < 5_000
