"""Serving rules OR model: threshold tuning, decisions and the comparison with rules-only."""

import numpy as np
import pytest

from msgrisk import rules
from msgrisk.labels import RISK_LABELS
from msgrisk.pipeline import served_vs_rules
from msgrisk.rules import verdicts
from msgrisk.training.model import NEVER, precision_lower_bound, union_threshold


def brute_force(scores, rules_y, y, floor):
    """Best union recall under the floor over every cut between distinct scores."""
    best = (rules_y & y).sum()
    for t in np.unique(scores):
        served = rules_y | (scores >= t)
        if served.sum() and (served & y).sum() / served.sum() >= floor - 1e-12:
            best = max(best, (served & y).sum())
    return best


@pytest.mark.parametrize("seed", range(20))
def test_union_threshold_matches_brute_force_and_respects_floor(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.random(n) < 0.2
    rules_y = y & (rng.random(n) < 0.7) | (~y & (rng.random(n) < 0.01))
    scores = np.round(np.clip(0.6 * y + rng.normal(0.2, 0.2, n), 0, 1), 2)  # ties on purpose
    t, entry = union_threshold(scores, rules_y, y, target=0.9)
    served = rules_y | (scores >= t)
    precision = (served & y).sum() / served.sum()
    rules_precision = (rules_y & y).sum() / rules_y.sum()
    # the floor holds, or (rules alone already below it) the model adds nothing
    assert precision >= max(0.9, rules_precision) - 1e-12 or (t == NEVER and served.sum()
                                                                == rules_y.sum())
    assert (served & y).sum() == brute_force(scores, rules_y, y, max(0.9, rules_precision))
    assert entry["recall"] == pytest.approx((served & y).sum() / y.sum())
    assert entry["n_added"] == (served & ~rules_y).sum()


def test_union_threshold_is_never_when_the_model_only_adds_false_positives():
    y = np.array([1, 1, 0, 0, 0], dtype=bool)
    rules_y = np.array([1, 1, 0, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.95, 0.7, 0.1])
    t, entry = union_threshold(scores, rules_y, y, target=0.5)
    assert t == NEVER and entry["n_added"] == 0
    assert entry["precision"] == entry["rules_precision"] == 1.0


def test_union_threshold_takes_the_highest_cut_among_equal_recalls():
    y = np.array([1, 1, 0, 1, 0], dtype=bool)
    rules_y = np.array([1, 0, 0, 0, 1], dtype=bool)  # rules precision 0.5
    scores = np.array([0.1, 0.9, 0.5, 0.2, 0.3])
    t, _ = union_threshold(scores, rules_y, y, target=0.6)
    # 0.2 adds both missed positives at precision 3/5 >= 0.6; 0.5 (3 of 4 cut) only dilutes
    assert t == pytest.approx(0.2)
    t_strict, _ = union_threshold(scores, rules_y, y, target=0.65)
    assert t_strict == pytest.approx(0.9)  # only the clean addition survives (2/3 >= 0.65)


@pytest.mark.parametrize(("tp", "n", "low", "high"),
                         [(30, 30, 0.90, 0.93), (600, 600, 0.994, 0.997), (40, 50, 0.68, 0.80)])
def test_precision_lower_bound_is_the_wilson_bound(tp, n, low, high):
    bound = precision_lower_bound(tp, n, 0.95)
    assert low < bound < tp / n < high or low < bound < high <= tp / n
    # the one-sided 95% Wilson bound: z = 1.6449 in the closed form
    z, p = 1.6448536269514722, tp / n
    closed = (p + z * z / (2 * n) - z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (
        1 + z * z / n)
    assert bound == pytest.approx(closed, rel=1e-9)
    assert precision_lower_bound(tp, n, 0.0) == tp / n  # no confidence: the point estimate
    assert precision_lower_bound(0, 0, 0.95) == 1.0


def test_union_floor_confidence_lets_a_small_dev_set_add_recall():
    """Rules 30/30 right on dev: the point floor (1.0) stops at the first false positive the
    model ranks among its additions; the 95% bound (0.917) takes 8 hits for that 1 miss."""
    hits_hi, fp, hits_lo = [0.90, 0.89, 0.88, 0.87], [0.85], [0.84, 0.83, 0.82, 0.81]
    scores = np.r_[np.full(30, 0.2), hits_hi, fp, hits_lo, np.full(60, 0.1)]
    y = np.r_[np.ones(34), [0], np.ones(4), np.zeros(60)].astype(bool)
    rules_y = np.r_[np.ones(30), np.zeros(69)].astype(bool)
    t_point, point = union_threshold(scores, rules_y, y, target=0.9)
    t_bound, bound = union_threshold(scores, rules_y, y, target=0.9, confidence=0.95)
    assert t_point == pytest.approx(0.87) and point["floor"] == 1.0
    assert point["n_added"] == 4 and point["recall"] == pytest.approx(34 / 38)
    assert t_bound == pytest.approx(0.81) and bound["n_added"] == 9
    assert bound["floor"] == pytest.approx(precision_lower_bound(30, 30, 0.95))
    assert bound["precision"] == pytest.approx(38 / 39) and bound["recall"] == 1.0
    assert bound["rules_precision"] == 1.0 and bound["precision"] >= bound["floor"]


def test_union_predictor_serves_every_rule_verdict(tiny_predictor):
    """With the model switched off (thresholds NEVER) a union bundle equals rules-only."""
    texts = ["text me on whatsapp 876 555 0142", "send the code you got by sms",
             "you idiot, I will find you", "I guarantee it arrives Friday",
             "thanks, got it", "pay me on cashapp instead"]
    pred = tiny_predictor
    saved = (pred.combine, pred.thresholds.copy())
    try:
        pred.combine = "union"
        pred.thresholds[:] = NEVER
        got = [p.labels for p in pred.predict_batch(texts)]
    finally:
        pred.combine, pred.thresholds[:] = saved[0], saved[1]
    expected = [verdicts.rules_labels(m) for m in rules.parse_batch(texts)]
    assert got == expected
    assert any(lab != ("fine",) for lab in got)


def test_served_vs_rules_union_curve_starts_at_the_rules_point():
    rng = np.random.default_rng(0)
    n = 500
    y = (rng.random((n, 4)) < 0.2).astype(int)
    rules_y = (y & (rng.random((n, 4)) < 0.8)).astype(int)
    model = np.clip(0.5 * y + rng.normal(0.25, 0.2, (n, 4)), 0, 1)
    served_scores = np.where(rules_y == 1, 2.0, model)
    report = served_vs_rules(y, rules_y, served_scores, rules_y)
    for label in RISK_LABELS:
        curve = report["at_equal_precision"][label]
        assert curve["model_recall"] >= curve["reference_recall"]
        assert curve["model_precision"] >= curve["reference_precision"]
    point = report["operating_point"]["macro"]
    assert point["model_recall"] == point["rules_recall"]  # served == rules here
    assert report["beats_rules_at_operating_point"] is False


def test_training_warns_which_labels_the_model_adds_nothing_to(caplog):
    from msgrisk.training.train import _warn_rules_only_labels

    report = {"aggressive": {"threshold": NEVER, "floor": 1.0, "rules_flagged": 30.0},
              "promise": {"threshold": 0.7, "floor": 0.95, "rules_flagged": 40.0}}
    with caplog.at_level("WARNING", logger="msgrisk.training.train"):
        _warn_rules_only_labels(report, floor_confidence=0.0)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "aggressive is served by the rules alone" in message and "30 messages" in message
    assert "floor_confidence=0.95" in message  # says the fix
    caplog.clear()
    with caplog.at_level("WARNING", logger="msgrisk.training.train"):
        _warn_rules_only_labels(report, floor_confidence=0.95)
    assert "floor_confidence" not in caplog.records[0].getMessage()
