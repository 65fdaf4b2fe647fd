"""The label taxonomy as code (see ``docs/labels.md`` and ``../shared/LABELS.md``).

A message carries any subset of the four risk labels; ``fine`` means none of
them and never appears together with another label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

SUSPICIOUS = "suspicious"
OFF_PLATFORM = "off_platform"
AGGRESSIVE = "aggressive"
PROMISE = "promise"
FINE = "fine"

#: The four risk labels in canonical order, which is also primary-label precedence.
RISK_LABELS: tuple[str, ...] = (SUSPICIOUS, OFF_PLATFORM, AGGRESSIVE, PROMISE)
#: Every label a message can be shown with.
ALL_LABELS: tuple[str, ...] = (*RISK_LABELS, FINE)
#: Severity rank used for the primary label: lower is more severe.
SEVERITY: dict[str, int] = {label: rank for rank, label in enumerate(ALL_LABELS)}
#: Separator used when labels are stored in one CSV/parquet column.
SEPARATOR = "|"


class LabelError(ValueError):
    """An unknown label or an invalid label combination."""


def canonical(labels: Iterable[str]) -> tuple[str, ...]:
    """Deduplicate and order labels canonically; an empty set becomes ``("fine",)``.

    Raises :class:`LabelError` for unknown labels or for ``fine`` mixed with a risk label.
    """
    seen = {label.strip() for label in labels if label and label.strip()}
    unknown = seen - set(ALL_LABELS)
    if unknown:
        raise LabelError(
            f"unknown label(s) {sorted(unknown)}; valid labels are {list(ALL_LABELS)}"
        )
    risks = tuple(label for label in RISK_LABELS if label in seen)
    if FINE in seen and risks:
        raise LabelError(
            f"'fine' cannot be combined with risk labels {list(risks)}; drop 'fine' or the others"
        )
    return risks or (FINE,)


def primary(labels: Iterable[str]) -> str:
    """The most severe label: suspicious > off_platform > aggressive > promise > fine."""
    return min(canonical(labels), key=SEVERITY.__getitem__)


def to_string(labels: Iterable[str]) -> str:
    """``("off_platform", "suspicious")`` -> ``"suspicious|off_platform"``; none -> ``"fine"``."""
    return SEPARATOR.join(canonical(labels))


def parse(value: str) -> tuple[str, ...]:
    """Parse a ``|``-joined label string (as stored in CSV/parquet) into canonical labels."""
    if not isinstance(value, str):
        raise LabelError(f"labels must be a '|'-joined string, got {type(value).__name__}")
    return canonical(value.split(SEPARATOR))


def to_vector(labels: Iterable[str]) -> list[int]:
    """One 0/1 indicator per risk label, in canonical order."""
    present = set(canonical(labels))
    return [int(label in present) for label in RISK_LABELS]


def from_vector(indicators: Iterable[int | bool | float]) -> tuple[str, ...]:
    """Inverse of :func:`to_vector` (truthy entries are present)."""
    values = list(indicators)
    if len(values) != len(RISK_LABELS):
        raise LabelError(f"expected {len(RISK_LABELS)} indicators, got {len(values)}")
    return canonical(label for label, on in zip(RISK_LABELS, values, strict=True) if on)


def indicator_matrix(label_sets: Iterable[Sequence[str] | str]) -> np.ndarray:
    """(n, 4) 0/1 matrix from label tuples or ``|``-joined strings."""
    rows = [to_vector(parse(x) if isinstance(x, str) else x) for x in label_sets]
    return np.asarray(rows, dtype=int).reshape(len(rows), len(RISK_LABELS))
