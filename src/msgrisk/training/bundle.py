"""Model bundles: write, verify, load and promote.

A bundle is a folder ``models/msgrisk-<version>/`` holding the spaCy pipeline (``nlp/``,
written with ``nlp.to_disk``), the fitted featurizer and model **as data**
(``features.json``: blocks and vocabularies; ``weights.npz``: IDF, coefficients,
calibration, thresholds; see :mod:`msgrisk.training.frozen`) and ``manifest.json``
(format version, labels, thresholds, metrics, data hash, rules version, package versions,
git commit, and the sha256 of every file).

Format 2 (current) loads without unpickling anything and without importing scikit-learn.
Format 1 bundles (``model.joblib``, a pickle) still load: pickle runs code while loading,
so :func:`load_bundle` checks the manifest and every file hash *before* anything is
unpickled, and refuses bundles outside the configured models folder unless explicitly
allowed. ``msgrisk convert-bundle OLD`` rewrites a format-1 bundle as format 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from msgrisk import config
from msgrisk.labels import RISK_LABELS

#: Bumped whenever the bundle layout changes incompatibly (2: data-only featurizer/model).
BUNDLE_FORMAT = 2
#: Formats this msgrisk still reads (1: pickled featurizer/model in ``model.joblib``).
READABLE_FORMATS = (1, 2)
MANIFEST = "manifest.json"
MODEL_FILE = "model.joblib"
FEATURES_FILE = "features.json"
WEIGHTS_FILE = "weights.npz"
NLP_DIR = "nlp"
_PACKAGES = ("msgrisk", "spacy", "scikit-learn", "numpy", "scipy", "joblib", "phonenumbers")


class BundleError(RuntimeError):
    """A bundle that cannot be trusted or loaded; the message says how to fix it."""


@dataclass
class Bundle:
    """A loaded, verified bundle."""

    path: Path
    manifest: dict[str, Any]
    nlp: Any
    featurizer: Any
    model: Any

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a bundle depends on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def git_commit() -> str | None:
    """The current git commit of the project, if it is a git checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.PROJECT_ROOT,
                                capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def new_version(data_hash: str) -> str:
    """A sortable, unique version string: UTC timestamp + data hash prefix + random suffix."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{data_hash[:8]}-{uuid.uuid4().hex[:4]}"


#: Temp folders/links older than this are leftovers of a killed run (a live save takes seconds).
STALE_TEMP_SECONDS = 3600


def clean_stale_temps(models_dir: Path, max_age_s: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove ``.tmp-*`` folders and ``.champion-*`` links a killed run left behind."""
    removed = []
    now = datetime.now(UTC).timestamp()
    for leftover in [*models_dir.glob(".tmp-*"), *models_dir.glob(".champion-*")]:
        try:
            if now - leftover.lstat().st_mtime < max_age_s:
                continue  # may belong to a concurrent run still writing
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        except OSError:
            continue
        removed.append(leftover)
    return removed


