"""Data-only bundles: the featurizer and model saved as JSON + arrays score exactly like the
scikit-learn estimators they came from, load without pickle or scikit-learn, and old
pickled bundles still load (and convert)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from msgrisk import config, labels
from msgrisk.training import bundle as bundles
from msgrisk.training import frozen

ODD = ["", " ", "Deal", "😀😀😀", "ｗｈａｔｓａｐｐ ８７６５５５０１４２", "a" * 3000,
       "call me on 876 555 0142 or +1 305 555 0199", "\u200bwhats\u200bapp", "KX-12345678"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    """A small featurizer + model fitted on the gold set, saved both ways."""
    from msgrisk import rules
    from msgrisk.training.features import MessageFeaturizer
    from msgrisk.training.model import LinearRiskModel

    gold = pd.read_csv(config.PROJECT_ROOT / "data" / "gold" / "gold.csv", dtype=str,
                       keep_default_na=False)
    nlp = rules.build_nlp()
    parsed = rules.parse_batch(gold["text"].tolist(), nlp=nlp)
    Y = labels.indicator_matrix(gold["labels"])
    featurizer = MessageFeaturizer(min_df=1, char_min_df=1).fit(parsed)
    X = featurizer.transform(parsed)
    model = LinearRiskModel(C=2.0).fit(X, Y)
    model.calibrate(X, Y)
    model.thresholds_ = np.asarray([0.5, 0.4, 0.6, 0.55], dtype=np.float32)
    manifest = {"labels": list(labels.RISK_LABELS), "version": "t-frozen",
                "thresholds": dict(zip(labels.RISK_LABELS, map(float, model.thresholds_),
                                       strict=True)), "combine": "forced", "forced_rules": {}}
    models = tmp_path_factory.mktemp("models")
    data = bundles.save_bundle(nlp, featurizer, model, manifest, models, folder_name="data")
    pickled = bundles.save_bundle(nlp, featurizer, model, manifest, models, data_only=False,
                                  folder_name="pickled")
    texts = gold["text"].tolist() + ODD
    return featurizer, model, data, pickled, texts, nlp


def test_frozen_scores_match_the_estimators_exactly(fitted) -> None:
    from msgrisk import rules

    featurizer, model, data, _, texts, nlp = fitted
    f2, m2 = frozen.load(data)
    parsed = rules.parse_batch(texts, nlp=nlp)
    X1, X2 = featurizer.transform(parsed), f2.transform(parsed)
    assert X1.shape == X2.shape and (X1 != X2).nnz == 0
    np.testing.assert_array_equal(model.predict_proba(X1), m2.predict_proba(X2))
    assert list(featurizer.get_feature_names_out()) == list(f2.get_feature_names_out())
    np.testing.assert_array_equal(featurizer.detector_columns(), f2.detector_columns())
    row = X1[3]
    for j in range(len(labels.RISK_LABELS)):
        assert model.row_contributions(row.indices, row.data, j, top=5) == \
            m2.row_contributions(row.indices, row.data, j, top=5)


def test_data_and_pickled_bundles_predict_identically(fitted) -> None:
    from msgrisk.serving.predict import Predictor

    _, _, data, pickled, texts, _ = fitted
    a = Predictor(bundles.load_bundle(data, allow_outside=True))
    b = Predictor(bundles.load_bundle(pickled, allow_outside=True))
    assert json.loads((data / bundles.MANIFEST).read_text())["format_version"] == 2
    assert json.loads((pickled / bundles.MANIFEST).read_text())["format_version"] == 1
    assert [p.to_dict() for p in a.predict_batch(texts)] == \
        [p.to_dict() for p in b.predict_batch(texts)]


def test_data_bundle_loads_without_pickle_or_sklearn(fitted) -> None:
    _, _, data, _, _, _ = fitted
    code = ("import sys; from msgrisk.training.bundle import load_bundle; "
            f"b = load_bundle({str(data)!r}, allow_outside=True); "
            "from msgrisk.serving.predict import Predictor; Predictor(b).predict('hi'); "
            "print(sorted(m for m in ('sklearn', 'joblib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_weights_are_plain_arrays(fitted) -> None:
    _, _, data, _, _, _ = fitted
    with np.load(data / frozen.WEIGHTS_FILE, allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
        assert {"coef", "intercept", "calib_a", "calib_b", "thresholds"} <= set(npz.files)


def test_convert_pickled_bundle_to_data(fitted, tmp_path) -> None:
    import shutil

    from msgrisk.serving.predict import Predictor

    _, _, _, pickled, texts, _ = fitted
    old = tmp_path / "msgrisk-old"
    shutil.copytree(pickled, old)
    new = bundles.convert_bundle(old, allow_outside=True)
    assert new.name == "msgrisk-old-data"
    manifest = json.loads((new / bundles.MANIFEST).read_text())
    assert manifest["format_version"] == 2 and manifest["version"] == "t-frozen"
    assert manifest["converted_from"] == "msgrisk-old"
    a = Predictor(bundles.load_bundle(old, allow_outside=True))
    b = Predictor(bundles.load_bundle(new, allow_outside=True))
    assert [p.to_dict() for p in a.predict_batch(texts)] == \
        [p.to_dict() for p in b.predict_batch(texts)]
    with pytest.raises(bundles.BundleError, match="nothing to convert"):
        bundles.convert_bundle(new, allow_outside=True)
