"""Model selection on held-out dev frames (``msgrisk dev-folds``)."""

from msgrisk.evaluation import folds
from msgrisk.training.train import TrainConfig


def test_dev_fold_report_scores_unseen_frames(tiny_paths):
    report = folds.dev_fold_report(TrainConfig(min_df=1), tiny_paths, seeds=1, progress=False)
    assert report["dev_labels"] == "reviewed dev labels"
    assert report["group_by"] == "frame_id"
    assert len(report["folds"]) == 2
    for fold in report["folds"]:
        assert fold["n_eval"] > 0
        # the served curve starts at the rules' own point: never worse at their precision
        assert fold["d_recall_at_rules_precision"] >= 0
        assert 0 <= fold["served_f1"] <= 1 and 0 <= fold["rules_f1"] <= 1
    assert set(report["mean"]) >= {"d_precision", "d_recall", "d_recall_at_rules_precision",
                                   "folds_beating_rules_at_operating_point"}
    out = folds.write_report(report, tiny_paths)
    assert out.name == "dev_folds.json" and out.stat().st_size > 0
