import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from msgrisk.training.model import LinearRiskModel


def toy(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix(rng.random((n, 6)) < 0.3, dtype=np.float32)
    Y = np.stack([X[:, j].toarray().ravel() > 0 for j in range(4)], axis=1).astype(int)
    return X, Y


def test_model_fit_returns_self_and_learns_signal():
    X, Y = toy()
    model = LinearRiskModel(C=10.0)
    assert model.fit(X, Y) is model
    assert model.coef_.shape == (4, 6)
    assert (model.predict(X) == Y).mean() > 0.95
    # each label's own feature carries the largest weight
    assert list(np.argmax(model.coef_, axis=1)) == [0, 1, 2, 3]


def test_model_unfitted_raises():
    with pytest.raises(NotFittedError):
        LinearRiskModel().predict_proba(sp.csr_matrix((1, 6)))


def test_model_calibrated_scores_in_unit_interval_and_thresholds_reach_target():
    X, Y = toy(seed=1)
    model = LinearRiskModel().fit(X, Y)
    Xd, Yd = toy(seed=2)
    model.calibrate(Xd, Yd)
    scores = model.predict_proba(Xd)
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    report = model.tune_thresholds(Xd, Yd, {"suspicious": 0.95})
    assert report["suspicious"]["precision"] >= 0.95
    assert report["suspicious"]["target_met"] == 1.0


def test_model_constant_label_gets_constant_low_score():
    X, Y = toy()
    Y[:, 3] = 0
    model = LinearRiskModel().fit(X, Y)
    assert model.predict_proba(X)[:, 3].max() < 1e-3


def test_model_contributions_sum_to_margin_minus_intercept():
    X, Y = toy()
    model = LinearRiskModel().fit(X, Y)
    contrib = model.contributions(X[0], 1)
    margin = model.decision_function(X[0])[0, 1] - model.intercept_[1]
    assert sum(w for _, w in contrib) == pytest.approx(margin, abs=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_model_row_contributions_top_matches_the_full_order_with_ties(seed):
    rng = np.random.default_rng(seed)
    X, Y = toy(seed=seed)
    model = LinearRiskModel().fit(X, Y)
    model.coef_ = np.round(rng.normal(size=(4, 60)), 1)  # few distinct values: many ties
    indices = np.sort(rng.choice(60, size=40, replace=False))
    values = np.round(rng.random(40), 1).astype(np.float32)
    for label in range(4):
        full = model.row_contributions(indices, values, label)
        for top in (1, 5, 39, 40, 60):
            assert model.row_contributions(indices, values, label, top=top) == full[:top]
