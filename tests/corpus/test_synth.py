"""Tests for the synthetic corpus engine (slots, perturbations, frames, generator)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest

from msgrisk.corpus.synth.frame import Frame
from msgrisk.corpus.synth.frames_fine import FRAMES as FINE_FRAMES
from msgrisk.corpus.synth.generator import (
    MESSAGE_COLUMNS,
    TRUTH_COLUMNS,
    load_frames,
    synthesize,
    validate_frames,
    write_corpus,
)
from msgrisk.corpus.synth.perturb import perturb
from msgrisk.corpus.synth.slots import KNOWN_SLOTS, fill, fill_phone, fill_price, slots_of
from msgrisk.labels import FINE, RISK_LABELS, parse

SMALL = 1_500


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthesize(seed=3, n_messages=SMALL)


def _files(out: Path) -> dict[str, bytes]:
    return {
        name: (out / name).read_bytes()
        for name in ("messages.parquet", "truth.parquet", "messages.csv")
    }


def test_synth_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", seed=7, n_messages=400)
    write_corpus(tmp_path / "b", seed=7, n_messages=400)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_synth_other_seed_gives_other_bytes(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", seed=7, n_messages=400)
    write_corpus(tmp_path / "b", seed=8, n_messages=400)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert all(a[name] != b[name] for name in a)


def test_synth_writes_report(tmp_path: Path) -> None:
    report = write_corpus(tmp_path / "raw", seed=1, n_messages=300, reports_dir=tmp_path / "rep")
    assert (tmp_path / "rep" / "corpus.json").is_file()
    assert report["n_messages"] == 300
    assert set(report["distinct_frames"]) == {*RISK_LABELS, FINE}


def test_synth_columns_are_exact(small: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    messages, truth = small
    assert tuple(messages.columns) == MESSAGE_COLUMNS
    assert tuple(truth.columns) == TRUTH_COLUMNS
    assert str(messages["sent_at"].dt.tz) == "UTC"
    assert truth["obfuscated"].dtype == bool and truth["hard_negative"].dtype == bool
    assert set(messages["sender_role"]) == {"buyer", "seller"}
    assert set(messages["fulfillment"]) == {"dispatched_by_kx", "seller_managed"}


def test_synth_ids_unique_and_threads_well_formed(
    small: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    messages, truth = small
    assert len(messages) == SMALL and messages["message_id"].is_unique
    assert (messages["message_id"] == truth["message_id"]).all()
    assert messages["order_id"].str.fullmatch(r"KX-\d{8}").all()
    sizes = messages.groupby("thread_id").size()
    assert sizes.between(3, 10).all() and len(sizes) >= SMALL / 10
    assert (messages.groupby("thread_id")["order_id"].nunique() == 1).all()
    ordered = messages.sort_values("message_id")
    assert ordered.groupby("thread_id")["sent_at"].apply(lambda s: s.is_monotonic_increasing).all()


def test_synth_labels_valid_and_priors_in_bounds() -> None:
    messages, truth = synthesize(seed=5, n_messages=6_000)
    sets = truth["labels"].map(parse)
    risk_share = (truth["labels"] != FINE).mean()
    assert 0.15 <= risk_share <= 0.25
    available = {lab for f in load_frames() for lab in f.labels}
    for lab in RISK_LABELS:
        if lab in available:
            assert sets.map(lambda s, lab=lab: lab in s).mean() >= 0.04
    assert 0.06 <= (truth["lang"] == "patois").mean() <= 0.16
    assert 0.0 < (truth["lang"] == "es").mean() <= 0.06
    fine = truth["labels"] == FINE
    assert 0.08 <= truth.loc[fine, "hard_negative"].mean() <= 0.22
    # Fine frames only mention channels, so their contact details are never obfuscated.
    assert not truth.loc[fine, "obfuscated"].any()
    assert messages["text"].str.len().gt(0).all()


def test_synth_every_frame_fills_without_leftover_slots() -> None:
    frames = load_frames()
    rng = random.Random(0)
    for frame in frames:
        assert set(slots_of(frame.template)) <= KNOWN_SLOTS, frame.frame_id
        for _ in range(3):
            segments, _ = fill(frame.template, rng, plain=frame.labels == (FINE,))
            literal = "".join(s.text for s in segments if s.slot is None)
            assert all(s.text for s in segments if s.slot), frame.frame_id
            assert not re.search(r"\{\w+\}", literal), frame.frame_id


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ([Frame("x.000", "hi {nope}", (FINE,))], "unknown slot"),
        ([Frame("x.000", "hi", (FINE,)), Frame("x.000", "yo", (FINE,))], "duplicate frame id"),
    ],
)
def test_synth_validate_frames_rejects_bad_frames(frames: list[Frame], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        validate_frames(frames)


def test_synth_fine_frames_are_many_and_varied() -> None:
    assert len(FINE_FRAMES) >= 350
    assert all(f.labels == (FINE,) for f in FINE_FRAMES)
    assert len({f.template for f in FINE_FRAMES}) == len(FINE_FRAMES)
    assert sum(f.lang == "patois" for f in FINE_FRAMES) >= 0.08 * len(FINE_FRAMES)
    assert any(f.lang == "es" for f in FINE_FRAMES)
    assert sum(f.hard_negative for f in FINE_FRAMES) >= 100


def test_synth_perturb_keeps_slot_values_intact() -> None:
    rng = random.Random(11)
    template = "Hi {name}, call {phone} or check order {order_id} paid {price} ok?"
    for _ in range(300):
        segments, _ = fill(template, rng)
        text = perturb(segments, rng, "en", other="Ann", me="Bob")
        for seg in segments:
            if seg.slot in {"phone", "order_id", "price"}:
                assert seg.text in text


def test_synth_phone_and_price_fillers_look_numeric() -> None:
    rng = random.Random(2)
    phones = [fill_phone(rng) for _ in range(400)]
    assert any(obf for _, obf in phones) and any(not obf for _, obf in phones)
    assert all(sum(c.isdigit() for c in text) >= 7 for text, obf in phones if not obf)
    prices = [fill_price(rng)[0] for _ in range(200)]
    assert all(any(c.isdigit() for c in p) for p in prices)
    assert len(set(prices)) > 150


def test_synth_default_size_meets_corpus_targets() -> None:
    messages, truth = synthesize(seed=0)
    from msgrisk.corpus.synth.report import corpus_report

    report = corpus_report(messages, truth)
    assert report["n_messages"] == 32_000 and report["n_threads"] >= 5_000
    for lab in RISK_LABELS:
        assert report["label_counts"][lab] >= 1_500, lab
    assert all(count > 0 for count in report["label_pair_counts"].values())
