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


def test_reviewed_dev_sweep_fits_like_training(tiny_paths, small_reviewed, tmp_path):
    """dev-sweep fits every combination with the training recipe (``fit_model``, detector
    dropout included) and scores it on writer-disjoint halves of reviewed-dev only."""
    import shutil

    from msgrisk import config

    p = config.Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "models",
                     reports=tmp_path / "reports")
    shutil.copytree(tiny_paths.data, p.data)
    small_reviewed(p, per_split=150)
    grid = {"detector_dropout": ["0.0", "0.5"]}
    report = folds.reviewed_dev_sweep(grid, TrainConfig(min_df=1), p, progress=False)
    assert report["n_dev"] == 150
    assert [row["detector_dropout"] for row in report["rows"]] == ["0.0", "0.5"]
    for row in report["rows"]:
        assert 0 < row["heldout_macro_f1"] <= 1
        assert 0 < row["macro_average_precision"] <= 1
        assert 0 <= row["heldout_fine_flagged"] <= 1
    # dropout changes the fitted model, so the two rows are not the same fit
    assert report["rows"][0] != {**report["rows"][1], "detector_dropout": "0.0"}