def save_bundle(nlp: Any, featurizer: Any, model: Any, manifest: dict[str, Any],
                models_dir: Path, data_only: bool = True, folder_name: str | None = None
                ) -> Path:
    """Write a bundle atomically: into a temp folder, verify it, then rename into place.

    The featurizer and model are written as data (format 2); a featurizer with no data form
    (hashed character n-grams), or ``data_only=False``, is pickled instead (format 1).
    ``folder_name`` overrides ``msgrisk-<version>``."""
    from msgrisk.training import frozen

    models_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(models_dir)
    version = manifest.get("version") or new_version(manifest.get("training_data_sha256", "0" * 8))
    final = models_dir / (folder_name or f"msgrisk-{version}")
    tmp = models_dir / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        nlp.to_disk(tmp / NLP_DIR)
        fmt = BUNDLE_FORMAT if data_only else 1
        if data_only:
            try:
                frozen.write(tmp, featurizer, model)
            except NotImplementedError:  # no data form (hashed char n-grams): pickle
                fmt = 1
        if fmt == 1:
            import joblib

            joblib.dump({"featurizer": featurizer, "model": model}, tmp / MODEL_FILE, compress=3)
        full = {
            "format_version": fmt,
            "name": config.REGISTERED_MODEL,
            **manifest,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(),
            "packages": package_versions(),
            "git_commit": git_commit(),
            "files": _file_hashes(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True))
        verify_bundle(tmp, allow_outside=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def verify_bundle(path: Path, allow_outside: bool = False) -> dict[str, Any]:
    """Check manifest, format version, file list and every sha256; return the manifest."""
    path = Path(path)
    fix = "Retrain with `make train` or point MSGRISK_MODEL at a trusted bundle."
    if not allow_outside and os.environ.get("MSGRISK_ALLOW_ANY_MODEL_PATH") != "1":
        models_dir = config.paths().models
        if not _inside(path, models_dir):
            raise BundleError(
                f"{path} is outside the models folder {models_dir}; refusing to load it. Move "
                "the bundle under MSGRISK_MODELS_DIR, or set MSGRISK_ALLOW_ANY_MODEL_PATH=1 if "
                "you trust it."
            )
    if not path.is_dir():
        raise BundleError(f"no bundle at {path}. {fix}")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{manifest_path} is missing, so the bundle cannot be verified. {fix}")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as err:
        raise BundleError(f"{manifest_path} is not valid JSON ({err}). {fix}") from err
    if not isinstance(manifest, dict):
        raise BundleError(f"{manifest_path} holds a JSON {type(manifest).__name__}, not an "
                          f"object. {fix}")
    fmt = manifest.get("format_version")
    if fmt not in READABLE_FORMATS:
        raise BundleError(
            f"{path} has bundle format {fmt!r} but this msgrisk reads formats "
            f"{list(READABLE_FORMATS)}. Retrain with `make train`, or install the msgrisk "
            "version that wrote it."
        )
    files = manifest.get("files")
    needed = (MODEL_FILE,) if fmt == 1 else (FEATURES_FILE, WEIGHTS_FILE)
    if not isinstance(files, dict) or not all(name in files for name in needed):
        raise BundleError(f"{manifest_path} lists no file hashes (or not {', '.join(needed)}). "
                          f"{fix}")
    for name, expected in files.items():
        target = path / name
        if ".." in Path(name).parts or Path(name).is_absolute() or not _inside(target, path):
            raise BundleError(f"{manifest_path} lists {name!r}, which points outside the bundle; "
                              f"refusing to load it. {fix}")
        if not target.is_file():
            raise BundleError(f"{manifest_path} lists {name} but the file is missing. {fix}")
        actual = sha256_file(target)
        if actual != expected:
            raise BundleError(
                f"{manifest_path} lists sha256 {str(expected)[:8]}… for {name} but the file "
                f"hashes to {actual[:8]}…; refusing to load it. {fix}"
            )
    thresholds = manifest.get("thresholds")  # the manifest is not hashed: check what serving reads
    if not isinstance(thresholds, dict) or not all(
            isinstance(thresholds.get(label), (int, float)) for label in RISK_LABELS):
        raise BundleError(f"{manifest_path} lacks a numeric threshold for each of {RISK_LABELS}. "
                          f"{fix}")
    extra = set(_file_hashes(path)) - set(files)
    if extra:
        raise BundleError(f"{path} holds files the manifest does not list: {sorted(extra)[:5]}. "
                          f"{fix}")
    return manifest


def load_bundle(path: Path, allow_outside: bool = False) -> Bundle:
    """Verify then load a bundle (spaCy pipeline + featurizer + model).

    Format 2 reads JSON and ``.npz`` arrays only; format 1 unpickles ``model.joblib`` (after
    the hash check)."""
    import spacy

    import msgrisk.rules  # noqa: F401  (registers the spaCy factories the pipeline needs)

    path = Path(path)
    manifest = verify_bundle(path, allow_outside=allow_outside)
    try:
        nlp = spacy.load(path / NLP_DIR)
        if manifest.get("format_version") == 1:
            import joblib

            payload = joblib.load(path / MODEL_FILE)
            featurizer, model = payload["featurizer"], payload["model"]
        else:
            from msgrisk.training import frozen

            featurizer, model = frozen.load(path)
    except Exception as err:  # a verified but unreadable bundle: incompatible versions
        raise BundleError(
            f"{path} passed its hash check but could not be loaded ({type(err).__name__}: {err}); "
            f"it was written with {manifest.get('packages')}. Retrain with `make train`."
        ) from err
    return Bundle(path=path.resolve(), manifest=manifest, nlp=nlp, featurizer=featurizer,
                  model=model)


def convert_bundle(path: Path, allow_outside: bool = False) -> Path:
    """Rewrite a format-1 (pickled) bundle as a data-only format-2 bundle beside it,
    ``<name>-data``, with the same manifest fields, version and spaCy pipeline. The old
    bundle is verified (hashes) before it is unpickled, and left untouched."""
    path = Path(path)
    loaded = load_bundle(path, allow_outside=allow_outside)
    if loaded.manifest.get("format_version") != 1:
        raise BundleError(f"{path} is already format {loaded.manifest.get('format_version')}: "
                          "nothing to convert")
    keep = {k: v for k, v in loaded.manifest.items()
            if k not in {"format_version", "files", "created_at", "packages", "git_commit"}}
    keep["converted_from"] = path.name
    return save_bundle(loaded.nlp, loaded.featurizer, loaded.model, keep, path.resolve().parent,
                       folder_name=f"{path.resolve().name}-data")


def promote(bundle_path: Path, models_dir: Path) -> Path:
    """Point ``models/champion`` at ``bundle_path`` atomically (symlink swap by rename)."""
    verify_bundle(bundle_path, allow_outside=True)
    link = models_dir / config.CHAMPION
    tmp_link = models_dir / f".champion-{uuid.uuid4().hex}"
    os.symlink(Path(bundle_path).name, tmp_link)
    try:
        os.replace(tmp_link, link)
    except OSError:
        tmp_link.unlink(missing_ok=True)
        raise
    return link


def champion_manifest(models_dir: Path) -> dict[str, Any] | None:
    """The current champion's manifest, or None when there is none (or it is broken)."""
    try:
        return verify_bundle(models_dir / config.CHAMPION, allow_outside=True)
    except BundleError:
        return None
