"""Labeling-function registry: names, versions, labels, votes."""

from __future__ import annotations

import pytest

from msgrisk.labels import RISK_LABELS
from msgrisk.rules import ABSTAIN, LABELING_FUNCTIONS, RULES_VERSION, parse
from msgrisk.rules.registry import labeling_function
from msgrisk.rules.verdicts import votes


def test_registry_names_unique_and_versioned() -> None:
    names = [lf.name for lf in LABELING_FUNCTIONS]
    assert len(names) == len(set(names))
    assert 30 <= len(names) <= 60
    assert all(isinstance(lf.version, int) and lf.version >= 1 for lf in LABELING_FUNCTIONS)
    assert {lf.label for lf in LABELING_FUNCTIONS} == set(RISK_LABELS)
    assert all(lf.doc for lf in LABELING_FUNCTIONS)


def test_registry_version_is_stable_string() -> None:
    assert isinstance(RULES_VERSION, str) and RULES_VERSION.startswith(f"{len(LABELING_FUNCTIONS)}lf-")


def test_registry_rejects_duplicates_and_bad_labels() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        labeling_function(label="promise")(LABELING_FUNCTIONS[0].func)
    with pytest.raises(ValueError, match="must be one of"):
        labeling_function(label="fine")


@pytest.mark.parametrize(
    ("text", "lf_name"),
    [
        ("call me on 876-555-0142", "shares_phone_number"),
        ("send me the OTP you just got", "asks_for_one_time_code"),
        ("you are a thief", "hostile_accusation"),
        ("I guarantee it arrives Friday", "guarantees_delivery"),
    ],
)
def test_registry_votes_only_own_label(text: str, lf_name: str) -> None:
    msg = parse(text)
    lf = next(lf for lf in LABELING_FUNCTIONS if lf.name == lf_name)
    assert lf(msg) == lf.label
    assert votes(msg)[lf_name] == lf.label
    assert all(lf(parse("hello, is this in stock?")) is ABSTAIN for lf in LABELING_FUNCTIONS)


def test_lfs_abstain_without_spans():
    """``needs_spans=True`` (the default) is a promise ``verdicts.votes`` relies on to
    skip LFs on span-less messages: hold every such LF to it on gold and hostile texts."""
    import csv

    from msgrisk import config
    from msgrisk.rules import ParsedMessage, parse_batch
    from msgrisk.rules.registry import LABELING_FUNCTIONS

    with open(config.PROJECT_ROOT / "data" / "gold" / "gold.csv", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    texts += ["", "   ", "WHATSAPP ME 8765550142!!!", "\u200b\u200b", "@@@@", "0" * 200]
    checked = 0
    for parsed in parse_batch(texts):
        bare = ParsedMessage(text=parsed.text, normalized=parsed.normalized, spans=[],
                             doc=parsed.doc, negated=parsed.negated)
        for lf in LABELING_FUNCTIONS:
            if lf.needs_spans:
                assert lf(bare) is None, f"{lf.name} votes without spans; mark it needs_spans=False"
                checked += 1
    assert checked > 10_000
