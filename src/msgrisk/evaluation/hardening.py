"""Hardening checks: fuzzing the public API and timing it on hostile inputs.

``run_fuzz`` feeds seeded random strings (lone surrogates, control and bidi characters,
zero-width joiners, combining marks, emoji floods, risky fragments, long repeated
chunks) through ``predict``, ``predict_batch``, ``redact`` and ``rules.parse`` and counts
contract violations. ``hostile_latency`` times the ReDoS / tokenizer-blowup shapes.
Both return plain dicts for ``reports/bench.json``; no message text is logged.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msgrisk import labels
from msgrisk.labels import ALL_LABELS, RISK_LABELS

#: Character pools the fuzzer draws from (each is a reason the text could break something).
POOLS: dict[str, str] = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,!?'\"@#:/-_()[]{}",
    "digits": "0123456789 -+().",
    "control": "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])),
    "surrogate": "\ud800\udbff\udc00\udfff\ud83d\ude00",
    "bidi": "\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u2066\u2067\u2068\u2069",
    "zero_width": "\u200b\u200c\u200d\u2060\ufeff",
    "combining": "".join(map(chr, range(0x300, 0x370))),
    "emoji": "😀🔥👍🏽💯🤬📞📱💸🇯🇲\u20e3\ufe0f",
    "fullwidth": "０１２３４５６７８９＠ｗｈａｔｓ",
}
#: A known rules defect (reported): ``rules.parse`` spans keep the surrogate-sanitised text.
KNOWN_PARSE_DEFECT = "parse span not on the original text"
#: Fragments that make detectors fire, so fuzzing exercises the span and redaction paths.
FRAGMENTS = (
    "whatsapp", "w h a t s a p p", "876 555 0142", "eight seven six", "8️⃣7️⃣6️⃣",
    "shan.b@gmail.com", "gmail dot com", "@shanice_styles", "http://bit.ly/x", "https://",
    "kingstonexpress-support.help/refund", "send the otp code", "4111 1111 1111 1111",
    "you useless thief", "I guarantee it arrives Friday", "refund you right now", "((", "))",
    "\"'", "_'", "a:", "!?", " ",
)


def hostile_cases() -> dict[str, str]:
    """Named ReDoS / tokenizer-blowup shapes, most 40k-100k characters long."""
    return {
        "digits_50k": "1" * 50_000,
        "at_signs_50k": "@" * 50_000,
        "a_dot_60k": "a." * 30_000,
        "spaced_whatsapp": "w h a t s a p p " * 5_000,
        "spaced_eights": "8 " * 20_000,
        "zero_width_50k": "\u200b" * 50_000,
        "emoji_flood_20k": "😀" * 20_000,
        "emoji_keycaps": "8️⃣7️⃣6️⃣" * 5_000,
        "long_url": "https://kx.example/" + "a/" * 25_000 + "?q=" + "b" * 1_000,
        "nested_brackets": "(" * 20_000 + ")" * 20_000,
        "quote_pairs": "\"'" * 20_000,
        "underscore_quote": "_'" * 20_000,
        "at_dot_words": "at dot " * 10_000,
        "dashed_digits": "1-" * 25_000,
        "email_run": "a" * 50_000 + "@",
        "many_emails": "a@b." * 12_000,
        "phones_repeated": "876 555 0142 " * 4_000,
        "spelled_digits": "eight seven six " * 4_000,
        "newlines_50k": "\n" * 50_000,
        "combining_flood": "e" + "\u0301" * 50_000,
        "rtl_flood": "\u202e" * 25_000 + "abc" * 1_000,
        "surrogates": "\ud800" * 30_000,
        # 20k = serve's max_text_chars; the promise detector is quadratic in marker count
        "promise_repeated_20k": ("I guarantee it arrives Friday 🔥 " * 700)[:20_000],
    }


def fuzz_text(rng: random.Random, max_len: int = 100_000) -> str:
    """One random text: mixed pools and fragments, sometimes a long repeated chunk."""
    parts: list[str] = []
    for _ in range(rng.randint(0, 12)):
        kind = rng.random()
        if kind < 0.35:
            pool = POOLS[rng.choice(list(POOLS))]
            parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 20))))
        elif kind < 0.7:
            parts.append(rng.choice(FRAGMENTS))
        elif kind < 0.85:
            parts.append(chr(rng.randint(0, 0x10FFFF)))
        else:
            parts.append(" ")
    text = "".join(parts)
    if text and rng.random() < 0.1:  # long texts are repeated chunks, not random noise
        text = (text * (max_len // len(text) + 1))[: rng.randint(1, max_len)]
    return text


def check_prediction(pred: Any, text: str) -> list[str]:
    """Contract violations of one Prediction for ``text`` (empty list when valid)."""
    problems = []
    if not set(pred.labels) <= set(ALL_LABELS) or pred.labels != labels.canonical(pred.labels):
        problems.append("labels not canonical")
    if pred.primary != labels.primary(pred.labels):
        problems.append("primary mismatch")
    if set(pred.scores) != set(RISK_LABELS) or not all(
            0.0 <= s <= 1.0 for s in pred.scores.values()):
        problems.append("scores outside [0, 1]")
    for s in pred.spans:
        if not (0 <= s.start <= s.end <= len(text)) or text[s.start:s.end] != s.text:
            problems.append("span not on the original text")
            break
    return problems


def _fuzz_one(predictor: Any, text: str, parse: Callable[[str], Any], redact: Callable[[str], str]
              ) -> list[str]:
    problems = check_prediction(predictor.predict(text), text)
    batch = predictor.predict_batch(["ok", text])[1]
    if batch.to_dict() != predictor.predict(text).to_dict():
        problems.append("batch != single")
    if not isinstance(redact(text), str):
        problems.append("redact returned non-str")
    if len(text) <= 20_000:  # rules.parse does not truncate: bound the cost of one fuzz case
        msg = parse(text)
        if any(text[s.start:s.end] != s.text for s in msg.spans):
            problems.append(KNOWN_PARSE_DEFECT)
    return problems


def run_fuzz(n_cases: int = 1_000, seed: int = 0, predictor: Any | None = None) -> dict[str, Any]:
    """Fuzz the public API with ``n_cases`` seeded texts; counts, timings and failures."""
    from msgrisk import rules
    from msgrisk.serving.predict import Predictor, redact

    predictor = predictor if predictor is not None else Predictor(None, fallback_reason="fuzz")
    rng = random.Random(seed)
    failures: list[dict[str, Any]] = []
    started = time.perf_counter()
    slowest = 0.0
    for i in range(n_cases):
        text = fuzz_text(rng)
        t0 = time.perf_counter()
        try:
            problems = _fuzz_one(predictor, text, lambda t: rules.parse(t, nlp=predictor.nlp),
                                 redact)
        except Exception as err:  # a crash is a finding, not a reason to stop fuzzing
            problems = [f"{type(err).__name__}: {str(err)[:120]}"]
        slowest = max(slowest, time.perf_counter() - t0)
        if problems:  # fuzz inputs are synthetic, so a short repr is safe to keep
            failures.append({"case": i, "problems": problems, "len": len(text),
                             "head": ascii(text[:60])})
    for bad in (None, 42, b"bytes", ["list"], 3.5):
        try:
            predictor.predict(bad)  # type: ignore[arg-type]
            failures.append({"case": "non-str", "problems": [f"accepted {type(bad).__name__}"]})
        except TypeError:
            pass
    by_problem: dict[str, int] = {}
    for failure in failures:
        for problem in failure["problems"]:
            by_problem[problem] = by_problem.get(problem, 0) + 1
    return {
        "n_cases": n_cases, "seed": seed, "mode": predictor.mode,
        "n_failures": len(failures), "by_problem": by_problem, "failures": failures[:20],
        "seconds": round(time.perf_counter() - started, 2), "slowest_case_s": round(slowest, 3),
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(p99 * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


def hostile_latency(repeats: int = 5, predictor: Any | None = None) -> dict[str, Any]:
    """p50/p99/max latency of ``predict`` and (full-length) ``redact`` per hostile case."""
    from msgrisk.serving.predict import Predictor, redact

    predictor = predictor if predictor is not None else Predictor(None, fallback_reason="bench")
    predictor.predict("warm up")
    cases: dict[str, Any] = {}
    for name, text in hostile_cases().items():
        pred_t, red_t = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            predictor.predict(text)
            pred_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            redact(text)
            red_t.append(time.perf_counter() - t0)
        cases[name] = {"chars": len(text), "predict": _quantiles(pred_t),
                       "redact": _quantiles(red_t)}
    worst = max(cases, key=lambda k: cases[k]["predict"]["max_ms"])
    worst_redact = max(cases, key=lambda k: cases[k]["redact"]["max_ms"])
    return {"repeats": repeats, "mode": predictor.mode, "max_chars": predictor.max_chars,
            "worst_predict": {"case": worst, **cases[worst]["predict"]},
            "worst_redact": {"case": worst_redact, **cases[worst_redact]["redact"]},
            "cases": cases}


def run_hardening_bench(reports_dir: Path, n_fuzz: int = 2_000, repeats: int = 5,
                        predictor: Any | None = None) -> dict[str, Any]:
    """Run both checks on ``predictor`` (default: the served one, ``load_predictor()``);
    write ``reports/fuzz.json`` and the ``fuzz`` / ``hostile_inputs`` bench.json sections."""
    from msgrisk.evaluation.reporting import merge_json_section, write_json
    from msgrisk.serving.predict import load_predictor

    predictor = predictor if predictor is not None else load_predictor()
    fuzz = run_fuzz(n_fuzz, predictor=predictor)
    hostile = hostile_latency(repeats, predictor=predictor)
    write_json(Path(reports_dir) / "fuzz.json", fuzz)
    bench = Path(reports_dir) / "bench.json"
    merge_json_section(bench, "fuzz", fuzz)
    merge_json_section(bench, "hostile_inputs", hostile)
    return {"fuzz": fuzz, "hostile_inputs": hostile}
