"""Sampling plan: how often each label set, language and hard-negative cell is drawn.

The plan adapts to whatever frames exist: label sets without frames get no mass, so the
generator works while frame modules are still being written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from msgrisk.corpus.synth.frame import Frame
from msgrisk.labels import FINE, RISK_LABELS

#: Share of messages that carry at least one risk label.
RISK_PRIOR = 0.20
#: Share of the risk mass given to multi-label sets (split equally between them).
MULTI_SHARE = 0.25
#: Target language mix inside each label set (renormalised over languages that exist).
LANG_WEIGHTS = {"en": 0.86, "patois": 0.11, "es": 0.03}
#: Target share of hard negatives among fine messages.
FINE_HARD_NEGATIVE = 0.15


@dataclass
class Plan:
    """Weighted label sets, each with weighted (lang, hard_negative) cells of frames."""

    label_sets: list[tuple[str, ...]] = field(default_factory=list)
    set_weights: list[float] = field(default_factory=list)
    cells: dict[tuple[str, ...], list[tuple[str, bool]]] = field(default_factory=dict)
    cell_weights: dict[tuple[str, ...], list[float]] = field(default_factory=dict)
    by_role: dict[tuple, list[Frame]] = field(default_factory=dict)

    def draw(self, rng: random.Random, role: str) -> Frame:
        """One frame: label set, then cell, then a frame the ``role`` can send if any."""
        labels = rng.choices(self.label_sets, self.set_weights)[0]
        cell = rng.choices(self.cells[labels], self.cell_weights[labels])[0]
        pool = self.by_role[(labels, cell, role)] or self.by_role[(labels, cell, None)]
        return pool[rng.randrange(len(pool))]


def _solve_single_target(singles: list[str], multi_mass: dict[str, float], budget: float) -> float:
    """Level ``t`` with sum(max(0, t - multi_mass[l])) == budget, by bisection."""
    lo, hi = 0.0, budget + max(multi_mass.values(), default=0.0) + 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if sum(max(0.0, mid - multi_mass.get(lab, 0.0)) for lab in singles) > budget:
            hi = mid
        else:
            lo = mid
    return lo


def label_set_weights(frames: list[Frame]) -> dict[tuple[str, ...], float]:
    """Probability of each label set that has frames (sums to 1)."""
    sets = sorted({f.labels for f in frames}, key=lambda s: (len(s), s))
    multis = [s for s in sets if len(s) > 1]
    singles = [s[0] for s in sets if len(s) == 1 and s[0] != FINE]
    has_fine = (FINE,) in sets
    risk = RISK_PRIOR if has_fine else 1.0
    if not multis and not singles:
        return {(FINE,): 1.0}
    weights: dict[tuple[str, ...], float] = {}
    multi_total = risk * MULTI_SHARE if multis and singles else (risk if multis else 0.0)
    multi_mass = dict.fromkeys(RISK_LABELS, 0.0)
    for s in multis:
        weights[s] = multi_total / len(multis)
        for lab in s:
            multi_mass[lab] += weights[s]
    if singles:
        # Fill each single label up to a common level so rare labels in pairs still get enough.
        level = _solve_single_target(singles, multi_mass, risk - multi_total)
        for lab in singles:
            weights[(lab,)] = max(0.0, level - multi_mass[lab])
    if has_fine:
        weights[(FINE,)] = 1.0 - risk
    total = sum(weights.values())
    return {s: w / total for s, w in weights.items() if w > 0}


def build_plan(frames: list[Frame]) -> Plan:
    """Group frames by label set and cell and attach sampling weights."""
    if not frames:
        raise ValueError("no frames found: add FRAMES to a msgrisk/synth/frames_*.py module")
    plan = Plan()
    for labels, weight in label_set_weights(frames).items():
        members = [f for f in frames if f.labels == labels]
        cells = sorted({(f.lang, f.hard_negative) for f in members})
        n_hn = sum(f.hard_negative for f in members)
        weights = []
        for lang, hn in cells:
            if labels == (FINE,) and 0 < n_hn < len(members):
                hn_w = FINE_HARD_NEGATIVE if hn else 1 - FINE_HARD_NEGATIVE
            else:  # risk sets keep their natural hard-negative share
                hn_w = sum(f.hard_negative == hn for f in members) / len(members)
            weights.append(LANG_WEIGHTS.get(lang, 0.01) * hn_w)
        plan.label_sets.append(labels)
        plan.set_weights.append(weight)
        plan.cells[labels] = cells
        plan.cell_weights[labels] = weights
        for cell in cells:
            in_cell = [f for f in members if (f.lang, f.hard_negative) == cell]
            plan.by_role[(labels, cell, None)] = in_cell
            for role in ("buyer", "seller"):
                plan.by_role[(labels, cell, role)] = [f for f in in_cell if f.role in (None, role)]
    return plan
