"""MLflow: a training run is logged, registered and aliased in a temp sqlite store."""

import shutil

import pandas as pd
import pytest

from msgrisk import config
from msgrisk.pipeline import TrainConfig, train
from msgrisk.serving import pyfunc
from msgrisk.serving.predict import load_predictor
from msgrisk.training import tracking


@pytest.fixture(scope="module")
def mlflow_project(tiny_paths, tmp_path_factory, small_reviewed):
    root = tmp_path_factory.mktemp("mlflow_project")
    shutil.copytree(tiny_paths.data, root / "data")
    p = config.Paths(root=root, data=root / "data", models=root / "models",
                     reports=root / "reports")
    small_reviewed(p)
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
    mp.setenv("MSGRISK_MODELS_DIR", str(p.models))
    first = train(TrainConfig(min_df=1), p, log_mlflow=True, progress=False)
    second = train(TrainConfig(min_df=1, promote="never"), p, log_mlflow=True, progress=False)
    yield p, first, second
    mp.undo()


def test_tracking_registers_and_aliases_champion(mlflow_project):
    import mlflow

    p, first, second = mlflow_project
    client = mlflow.MlflowClient()
    assert first.promoted and first.mlflow["registered_version"] == "1"
    assert not second.promoted and second.mlflow["registered_version"] == "2"
    champion = client.get_model_version_by_alias(config.REGISTERED_MODEL, tracking.ALIAS)
    assert str(champion.version) == "1"  # the unpromoted run did not move the alias
    assert (p.models / config.CHAMPION).resolve() == first.bundle_path.resolve()


def test_tracking_run_has_params_metrics_and_artifacts(mlflow_project):
    import mlflow

    p, first, _ = mlflow_project
    run = mlflow.MlflowClient().get_run(first.mlflow["run_id"])
    assert run.data.params["C"] == "4.0"
    assert "precision_target.suspicious" in run.data.params
    assert 0.0 <= run.data.metrics["test.model.macro.f1"] <= 1.0
    assert "gold.rules.macro.f1" in run.data.metrics
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "reports")}
    assert "reports/metrics.json" in artifacts
    # artifacts live beside the sqlite store, not in the cwd
    assert (p.root / "mlruns").is_dir()


def test_tracking_pyfunc_champion_predicts_dataframe(mlflow_project):
    import mlflow

    model = mlflow.pyfunc.load_model("models:/msgrisk@champion")
    out = model.predict(pd.DataFrame({"text": ["call me on 876 555 0142", "when will it ship?"]}))
    assert list(out.columns) == pyfunc.OUTPUT_COLUMNS
    assert "off_platform" in out.loc[0, "labels"]
    assert out.loc[1, "labels"] == "fine"


def test_tracking_load_predictor_from_registry_uri(mlflow_project):
    predictor = load_predictor("models:/msgrisk@champion")
    assert predictor.mode == "model"
    assert predictor.predict("call me on 876 555 0142").labels[0] == "off_platform"


@pytest.mark.slow
def test_mlflow_models_serve_answers_invocations_like_predict(mlflow_project):
    """`mlflow models serve -m models:/msgrisk@champion --env-manager local` over a real
    loopback socket returns the labels msgrisk's own predictor gives."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    texts = ["call me on 876 555 0142", "when will it ship?", "send me the code from the sms",
             "you idiot, I will find you", "I guarantee it arrives Friday"]
    expected = [
        "|".join(p.labels) for p in load_predictor("models:/msgrisk@champion").predict_batch(texts)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bindir = str(Path(sys.executable).parent)  # mlflow finds uvicorn on PATH
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    server = subprocess.Popen(
        [str(Path(bindir) / "mlflow"), "models", "serve", "-m", "models:/msgrisk@champion",
         "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "mlflow models serve did not come up in 180 s"
            time.sleep(1)
        body = {"dataframe_split": {"columns": ["text"], "data": [[t] for t in texts]}}
        response = httpx.post(f"{url}/invocations", json=body, timeout=60)
        assert response.status_code == 200, response.text[:500]
        rows = response.json()["predictions"]
        assert [row["labels"] for row in rows] == expected
        assert expected[0].startswith("off_platform") and expected[1] == "fine"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
