"""The literal prefilter never skips a detector that would fire (same spans with and without)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msgrisk import config, rules
from msgrisk.rules import contact, fraud, pipeline, tone
from msgrisk.rules.normalize import normalize
from msgrisk.rules.prefilter import ALL, DETECTORS, Gates, Prefilter, required_literals

ADVERSARIAL = [
    "", " ", "\t\n", "\u200b\u200c\ufeff", "1" * 5000, "😀" * 300, "\ud800", "a\ud800b",
    "w h a t s a p p", "w.h.a.t.s.a.p.p me", "wh4tsapp me", "whats@pp", "t-e-l-e-g-r-a-m me",
    "call me on 876 555 0142", "+1 (876) 555-0142", "+44 20 7946 0958", "(876)5550142",
    "eight seven six five five five zero one four two", "my number is 8765550142",
    "john dot doe at gmail dot com", "john [at] gmail [dot] com", "me @ gmail.com",
    "support@kingstonexpress.com", "@johnny_22", "IG: shop_queen_22", "my snap is name_22",
    "https://bit.ly/abc", "www.kingston-express-verify.com/login", "wa.me/18765550142",
    "4111 1111 1111 1111", "send me the OTP", "send me the 0TP", "what's the code you got",
    "give me your password", "your account will be suspended", "you have won a prize",
    "I guarantee it arrives Friday", "I'll refund you right now", "you are a thief", "f*** you",
    "stfu", "I know where you live", "leave a 5 star review and I'll refund you",
    "cancel the dispute", "ＷＨＡＴＳＡＰＰ me", "İstanbul", "1️⃣2️⃣3️⃣", "don't use whatsapp",
    "pay via zelle or cash app", "paypal f&f only", "ppf n f", "the green app", "gr33n app",
    "nubmer plz", "rfeund now", "tief!", "LIAR", "gweh", "mark it as delivered",
]


def _corpus(tiny_paths: config.Paths) -> list[str]:
    gold = pd.read_csv(config.PROJECT_ROOT / "data" / "gold" / "gold.csv")["text"].tolist()
    raw = pd.read_parquet(tiny_paths.raw / "messages.parquet")["text"].tolist()
    return [str(t) for t in gold] + [str(t) for t in raw[:1500]] + ADVERSARIAL


def _same(text: str) -> None:
    fast, full = rules.detect(text), rules.detect(text, prefilter=False)
    assert [(*s.sort_key(), s.kind, s.text, s.normalized) for s in fast.spans] == \
        [(*s.sort_key(), s.kind, s.text, s.normalized) for s in full.spans], text
    assert fast.negated == full.negated, text


def test_prefilter_never_changes_detection_on_corpus_and_hostile_strings(tiny_paths):
    for text in _corpus(tiny_paths):
        _same(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "call", "me", "whatsapp", "w h a t s", "876", "555", "0142", "@", "gmail", ".com", "otp",
    "code", "password", "refund", "guarantee", "thief", "review", "5 star", "kx", "account",
    "suspended", "verify", "won", "prize", "zelle", "f&f", "ig", "snap", "one", "eight", "😀",
    "don't", "you", "\u200b", "http://", "www.", "!", "?", "\n", "1", "4",
]) | st.text(max_size=6), max_size=25), st.sampled_from([" ", "", "-", "."]))
def test_prefilter_property_random_token_soup(parts, sep):
    _same(sep.join(parts))


def test_every_cover_literal_is_in_every_match(tiny_paths):
    """Soundness of required_literals on real matches of every registered pattern."""
    patterns = [r.pattern for r in (*contact.CONTACT_RULES, *fraud.FRAUD_RULES,
                                    *tone.AGGRESSIVE_RULES, *tone.PROMISE_RULES)]
    patterns += [contact._URL, contact._EMAIL, contact._LABELLED_HANDLE, contact._APP_RX,
                 contact._APP_ALWAYS_RX, tone._VOCATIVE, tone._PROMISE_REFUND, tone._MARKER]
    covers = [(p, required_literals(p)) for p in patterns]
    assert sum(c is not None for _, c in covers) >= len(covers) - 1
    checked = 0
    for text in _corpus(tiny_paths):
        norm = normalize(rules.sanitize(text)).text
        for pattern, cover in covers:
            if cover is None:
                continue
            for m in pattern.finditer(norm):
                checked += 1
                assert any(lit in m.group(0) for lit in cover), (pattern.pattern[:60], m.group(0))
    assert checked > 100


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\b(?:[o0]tp|2fa)\b", {"otp", "0tp", "2fa"}),
    (r"\bcash\s?app\b", {"cash"}),
    (r"(?:pass)?(?:code|pin)", {"code", "pin"}),  # "passcode" contains "code": minimal set
    (r"i(?:'ll| will) (?:find|hurt) you", {"i'll find you", "i'll hurt you", "i will find you",
                                           "i will hurt you"}),
    (r"\bgr[e3]{2}n app\b", {"en app", "3n app"}),
    (r"(?:https?://|www\.)\S+", {"http://", "https://", "www."}),
    (r"(?<![a-z])@([a-z_]{2,})", {"@"}),
])
def test_required_literals_examples(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [
    r"\d{7}", r"(?:call|\w+) me", r"x*", r"(?i)whatsapp", r"[^a]+b?", r"(a)\1",
])
def test_required_literals_gives_up_when_nothing_is_provable(pattern):
    cover = required_literals(pattern)
    if cover is not None:  # "(?:call|\w+) me" may still prove " me"
        rx = re.compile(pattern)
        for sample in ("call me", "xyz me", "aaa", "b"):
            for m in rx.finditer(sample):
                assert any(lit in m.group(0) for lit in cover)
    assert required_literals(r"(?i)whatsapp") is None
    assert required_literals(r"x*") is None


def test_prefilter_bitmask():
    pf = Prefilter()
    a = pf.add({"pass", "pwd"})
    b = pf.add({"card"}, {"number", "no"})
    c = pf.add(None)
    same = pf.add({"pwd", "pass"})
    assert same == a and c == Gates(0)
    assert pf.scan("zzz here") == 0
    assert a.allows(pf.scan("my password"))
    assert not b.allows(pf.scan("card"))  # needs both gates
    assert b.allows(pf.scan("card number"))
    assert b.allows(pf.scan("nocard"))  # overlapping literals are all seen
    assert c.allows(0) and all(g.allows(ALL) for g in (a, b, c))
    # a literal that is a prefix of a longer one found at the same position still counts
    pf2 = Prefilter()
    short = pf2.add({"pin"})
    long = pf2.add({"pinned"})
    assert short.allows(pf2.scan("pinned")) and long.allows(pf2.scan("pinned"))
    assert short.allows(pf2.scan("pink")) and not long.allows(pf2.scan("pink"))


def test_detectors_registered_once_and_scan_is_cheap_to_share():
    assert len(DETECTORS.literals) > 100
    mask = DETECTORS.scan("send me the otp code")
    assert mask and pipeline.detect("send me the otp code").spans


def test_pipeline_text_equals_sanitized_input(tiny_paths):
    """parse_batch compares with the sanitized input instead of rebuilding doc.text."""
    texts = _corpus(tiny_paths)[:400]
    nlp = rules.default_nlp()
    for text, doc in zip(texts, nlp.pipe([rules.sanitize(t) for t in texts]), strict=True):
        assert doc.text == rules.sanitize(text)
