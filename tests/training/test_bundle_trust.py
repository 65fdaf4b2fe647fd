"""Tampered bundles beyond tests/test_bundle.py: symlinks, odd manifests, unlisted files."""

from __future__ import annotations

import json
import shutil

import pytest

from msgrisk.serving.predict import load_predictor
from msgrisk.training import bundle as bundles


@pytest.fixture
def bad(tiny_bundle, tmp_path):
    dst = tmp_path / "models" / tiny_bundle.name
    shutil.copytree(tiny_bundle, dst)
    return dst


def edit_manifest(path, change):
    manifest = json.loads((path / bundles.MANIFEST).read_text())
    change(manifest)
    (path / bundles.MANIFEST).write_text(json.dumps(manifest))


def test_bundle_trust_symlinked_file_pointing_outside_is_refused(bad, tmp_path):
    outside = tmp_path / "outside.npz"  # identical bytes, so only the location is wrong
    shutil.copy(bad / bundles.WEIGHTS_FILE, outside)
    (bad / bundles.WEIGHTS_FILE).unlink()
    (bad / bundles.WEIGHTS_FILE).symlink_to(outside)
    with pytest.raises(bundles.BundleError, match="outside the bundle"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_trust_symlinked_folder_pointing_outside_is_refused(bad, tmp_path):
    shutil.move(bad / bundles.NLP_DIR, tmp_path / "nlp-outside")
    (bad / bundles.NLP_DIR).symlink_to(tmp_path / "nlp-outside", target_is_directory=True)
    with pytest.raises(bundles.BundleError, match="outside the bundle"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_trust_manifest_listing_a_directory_is_refused(bad):
    edit_manifest(bad, lambda m: m["files"].update({bundles.NLP_DIR: "0" * 64}))
    with pytest.raises(bundles.BundleError, match="missing"):
        bundles.load_bundle(bad, allow_outside=True)


@pytest.mark.parametrize(("content", "match"), [
    ("{not json", "not valid JSON"),
    ("[1, 2, 3]", "JSON list, not an object"),
    ('"just a string"', "JSON str, not an object"),
    ("", "not valid JSON"),
])
def test_bundle_trust_non_json_manifest_is_refused(bad, content, match):
    (bad / bundles.MANIFEST).write_text(content)
    with pytest.raises(bundles.BundleError, match=match):
        bundles.load_bundle(bad, allow_outside=True)


@pytest.mark.parametrize("change", [
    lambda m: m.pop("thresholds"),
    lambda m: m["thresholds"].pop("promise"),
    lambda m: m["thresholds"].update(suspicious="high"),
    lambda m: m.update(files=["weights.npz"]),
    lambda m: m["files"].update({"/etc/passwd": "0" * 64}),
])
def test_bundle_trust_malformed_manifest_is_refused(bad, change):
    edit_manifest(bad, change)
    with pytest.raises(bundles.BundleError, match="make train"):
        bundles.verify_bundle(bad, allow_outside=True)


def test_bundle_trust_unlisted_file_is_refused(bad):
    (bad / "evil.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(bundles.BundleError, match="does not list"):
        bundles.load_bundle(bad, allow_outside=True)


def test_bundle_trust_nothing_unpickled_before_hashes_match(tiny_bundle, tmp_path,
                                                           monkeypatch):
    """Only format-1 bundles hold a pickle: write one from the tiny bundle, then tamper."""
    import joblib

    loaded = bundles.load_bundle(tiny_bundle, allow_outside=True)
    keep = {k: v for k, v in loaded.manifest.items() if k not in {"format_version", "files"}}
    bad = bundles.save_bundle(loaded.nlp, loaded.featurizer, loaded.model, keep,
                              tmp_path / "models", data_only=False, folder_name="pickled")
    assert json.loads((bad / bundles.MANIFEST).read_text())["format_version"] == 1
    calls = []
    monkeypatch.setattr(joblib, "load", lambda *a, **k: calls.append(a))
    with open(bad / bundles.MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(bundles.BundleError, match="refusing to load"):
        bundles.load_bundle(bad, allow_outside=True)
    assert calls == []


def test_bundle_trust_malformed_manifest_falls_back_to_rules(bad, caplog):
    edit_manifest(bad, lambda m: m.pop("thresholds"))
    predictor = load_predictor(bad, allow_outside=True)
    assert predictor.mode == "rules"
    assert "threshold" in predictor.fallback_reason
    assert predictor.predict("call me on 876 555 0142").source == "rules"
