"""Out-of-fold margins for calibration and thresholds: each reviewed train row is scored by
a model that never saw its writer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from msgrisk.training.model import LinearRiskModel
from msgrisk.training.train import TrainConfig, fit_rows, out_of_fold_margins


def _problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    n_weak, n_rev, n_feat = 60, 90, 12
    X = sp.csr_matrix(rng.random((n_weak, n_feat)))
    Y = (rng.random((n_weak, 4)) > 0.6).astype(int)
    W = np.ones((n_weak, 4))
    frame = pd.DataFrame({"text": [f"w{i}" for i in range(n_weak)]})
    is_train = np.ones(n_weak, bool)
    writers = [f"r{i % 9}" for i in range(n_rev)]
    split = ["dev" if w == "r8" else "train" for w in writers]
    rev = pd.DataFrame({"writer": writers, "split": split})
    X_rev = sp.csr_matrix(rng.random((n_rev, n_feat)))
    Y_rev = (rng.random((n_rev, 4)) > 0.5).astype(int)
    return frame, X, Y, W, is_train, rev, X_rev, Y_rev


def test_every_train_row_is_scored_by_a_model_blind_to_its_writer() -> None:
    frame, X, Y, W, is_train, rev, X_rev, Y_rev = _problem()
    rev_train = (rev["split"] == "train").to_numpy()
    cfg = TrainConfig(threshold_folds=4, seed=3)
    margins, scored = out_of_fold_margins(frame, X, Y, W, is_train, rev, X_rev, Y_rev,
                                          rev_train, np.array([], int), cfg)
    assert (scored == rev_train).all()  # all train writers, never dev
    assert np.all(margins[~scored] == 0)
    # refit the fold holding writer r0 out by hand: the same margins for r0's rows
    writers = np.array(sorted(rev.loc[rev_train, "writer"].unique()))
    np.random.RandomState(cfg.seed).shuffle(writers)
    fold = next(k for k in range(4) if "r0" in set(writers[k::4]))
    held = rev_train & rev["writer"].isin(set(writers[fold::4])).to_numpy()
    X_fit, Y_fit, W_fit = fit_rows(frame, X, Y, W, is_train, X_rev, Y_rev, rev_train & ~held,
                                   cfg)
    model = LinearRiskModel(C=cfg.C, class_weight=cfg.class_weight).fit(X_fit, Y_fit, W_fit)
    np.testing.assert_allclose(margins[held], model.decision_function(X_rev[held]), rtol=1e-5)
    # and that model differs from one fitted on every train writer (the fold really held out)
    full = LinearRiskModel(C=cfg.C, class_weight=cfg.class_weight).fit(
        *fit_rows(frame, X, Y, W, is_train, X_rev, Y_rev, rev_train, cfg))
    assert not np.allclose(margins[held], full.decision_function(X_rev[held]))


def test_folds_off_or_too_few_writers_score_nothing() -> None:
    frame, X, Y, W, is_train, rev, X_rev, Y_rev = _problem()
    rev_train = (rev["split"] == "train").to_numpy()
    for folds in (0, 1, 50):
        _, scored = out_of_fold_margins(frame, X, Y, W, is_train, rev, X_rev, Y_rev, rev_train,
                                        np.array([], int), TrainConfig(threshold_folds=folds))
        assert not scored.any()


def test_threshold_search_from_scores_matches_the_matrix_path() -> None:
    _, X, Y, W, _, _, X_rev, Y_rev = _problem(1)
    model = LinearRiskModel().fit(X, Y, W)
    a = model.calibrate(X_rev, Y_rev).tune_thresholds(X_rev, Y_rev, {"suspicious": 0.6})
    z = model.decision_function(X_rev)
    b = model.calibrate_margins(z, Y_rev).tune_thresholds_scores(
        model.scores_from_margins(z), Y_rev, {"suspicious": 0.6})
    assert a == b
