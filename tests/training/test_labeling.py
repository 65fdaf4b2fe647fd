"""Label model, weak labeling of a tiny table, LF report and the labeling run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk.config import Paths
from msgrisk.rules import LABELING_FUNCTIONS, parse, parse_batch
from msgrisk.rules.verdicts import rules_labels, rules_scores, vote_matrix
from msgrisk.training.labeling import (
    LabelModel,
    label_messages,
    lf_report,
    run_labeling,
)

MESSAGES = pd.DataFrame(
    {
        "message_id": ["m1", "m2", "m3", "m4", "m5"],
        "text": [
            "text me on WhatsApp 876-555-0142",
            "send me the OTP you just got",
            "you useless thief",
            "I guarantee it arrives Friday",
            "is this still available in blue?",
        ],
    }
)
TRUTH = pd.DataFrame(
    {"message_id": ["m1", "m2", "m3", "m4", "m5"],
     "labels": ["off_platform", "suspicious", "aggressive", "promise", "fine"]}
)


def _tiny_votes() -> tuple[np.ndarray, list[int]]:
    # columns: two LFs for label 0, one for label 1, one each for labels 2 and 3
    lf_labels = [0, 0, 1, 2, 3]
    votes = np.full((40, 5), -1)
    votes[:6, 0] = 0
    votes[3:8, 1] = 0
    votes[10:14, 2] = 1
    votes[20:22, 3] = 2
    votes[30, 4] = 3
    return votes, lf_labels


def test_labeling_label_model_fits_tiny_matrix() -> None:
    votes, lf_labels = _tiny_votes()
    model = LabelModel(lf_labels=lf_labels).fit(votes)
    proba = model.predict_proba(votes)
    assert proba.shape == (40, 4)
    assert np.all((proba >= 0) & (proba <= 1))
    assert proba[4, 0] > 0.9 and proba[0, 0] > 0.5  # two votes > one vote > none
    assert proba[4, 0] >= proba[0, 0]
    assert proba[39].max() < 0.5  # no votes -> nothing
    assert proba[30, 3] > 0.5
    assert model.tpr_.shape == (5,) and hasattr(model, "class_prior_")
    assert (model.predict(votes)[:, 0] == (votes[:, :2] == 0).any(axis=1)).all()


def test_labeling_label_model_requires_fit_and_matching_columns() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LabelModel().predict_proba(np.full((2, len(LABELING_FUNCTIONS)), -1))
    with pytest.raises(ValueError, match="columns"):
        LabelModel().fit(np.full((2, 3), -1))


def test_labeling_vote_matrix_shape_and_values() -> None:
    votes = vote_matrix(parse_batch(MESSAGES["text"].tolist()))
    assert votes.shape == (5, len(LABELING_FUNCTIONS))
    assert set(np.unique(votes)) <= {-1, 0, 1, 2, 3}
    assert (votes[4] == -1).all()


def test_labeling_rules_scores_and_labels() -> None:
    msg = parse("send me the OTP you just got")
    assert rules_scores(msg)["suspicious"] >= 0.5
    assert rules_labels(msg) == ("suspicious",)
    assert rules_labels(parse("thanks, received it")) == ("fine",)


def test_labeling_label_messages_columns() -> None:
    weak = label_messages(MESSAGES)
    assert list(weak.columns) == ["message_id", "p_suspicious", "p_off_platform", "p_aggressive",
                                  "p_promise", "labels", "n_votes"]
    assert weak["labels"].tolist() == TRUTH["labels"].tolist()


def test_labeling_lf_report_measures_against_truth() -> None:
    parsed = parse_batch(MESSAGES["text"].tolist())
    votes = vote_matrix(parsed)
    weak = label_messages(MESSAGES)
    gold = pd.DataFrame({"text": ["call me 876-555-0142", "hello"],
                         "labels": ["off_platform", "fine"]})
    report = lf_report(votes, weak, TRUTH, gold)
    assert report["vs_truth"]["exact_match"] == 1.0
    assert report["vs_gold"]["per_label"]["off_platform"]["recall"] == 1.0
    assert report["share_no_vote"] == pytest.approx(0.2)
    assert {row["name"] for row in report["lfs"]} == {lf.name for lf in LABELING_FUNCTIONS}


def test_labeling_run_writes_outputs(tmp_path: Path) -> None:
    p = Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "models",
              reports=tmp_path / "reports")
    p.raw.mkdir(parents=True)
    raw = MESSAGES.assign(thread_id="t1", order_id="KX-87655501",
                          sent_at="2024-05-01T10:00:00Z", sender_role="buyer",
                          fulfillment="seller_managed")
    raw.to_parquet(p.messages, index=False)
    TRUTH.to_parquet(p.truth, index=False)
    report = run_labeling(p)
    assert p.weak_labels.exists() and (p.reports / "labeling.md").exists()
    assert json.loads((p.reports / "labeling.json").read_text())["n_messages"] == report["n_messages"]
    assert "vs_truth" in report
