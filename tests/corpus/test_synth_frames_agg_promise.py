"""Shape and label checks for the aggressive, promise and mixed hand-written frames."""

from __future__ import annotations

import string
from types import ModuleType

import pytest

from msgrisk.corpus.synth import frames_aggressive, frames_mixed, frames_promise
from msgrisk.corpus.synth.frame import LANGS, ROLES, Frame
from msgrisk.labels import FINE, RISK_LABELS, canonical

#: The slot vocabulary documented in ``msgrisk.corpus.synth.frame``.
KNOWN_SLOTS = frozenset(
    {
        "name",
        "me",
        "town",
        "product",
        "price",
        "order_id",
        "tracking",
        "courier",
        "day",
        "date",
        "time",
        "qty",
        "phone",
        "email",
        "handle",
        "app",
        "pay",
        "bank",
        "site",
        "bad_url",
        "code_len",
        "prize",
    }
)
#: Slots whose filler is itself an off-platform or suspicious signal.
RISKY_SLOTS = frozenset(
    {"phone", "email", "handle", "app", "pay", "bank", "site", "bad_url", "prize", "code_len"}
)

MODULES: dict[str, tuple[ModuleType, str, int]] = {
    "aggressive": (frames_aggressive, "agg.", 230),
    "promise": (frames_promise, "pro.", 230),
    "mixed": (frames_mixed, "mix.", 80),
}


def _slots(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _frames(key: str) -> list[Frame]:
    return MODULES[key][0].FRAMES


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_minimum_count(key: str) -> None:
    assert len(_frames(key)) >= MODULES[key][2]


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_ids_unique_and_prefixed(key: str) -> None:
    ids = [f.frame_id for f in _frames(key)]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(MODULES[key][1]) for i in ids)


def test_synth_frames_agg_promise_ids_unique_across_files() -> None:
    ids = [f.frame_id for key in MODULES for f in _frames(key)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_templates_distinct(key: str) -> None:
    texts = [f.template.casefold() for f in _frames(key)]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_only_known_slots(key: str) -> None:
    for f in _frames(key):
        assert _slots(f.template) <= KNOWN_SLOTS, f.frame_id
        # Formatting with every slot filled proves there are no stray literal braces.
        f.template.format(**{slot: "x" for slot in KNOWN_SLOTS})


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_labels_canonical_and_risky(key: str) -> None:
    for f in _frames(key):
        assert f.labels == canonical(f.labels), f.frame_id
        assert FINE not in f.labels
        assert set(f.labels) <= set(RISK_LABELS)
        assert f.role in (*ROLES, None)
        assert f.lang in LANGS
        assert not f.hard_negative


def test_synth_frames_agg_promise_aggressive_file_is_single_label() -> None:
    assert all(f.labels == ("aggressive",) for f in _frames("aggressive"))


def test_synth_frames_agg_promise_promise_file_is_single_label() -> None:
    assert all(f.labels == ("promise",) for f in _frames("promise"))


@pytest.mark.parametrize("key", ["aggressive", "promise"])
def test_synth_frames_agg_promise_single_label_files_avoid_risky_slots(key: str) -> None:
    # A phone, app or payment slot would make the message off_platform too.
    for f in _frames(key):
        assert not _slots(f.template) & RISKY_SLOTS, f.frame_id


def test_synth_frames_agg_promise_mixed_has_two_or_more_labels() -> None:
    assert all(len(f.labels) >= 2 for f in _frames("mixed"))


@pytest.mark.parametrize(
    "pair",
    [
        ("aggressive", "promise"),
        ("suspicious", "aggressive"),
        ("off_platform", "aggressive"),
        ("off_platform", "promise"),
        ("suspicious", "promise"),
        ("suspicious", "off_platform", "promise"),
    ],
)
def test_synth_frames_agg_promise_mixed_covers_pairs(pair: tuple[str, ...]) -> None:
    assert sum(f.labels == canonical(pair) for f in _frames("mixed")) >= 5


@pytest.mark.parametrize("key", list(MODULES))
def test_synth_frames_agg_promise_patois_share(key: str) -> None:
    frames = _frames(key)
    patois = sum(f.lang == "patois" for f in frames)
    assert patois / len(frames) >= 0.05


def test_synth_frames_agg_promise_mostly_seller_promises() -> None:
    frames = _frames("promise")
    sellers = sum(f.role == "seller" for f in frames)
    assert sellers / len(frames) >= 0.8
