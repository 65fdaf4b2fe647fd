"""Promotion is honest, and `source` says who decided.

A candidate replaces the champion only when it is at least as good on the same reviewed
data; without reviewed data the run cannot judge; a models folder serving another dataset's
champion is never taken over silently. A label whose threshold the model cannot reach is
served, and reported, as the rules'.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest

from msgrisk import config, labels
from msgrisk.pipeline import evaluation_sets, promote_decision
from msgrisk.serving.predict import Predictor
from msgrisk.training import bundle as bundles


@pytest.fixture()
def models_with_champion(tiny_bundle: Path, tmp_path: Path) -> config.Paths:
    root = tmp_path / "p"
    p = config.Paths(root=root, data=root / "data", models=root / "models",
                     reports=root / "reports")
    p.models.mkdir(parents=True)
    copied = p.models / tiny_bundle.name
    shutil.copytree(tiny_bundle, copied)
    bundles.promote(copied, p.models)
    return p


def _judge(texts: list[str], label_strings: list[str]):
    return [("gold", texts, labels.indicator_matrix(label_strings), "gold", "gold")]


def _fine(n: int) -> np.ndarray:
    """A candidate that answers `fine` for every text."""
    return np.zeros((n, len(labels.RISK_LABELS)), dtype=int)


def _served(predictor: Predictor, texts: list[str]) -> np.ndarray:
    return labels.indicator_matrix([pr.labels for pr in predictor.predict_batch(texts)])


TEXTS = ["send me your OTP code now or your account is closed",
         "text me on whatsapp 876 555 0142", "you are a useless idiot",
         "I guarantee it arrives tomorrow", "thanks, got it", "Deal"]
TRUTH = ["suspicious", "off_platform", "aggressive", "promise", "fine", "fine"]


def test_promotion_needs_reviewed_data(models_with_champion: config.Paths) -> None:
    decision = promote_decision(_fine(0), models_with_champion, [], "msgrisk", "if-better")
    assert decision["promote"] is False
    assert "cannot judge" in decision["reason"] and "--force" in decision["reason"]
    forced = promote_decision(_fine(0), models_with_champion, [], "msgrisk", "always")
    assert forced["promote"] is True


def test_promotion_compares_with_the_champion_on_the_same_data(
        models_with_champion: config.Paths, tiny_predictor: Predictor) -> None:
    judge = _judge(TEXTS, TRUTH)
    worse = promote_decision(_fine(len(TEXTS)), models_with_champion, judge, "msgrisk",
                             "if-better")
    assert worse["promote"] is False and "worse than" in worse["reason"]
    assert worse["champion_macro_f1"] > worse["candidate_macro_f1"] == 0.0
    same = promote_decision(_served(tiny_predictor, TEXTS), models_with_champion, judge,
                            "msgrisk", "if-better")
    assert same["promote"] is True  # as good as itself: at least as good
    assert same["candidate_macro_f1"] == pytest.approx(same["champion_macro_f1"])


def test_promotion_never_takes_over_another_datasets_champion(
        models_with_champion: config.Paths, tiny_predictor: Predictor) -> None:
    decision = promote_decision(_served(tiny_predictor, TEXTS), models_with_champion,
                                _judge(TEXTS, TRUTH), "msgrisk-team", "if-better")
    assert decision["promote"] is False
    assert "MSGRISK_HOME" in decision["reason"]


def test_first_model_in_an_empty_folder_is_promoted(tmp_path: Path,
                                                    tiny_predictor: Predictor) -> None:
    p = config.Paths(root=tmp_path, data=tmp_path / "d", models=tmp_path / "m",
                     reports=tmp_path / "r")
    decision = promote_decision(_served(tiny_predictor, TEXTS), p, _judge(TEXTS, TRUTH),
                                "msgrisk-team", "if-better")
    assert decision["promote"] is True and decision["judged_on"] == ["gold"]


def test_evaluation_sets_without_truth_use_reviewed_data(tiny_paths: config.Paths,
                                                         tmp_path: Path) -> None:
    import pandas as pd

    from msgrisk.corpus.reviewed import load_reviewed

    p = config.Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "m",
                     reports=tmp_path / "r")  # no truth, no gold of its own
    frame = pd.DataFrame({"text": ["a", "b"], "labels": ["fine", "promise"],
                          "split": ["test", "test"], "reviewed": [False, True],
                          "message_id": ["1", "2"]})
    names = [s[0] for s in evaluation_sets(frame, load_reviewed(p.reviewed_csv), p)]
    assert names == ["reviewed_test", "feedback_test", "gold"]


def _with_thresholds(tiny_bundle: Path, thresholds: dict[str, float]) -> Predictor:
    loaded = bundles.load_bundle(tiny_bundle, allow_outside=True)
    loaded.manifest = copy.deepcopy(loaded.manifest)
    loaded.manifest["thresholds"].update(thresholds)
    return Predictor(loaded)


def test_unreachable_thresholds_are_served_and_reported_as_rules(tiny_bundle: Path) -> None:
    rules_only = Predictor(None)
    text = "text me on whatsapp 876 555 0142, you idiot"
    expected = rules_only.predict(text).labels
    assert "off_platform" in expected
    allrules = _with_thresholds(tiny_bundle, dict.fromkeys(labels.RISK_LABELS, 1.01))
    p = allrules.predict(text)
    assert p.source == "rules"
    assert p.labels == expected
    assert set(p.label_sources.values()) == {"rules"}
    assert allrules.predict("thanks, got it").source == "rules"


def test_label_sources_say_which_part_decided(tiny_bundle: Path) -> None:
    one = _with_thresholds(tiny_bundle, {"off_platform": 1.01})
    p = one.predict("text me on whatsapp 876 555 0142")
    assert "off_platform" in p.labels
    assert p.label_sources["off_platform"] == "rules"
    assert p.source == "model+rules"
    normal = _with_thresholds(tiny_bundle, {})
    texts = ["I guarantee it arrives tomorrow, 100% refund if not", "you are a useless idiot",
             "send me your OTP code now or your account is closed", "text me on whatsapp"]
    thresholds = dict(zip(labels.RISK_LABELS, normal.thresholds, strict=True))
    seen = set()
    for q in normal.predict_batch(texts):
        for label in q.labels:
            if label == "fine":
                continue
            by_model = q.scores[label] >= thresholds[label]
            assert q.label_sources[label] == ("model" if by_model else "rules")
            seen.add(q.label_sources[label])
        assert q.to_dict()["label_sources"] == q.label_sources
    assert "model" in seen
