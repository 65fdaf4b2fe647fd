"""Interrupted training never damages the champion (symlink, bundle, MLflow alias)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from msgrisk import config
from msgrisk.training import bundle as bundles

N_MESSAGES = 1200


@pytest.fixture
def project(tiny_paths, tiny_bundle, tmp_path, monkeypatch, small_reviewed):
    """A small project copy (1,200 messages) whose champion is a copy of ``tiny_bundle``."""
    root = tmp_path / "proj"
    p = config.Paths(root=root, data=root / "data", models=root / "models",
                     reports=root / "reports")
    p.raw.mkdir(parents=True)
    pd.read_parquet(tiny_paths.messages).head(N_MESSAGES).to_parquet(p.messages, index=False)
    shutil.copy(tiny_paths.truth, p.truth)
    shutil.copytree(tiny_paths.gold, p.gold)
    small_reviewed(p)
    p.interim.mkdir(parents=True)
    shutil.copy(tiny_paths.weak_labels, p.weak_labels)  # newer than messages: no relabel
    p.models.mkdir(parents=True)
    shutil.copytree(tiny_bundle, p.models / tiny_bundle.name)
    bundles.promote(p.models / tiny_bundle.name, p.models)
    for key, value in {"MSGRISK_DATA_DIR": p.data, "MSGRISK_MODELS_DIR": p.models,
                       "MSGRISK_REPORTS_DIR": p.reports,
                       "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}"}.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.chdir(root)  # MLflow puts artifacts for a sqlite store under ./mlruns
    return p


def champion_state(p: config.Paths) -> tuple[str, str]:
    """(symlink target, weights.npz sha256) after checking the champion still verifies."""
    manifest = bundles.verify_bundle(p.champion, allow_outside=True)
    bundles.load_bundle(p.champion, allow_outside=True)
    return os.readlink(p.champion), manifest["files"][bundles.WEIGHTS_FILE]


def champion_alias() -> str | None:
    import mlflow
    from mlflow.exceptions import MlflowException

    from msgrisk.training import tracking

    tracking.setup()
    try:
        return mlflow.MlflowClient().get_model_version_by_alias(config.REGISTERED_MODEL,
                                                                tracking.ALIAS).version
    except MlflowException:
        return None


def leftovers(p: config.Paths) -> list[Path]:
    return [*p.models.glob(".tmp-*"), *p.models.glob(".champion-*")]


def test_interrupted_training_failure_while_saving_keeps_champion(project, monkeypatch):
    from msgrisk.pipeline import TrainConfig, train

    before = champion_state(project)
    real_verify = bundles.verify_bundle

    def fail_on_temp(path, allow_outside=False):
        if Path(path).name.startswith(".tmp-"):
            raise OSError("disk full while writing the bundle")
        return real_verify(path, allow_outside)

    monkeypatch.setattr(bundles, "verify_bundle", fail_on_temp)
    with pytest.raises(OSError, match="disk full"):
        train(TrainConfig(min_df=1, promote="always"), project, log_mlflow=False,
              progress=False)
    monkeypatch.undo()
    assert champion_state(project) == before
    assert leftovers(project) == []
    assert [d.name for d in project.models.glob("msgrisk-*")] == [Path(before[0]).name]


def test_interrupted_training_stale_temps_are_cleaned(tmp_path):
    old, fresh = tmp_path / ".tmp-old", tmp_path / ".tmp-fresh"
    old.mkdir()
    (old / "weights.npz").write_bytes(b"half")
    fresh.mkdir()
    (tmp_path / ".champion-old").symlink_to("nowhere")
    stale = time.time() - bundles.STALE_TEMP_SECONDS - 60
    os.utime(old, (stale, stale))
    os.utime(tmp_path / ".champion-old", (stale, stale), follow_symlinks=False)
    removed = bundles.clean_stale_temps(tmp_path)
    assert sorted(r.name for r in removed) == [".champion-old", ".tmp-old"]
    assert fresh.is_dir()  # may belong to a run still writing


@pytest.mark.slow
@pytest.mark.parametrize("where", ["evaluate_run", "save_bundle", "log_training_run"])
def test_interrupted_training_exception_keeps_champion_and_alias(project, monkeypatch, where):
    from msgrisk import pipeline as training
    from msgrisk.training import tracking

    first = training.train(training.TrainConfig(min_df=1, promote="always"), project,
                           log_mlflow=True, progress=False)
    assert first.promoted and champion_alias() is not None
    before, alias = champion_state(project), champion_alias()

    def boom(*args, **kwargs):
        raise RuntimeError(f"interrupted in {where}")

    target = {"evaluate_run": training, "save_bundle": bundles, "log_training_run": tracking}
    monkeypatch.setattr(target[where], where, boom)
    with pytest.raises(RuntimeError, match="interrupted"):
        training.train(training.TrainConfig(min_df=1, promote="always"), project,
                       log_mlflow=True, progress=False)
    assert champion_state(project) == before
    assert champion_alias() == alias
    assert leftovers(project) == []


def _spawn_train(p: config.Paths) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("msgrisk")
    return subprocess.Popen([str(exe), "train", "--set", "min_df=1", "--set", "promote=always"],
                            env=dict(os.environ), cwd=p.root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.mark.slow
def test_interrupted_training_sigkill_keeps_champion_and_alias(project):
    from msgrisk import pipeline as training

    training.train(training.TrainConfig(min_df=1, promote="always"), project, log_mlflow=True,
                   progress=False)
    before, alias = champion_state(project), champion_alias()
    killed_while_saving = False
    for when in (2.0, 5.0, "saving"):
        proc = _spawn_train(project)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if when == "saving" and list(project.models.glob(".tmp-*")):
                killed_while_saving = True
                break
            if isinstance(when, float) and time.monotonic() > deadline - 300 + when:
                break
            time.sleep(0.02)
        finished = proc.poll() is not None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if finished:  # the run completed before the kill: a legitimate new champion
            before, alias = champion_state(project), champion_alias()
        assert champion_state(project) == before, when
        assert champion_alias() == alias, when
    # a kill mid-save can leave a temp folder; the next save removes it once it is stale
    for leftover in project.models.glob(".tmp-*"):
        os.utime(leftover, (0, 0))
    bundles.clean_stale_temps(project.models)
    assert list(project.models.glob(".tmp-*")) == []
    print(f"killed while saving: {killed_while_saving}")
