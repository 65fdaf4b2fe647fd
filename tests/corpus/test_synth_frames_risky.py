"""Checks for the hand-written ``suspicious`` and ``off_platform`` frame modules."""

from __future__ import annotations

import string
from types import ModuleType

import pytest

from msgrisk.corpus.synth import frames_off_platform, frames_suspicious
from msgrisk.corpus.synth.frame import LANGS, ROLES
from msgrisk.labels import FINE, OFF_PLATFORM, SUSPICIOUS, canonical

KNOWN_SLOTS = {
    "name", "me", "town", "product", "price", "order_id", "tracking", "courier", "day",
    "date", "time", "qty", "phone", "email", "handle", "app", "pay", "bank", "site",
    "bad_url", "code_len", "prize",
}  # fmt: skip

# (module, label every frame must carry, group prefix)
MODULES = [
    pytest.param(frames_suspicious, SUSPICIOUS, "sus.", id="suspicious"),
    pytest.param(frames_off_platform, OFF_PLATFORM, "off.", id="off_platform"),
]


def _slots(template: str) -> set[str]:
    """Field names of a template; raises ValueError on unbalanced braces."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_count_at_least_230(module: ModuleType, label: str, prefix: str) -> None:
    assert len(module.FRAMES) >= 230


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_ids_and_templates_unique(module: ModuleType, label: str, prefix: str) -> None:
    ids = [f.frame_id for f in module.FRAMES]
    templates = [f.template.casefold() for f in module.FRAMES]
    assert len(ids) == len(set(ids))
    assert len(templates) == len(set(templates))
    assert all(frame_id.startswith(prefix) for frame_id in ids)


def test_frames_risky_ids_unique_across_modules() -> None:
    sus = {f.frame_id for f in frames_suspicious.FRAMES}
    off = {f.frame_id for f in frames_off_platform.FRAMES}
    assert not sus & off


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_only_known_slots(module: ModuleType, label: str, prefix: str) -> None:
    for frame in module.FRAMES:
        slots = _slots(frame.template)  # ValueError here means a stray literal brace
        assert slots <= KNOWN_SLOTS, (frame.frame_id, slots - KNOWN_SLOTS)
        assert all(slot.isidentifier() for slot in slots), frame.frame_id


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_labels_canonical_and_carry_module_label(
    module: ModuleType, label: str, prefix: str
) -> None:
    for frame in module.FRAMES:
        assert frame.labels == canonical(frame.labels), frame.frame_id
        assert FINE not in frame.labels, frame.frame_id
        assert label in frame.labels, frame.frame_id
        assert not frame.hard_negative, frame.frame_id
        assert frame.role in (*ROLES, None) and frame.lang in LANGS, frame.frame_id


def test_frames_risky_off_platform_module_has_no_suspicious() -> None:
    # suspicious|off_platform frames belong in the suspicious module
    assert all(SUSPICIOUS not in f.labels for f in frames_off_platform.FRAMES)


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_language_mix(module: ModuleType, label: str, prefix: str) -> None:
    langs = [f.lang for f in module.FRAMES]
    assert langs.count("patois") / len(langs) >= 0.05
    assert langs.count("es") >= 3


@pytest.mark.parametrize(("module", "label", "prefix"), MODULES)
def test_frames_risky_has_multilabel_and_length_variety(
    module: ModuleType, label: str, prefix: str
) -> None:
    assert sum(len(f.labels) > 1 for f in module.FRAMES) >= 10
    words = [len(f.template.split()) for f in module.FRAMES]
    assert min(words) <= 3 and max(words) >= 20
