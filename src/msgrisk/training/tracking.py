"""MLflow integration: run logging, registry, the champion alias and bundle download.

The pyfunc wrapper that serves a registered bundle is ``msgrisk.serving.pyfunc``; the
workflow hands an instance to :func:`log_training_run`, so training never imports serving.

The embedded default store is ``sqlite:///<root>/mlflow.db`` with artifacts in
``<root>/mlruns``; ``MLFLOW_TRACKING_URI`` overrides it. Telemetry is off.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from msgrisk import config

log = logging.getLogger(__name__)
ALIAS = "champion"


def setup() -> str:
    """Point MLflow at the configured store (telemetry off) and return the tracking URI."""
    config.configure_mlflow_env()
    import mlflow

    uri = config.tracking_uri()
    mlflow.set_tracking_uri(uri)
    return uri


def artifact_location(uri: str) -> str | None:
    """``mlruns/`` beside an sqlite store (MLflow would otherwise use ``./mlruns`` of the cwd)."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "mlruns").resolve().as_uri()
    return None


def experiment(name: str) -> str:
    """Id of the named experiment, created with its artifacts beside the store if new."""
    import mlflow

    uri = setup()
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    return str(mlflow.create_experiment(name, artifact_location=artifact_location(uri)))


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix] = float(value)


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Nested metrics -> ``{"test.model.off_platform.f1": 0.93, ...}`` (MLflow-safe keys)."""
    out: dict[str, float] = {}
    _flatten("", metrics, out)
    return {k.replace("+", "_").replace(" ", "_"): v for k, v in out.items()}


def log_training_run(params: dict[str, Any], metrics: dict[str, Any], bundle_path: Path,
                     artifacts: list[Path], promote: bool, example_texts: list[str],
                     python_model: Any, registered_model: str = config.REGISTERED_MODEL
                     ) -> dict[str, Any]:
    """Log one training run, register the pyfunc model under ``registered_model`` (one name
    per dataset) and set its ``champion`` alias when promoted."""
    import mlflow
    from mlflow.models import infer_signature

    with mlflow.start_run(experiment_id=experiment(registered_model),
                          run_name=bundle_path.name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics(flatten_metrics(metrics))
        for path in artifacts:
            if path.is_file():
                mlflow.log_artifact(str(path), artifact_path="reports")
        example = pd.DataFrame({"text": example_texts[:3]})
        # a fresh instance for the signature: the logged one must stay unloaded to pickle
        wrapper = type(python_model)()
        wrapper.load_context(type("Ctx", (), {"artifacts": {"bundle": str(bundle_path)}})())
        signature = infer_signature(example, wrapper.predict(None, example))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=python_model,
            artifacts={"bundle": str(bundle_path)},
            signature=signature,
            input_example=example,
            pip_requirements=[f"msgrisk=={_msgrisk_version()}"],
            registered_model_name=registered_model,
        )
        version = str(info.registered_model_version)
        if promote:
            mlflow.MlflowClient().set_registered_model_alias(registered_model, ALIAS, version)
    return {"run_id": run.info.run_id, "model_uri": info.model_uri,
            "registered_model": registered_model,
            "registered_version": version, "promoted": promote}


def _msgrisk_version() -> str:
    from importlib.metadata import version

    return version("msgrisk")


def download_bundle(uri: str) -> Path:
    """Download a logged msgrisk model (``models:/msgrisk@champion``) and return its bundle."""
    import mlflow

    setup()
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    # pyfunc copies the bundle folder under artifacts/<folder name>
    for candidate in (local, *sorted(local.glob("*")), *sorted(local.glob("artifacts/*"))):
        if (candidate / "manifest.json").is_file():
            return candidate
    raise FileNotFoundError(f"{uri} holds no msgrisk bundle (no manifest.json under {local})")
