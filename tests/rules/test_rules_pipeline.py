"""spaCy pipeline, parse / parse_batch, features, overrides and redaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from msgrisk.rules import FEATURE_NAMES, ParsedMessage, build_nlp, parse, parse_batch, redact
from msgrisk.rules.verdicts import votes

TEXTS = [
    "text me on w h a t s a p p at eight seven six 555 0142",
    "KX Security Team: your account will be suspended, verify within 24 hours",
    "you useless tief, mi know where yuh live",
    "I guarantee it arrives Friday",
    "tracking 1Z999AA10123456784 for order KX-87655501",
    "",
    "   ",
    "\ud800 lone surrogate \x00",
]


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return build_nlp()


def test_pipeline_has_lemmas_and_spans(nlp) -> None:  # type: ignore[no-untyped-def]
    msg = parse("I was running to the stores, call me on 876-555-0142", nlp)
    assert isinstance(msg, ParsedMessage)
    assert [t.lemma_ for t in msg.doc][:5] == ["I", "be", "run", "to", "the"]
    assert msg.doc._.msgrisk_spans == tuple(msg.spans)


def test_pipeline_parse_batch_equals_parse(nlp) -> None:  # type: ignore[no-untyped-def]
    batch = parse_batch(TEXTS, nlp, batch_size=3)
    single = [parse(t, nlp) for t in TEXTS]
    assert [m.spans for m in batch] == [m.spans for m in single]
    assert [votes(m) for m in batch] == [votes(m) for m in single]
    assert [m.normalized for m in batch] == [m.normalized for m in single]


def test_pipeline_features_have_fixed_keys(nlp) -> None:  # type: ignore[no-untyped-def]
    for msg in parse_batch(TEXTS, nlp):
        feats = msg.features()
        assert tuple(feats) == FEATURE_NAMES
        assert all(isinstance(v, float) for v in feats.values())
    assert parse(TEXTS[0], nlp).features()["n_phone"] == 1.0


def test_nonzero_features_are_the_nonzero_entries_in_order(nlp) -> None:  # type: ignore[no-untyped-def]
    texts = [*TEXTS, "I DON'T use WhatsApp!!! why?", "Never share your OTP or password",
             "ABCDEFGH lowercase", "order 12345678 ok"]
    for msg in parse_batch(texts, nlp):
        full = msg.features()
        nonzero = msg.nonzero_features()
        assert list(nonzero.items()) == [(k, v) for k, v in full.items() if v]
    assert parse("I DON'T use WhatsApp!!!", nlp).nonzero_features()["n_exclaim"] == 3.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me 876-555-0142", {"off_platform"}),
        ("mail me at jb@gmail.com", {"off_platform"}),
        ("send me the OTP you just got", {"suspicious"}),
        ("what is your password", {"suspicious"}),
        ("I don't use WhatsApp, keep it here", set()),
        ("order KX-87655501 total JMD 8,765.00", set()),
    ],
)
def test_pipeline_override_labels(nlp, text: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert parse(text, nlp).override_labels() == expected


def test_pipeline_rejects_non_str(nlp) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="int"):
        parse(42, nlp)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="NoneType"):
        parse_batch(["ok", None], nlp)  # type: ignore[list-item]


def test_pipeline_long_input_does_not_crash(nlp) -> None:  # type: ignore[no-untyped-def]
    msg = parse("call me 876-555-0142 " + "word " * 20000, nlp)
    assert "off_platform" in msg.override_labels()


def test_pipeline_round_trips_to_disk(nlp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    nlp.to_disk(tmp_path / "nlp")
    code = (
        "import sys, spacy, msgrisk.rules\n"
        f"nlp = spacy.load({str(tmp_path / 'nlp')!r})\n"
        "doc = nlp('call me on 876-555-0142')\n"
        "print(nlp.pipe_names, [s.kind for s in doc._.msgrisk_spans], doc[1].lemma_)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "msgrisk_detectors" in out.stdout
    assert "'phone'" in out.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 876-555-0142 now", "call [PHONE] now"),
        ("mail john dot brown at gmail dot com", "mail [EMAIL]"),
        ("IG: mary_j88", "IG: [HANDLE]"),
        ("see https://bit.ly/3xYz", "see [URL]"),
        ("card 4111 1111 1111 1111 ok", "card [CARD] ok"),
        ("tracking 1Z999AA10123456784", "tracking 1Z999AA10123456784"),
        ("order KX-87655501 JMD 8,765.00", "order KX-87655501 JMD 8,765.00"),
        ("", ""),
    ],
)
def test_pipeline_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_detector_component_reads_the_handed_text_or_rebuilds_it():
    from msgrisk import rules
    from msgrisk.rules.pipeline import TEXT_KEY

    nlp = rules.build_nlp()
    text = "text me on w h a t s a p p 876 555 0142"
    direct = nlp(text)  # no handed text: the component rebuilds it from the tokens
    handed = nlp.make_doc(text)
    handed.user_data[TEXT_KEY] = text
    handed = nlp(handed)
    assert TEXT_KEY not in handed.user_data  # popped: nothing left on the doc
    assert handed._.msgrisk_spans == direct._.msgrisk_spans and direct._.msgrisk_spans
    assert handed._.msgrisk_normalized == direct._.msgrisk_normalized
