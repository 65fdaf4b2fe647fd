"""Named, versioned labeling functions in one ordered registry (Snorkel-style).

The same registry feeds weak labeling at train time and the rules-only fallback at
predict time.  Bump an LF's ``version`` whenever its behaviour changes; bump
:data:`DETECTORS_VERSION` when a detector or lexicon changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from msgrisk.labels import RISK_LABELS

if TYPE_CHECKING:
    from msgrisk.rules.parsed import ParsedMessage

#: What an LF returns when it has no opinion (LFs only ever vote their own label).
ABSTAIN: None = None
Vote = str | None
#: Version of the detectors and lexicons the LFs read; part of :data:`RULES_VERSION`.
DETECTORS_VERSION = 1


@dataclass(frozen=True)
class LabelingFunction:
    """A rule voting ``label`` or :data:`ABSTAIN` on a :class:`ParsedMessage`."""

    name: str
    label: str
    version: int
    func: Callable[[ParsedMessage], bool]
    doc: str = ""
    #: the LF only ever votes on a message with detector spans (lets ``votes`` skip it
    #: for the ~80% of messages with none; ``test_lfs_abstain_without_spans`` checks it)
    needs_spans: bool = True

    def __call__(self, msg: ParsedMessage) -> Vote:
        return self.label if self.func(msg) else ABSTAIN


LABELING_FUNCTIONS: list[LabelingFunction] = []


def labeling_function(
    label: str, version: int = 1, needs_spans: bool = True
) -> Callable[[Callable[[ParsedMessage], bool]], LabelingFunction]:
    """Register a predicate as an LF voting ``label`` when it returns True.

    Pass ``needs_spans=False`` for an LF that can vote on a message without any detector
    span (e.g. one reading the raw text); every other LF is skipped on such messages.
    """
    if label not in RISK_LABELS:
        raise ValueError(f"LF label must be one of {list(RISK_LABELS)}, got {label!r}")

    def wrap(func: Callable[[ParsedMessage], bool]) -> LabelingFunction:
        name = func.__name__
        if any(lf.name == name for lf in LABELING_FUNCTIONS):
            raise ValueError(f"duplicate labeling function name {name!r}; rename one of them")
        lf = LabelingFunction(name, label, version, func, (func.__doc__ or "").strip(),
                              needs_spans)
        LABELING_FUNCTIONS.append(lf)
        return lf

    return wrap


def spanless_lfs() -> list[LabelingFunction]:
    """The LFs that may vote on a message without detector spans (computed once per
    registry size: LFs register at import time, and ``votes`` asks for every message)."""
    cached = _SPANLESS.get(len(LABELING_FUNCTIONS))
    if cached is None:
        _SPANLESS.clear()
        cached = _SPANLESS[len(LABELING_FUNCTIONS)] = [
            lf for lf in LABELING_FUNCTIONS if not lf.needs_spans]
    return cached


_SPANLESS: dict[int, list[LabelingFunction]] = {}


def _source_digest() -> str:
    """Hash of the rules sources and lexicons, so a silent regex edit still changes the version."""
    root = resources.files("msgrisk.rules")
    h = hashlib.sha256()
    for folder, suffix in ((root, ".py"), (root.joinpath("lexicons"), ".txt")):
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.name.endswith(suffix):
                h.update(item.name.encode())
                h.update(item.read_bytes())
    return h.hexdigest()[:8]


def rules_version() -> str:
    """``<n>lf-<hash of LF names/labels/versions>-<hash of detector sources>``."""
    parts = [f"detectors:{DETECTORS_VERSION}"]
    parts += [f"{lf.name}:{lf.label}:{lf.version}" for lf in LABELING_FUNCTIONS]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]
    return f"{len(LABELING_FUNCTIONS)}lf-{digest}-{_source_digest()}"
