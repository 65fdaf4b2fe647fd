import json
import shutil

import pytest

from msgrisk.serving.predict import Predictor, load_predictor
from msgrisk.training import bundle as bundles

TEXTS = [
    "text me on whatsapp 876 555 0142",
    "send me the 6 digit code KX just texted you",
    "you useless thief, answer me",
    "I guarantee it arrives Friday",
    "tracking 1Z999AA10123456784 shows in transit",
    "",
]


def copy_bundle(src, tmp_path):
    dst = tmp_path / "models" / src.name
    shutil.copytree(src, dst)
    return dst


def test_bundle_overfit_save_reload_same_predictions(tiny_bundle, tiny_predictor):
    reloaded = Predictor(bundles.load_bundle(tiny_bundle, allow_outside=True))
    a = [p.to_dict() for p in tiny_predictor.predict_batch(TEXTS)]
    b = [p.to_dict() for p in reloaded.predict_batch(TEXTS)]
    assert a == b
    single = [tiny_predictor.predict(t).to_dict() for t in TEXTS]
    assert single == a


def test_bundle_manifest_lists_hashes_and_metadata(tiny_bundle):
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    assert manifest["format_version"] == bundles.BUNDLE_FORMAT
    assert set(manifest["thresholds"]) == {"suspicious", "off_platform", "aggressive", "promise"}
    assert {bundles.FEATURES_FILE, bundles.WEIGHTS_FILE} <= set(manifest["files"])
    assert bundles.MODEL_FILE not in manifest["files"]  # data only: nothing to unpickle
    assert any(name.startswith("nlp/") for name in manifest["files"])
    for key in ("training_data_sha256", "rules_version", "packages", "metrics", "version"):
        assert manifest[key]


def test_bundle_tampered_file_is_refused(tiny_bundle, tmp_path):
    bad = copy_bundle(tiny_bundle, tmp_path)
    with open(bad / bundles.WEIGHTS_FILE, "ab") as handle:
        handle.write(b"x")
    with pytest.raises(bundles.BundleError, match="refusing to load"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_truncated_file_is_refused(tiny_bundle, tmp_path):
    bad = copy_bundle(tiny_bundle, tmp_path)
    data = (bad / bundles.WEIGHTS_FILE).read_bytes()
    (bad / bundles.WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(bundles.BundleError, match="make train"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_missing_manifest_is_refused(tiny_bundle, tmp_path):
    bad = copy_bundle(tiny_bundle, tmp_path)
    (bad / "manifest.json").unlink()
    with pytest.raises(bundles.BundleError, match="missing"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_manifest_pointing_outside_is_refused(tiny_bundle, tmp_path):
    bad = copy_bundle(tiny_bundle, tmp_path)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["files"]["../evil.joblib"] = "0" * 64
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(bundles.BundleError, match="outside the bundle"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_unknown_format_is_refused(tiny_bundle, tmp_path):
    bad = copy_bundle(tiny_bundle, tmp_path)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["format_version"] = 999
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(bundles.BundleError, match="format 999"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_outside_models_dir_is_refused(tiny_bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("MSGRISK_MODELS_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("MSGRISK_ALLOW_ANY_MODEL_PATH", raising=False)
    with pytest.raises(bundles.BundleError, match="outside the models folder"):
        bundles.load_bundle(tiny_bundle)


def test_bundle_tampered_bundle_falls_back_to_rules(tiny_bundle, tmp_path, caplog):
    bad = copy_bundle(tiny_bundle, tmp_path)
    (bad / bundles.WEIGHTS_FILE).write_bytes(b"not a model")
    predictor = load_predictor(bad, allow_outside=True)
    assert predictor.mode == "rules"
    assert "make train" in predictor.fallback_reason
    p = predictor.predict("text me on whatsapp 876 555 0142")
    assert p.source == "rules" and "off_platform" in p.labels


def test_bundle_promote_is_atomic_symlink_swap(tiny_bundle, tmp_path):
    models = tmp_path / "models"
    first = copy_bundle(tiny_bundle, tmp_path)
    second = models / (tiny_bundle.name + "-b")
    shutil.copytree(tiny_bundle, second)
    link = bundles.promote(first, models)
    assert link.resolve() == first.resolve()
    bundles.promote(second, models)
    assert link.resolve() == second.resolve()
    assert not list(models.glob(".champion-*"))


def test_bundle_save_failure_leaves_no_partial_bundle(tiny_predictor, tmp_path):
    class Boom:
        def to_disk(self, path):
            path.mkdir()
            (path / "half").write_text("x")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        bundles.save_bundle(Boom(), None, None, {"training_data_sha256": "0" * 64},
                            tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []
