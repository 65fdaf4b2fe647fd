"""Normalisation: de-obfuscation with offsets mapped back to the original text."""

from __future__ import annotations

import re
import time

import pytest

from msgrisk.rules import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call ８７６５５５０１４２", "8765550142"),
        ("8️⃣7️⃣6️⃣5️⃣5️⃣5️⃣0️⃣1️⃣4️⃣2️⃣", "8765550142"),
        ("eight seven six five five five oh one four two", "8765550142"),
        ("8 7 6 5 5 5 0 1 4 2", "8765550142"),
        ("john dot brown at gmail dot com", "john.brown@gmail.com"),
        ("john[at]yahoo(dot)com", "john@yahoo.com"),
        ("w h a t s a p p", "whatsapp"),
        ("w.h.a.t.s.a.p.p", "whatsapp"),
        ("T E L E G R A M", "telegram"),
        ("wh4tsapp", "whatsapp"),
        ("whats@pp", "whatsapp"),
        ("what\u200bs\u200dapp", "whatsapp"),
        ("send the nubmer", "number"),
        # digits glued to number words, Patois "tree", o / l for 0 / 1 in spaced digits
        ("876 55five o1six3", "876 555 0163"),
        ("876 3two1 8o45", "876 321 8045"),
        ("eight seven six, tree two one, 4 four 0 nine", "8763214409"),
        ("876 - 5 5 5 - O l 5 4", "5550154"),
    ],
)
def test_normalize_deobfuscates(text: str, expected: str) -> None:
    assert expected in normalize(text).text


@pytest.mark.parametrize(
    "text",
    ["KX-87655501", "1Z999AA10123456784", "JMD 8,765.00", "john@gmail.com", "24hrs at 5pm",
     "i saw a tree two days ago", "the o l d house, 5 people", "2o2o", "buy 2 get 1 free"],
)
def test_normalize_keeps_ids_and_emails(text: str) -> None:
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(
    ("text", "needle", "original"),
    [
        ("text me on w h a t s a p p at eight seven six 555 0142", "whatsapp", "w h a t s a p p"),
        ("text me on w h a t s a p p at eight seven six 555 0142", "8765550142",
         "eight seven six 555 0142"),
        ("Ｃall ８７６５５５０１４２ now", "8765550142", "８７６５５５０１４２"),
        ("mail john dot brown at gmail dot com", "john.brown@gmail.com",
         "john dot brown at gmail dot com"),
    ],
)
def test_normalize_maps_spans_to_original(text: str, needle: str, original: str) -> None:
    norm = normalize(text)
    m = re.search(re.escape(needle), norm.text)
    assert m is not None
    start, end = norm.to_original(*m.span())
    assert text[start:end] == original


@pytest.mark.parametrize("text", ["", " ", "\ud800 lone \udfff", "\x00\x01\x7f", "İstanbul ﬁ"])
def test_normalize_odd_input_does_not_crash(text: str) -> None:
    norm = normalize(text)
    assert norm.to_original(0, len(norm.text))[1] <= len(text)


def test_normalize_rejects_non_str() -> None:
    with pytest.raises(TypeError, match="bytes"):
        normalize(b"hello")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["1" * 50000, "@" * 50000, "a." * 30000, "1 " * 50000, "one " * 20000, "x dot " * 10000]
)
def test_normalize_redos_shapes_are_fast(text: str) -> None:
    start = time.perf_counter()
    normalize(text)
    assert time.perf_counter() - start < 1.0
