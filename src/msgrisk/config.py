"""Project paths and runtime settings.

Paths derive from the project root and can be overridden by environment variables:

- ``MSGRISK_DATA_DIR``   data folder (default ``<root>/data``)
- ``MSGRISK_MODELS_DIR`` folder holding bundles (default ``<root>/models``)
- ``MSGRISK_MODEL``      the bundle predict serves (default ``<models>/champion``);
  a path or an MLflow ``models:/`` URI
- ``MSGRISK_REPORTS_DIR`` reports folder (default ``<root>/reports``)
- ``MLFLOW_TRACKING_URI`` MLflow store (default ``sqlite:///<root>/mlflow.db``)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _find_root() -> Path:
    """The project root: ``MSGRISK_ROOT``, else the nearest parent with a pyproject, else cwd."""
    env = os.environ.get("MSGRISK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "msgrisk").is_dir():
            return parent
    return Path.cwd().resolve()


PROJECT_ROOT: Path = _find_root()
#: Name of the symlink (or folder) under the models directory that predict serves.
CHAMPION = "champion"
#: Registered model name in MLflow.
REGISTERED_MODEL = "msgrisk"


@dataclass(frozen=True)
class Paths:
    """Every filesystem location the pipeline reads or writes."""

    root: Path
    data: Path
    models: Path
    reports: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def interim(self) -> Path:
        return self.data / "interim"

    @property
    def processed(self) -> Path:
        return self.data / "processed"

    @property
    def gold(self) -> Path:
        return self.data / "gold"

    @property
    def quarantine(self) -> Path:
        return self.data / "quarantine"

    @property
    def messages(self) -> Path:
        return self.raw / "messages.parquet"

    @property
    def truth(self) -> Path:
        return self.raw / "truth.parquet"

    @property
    def weak_labels(self) -> Path:
        return self.interim / "weak_labels.parquet"

    @property
    def gold_csv(self) -> Path:
        return self.gold / "gold.csv"

    @property
    def reviewed(self) -> Path:
        return self.data / "reviewed"

    @property
    def reviewed_csv(self) -> Path:
        """The reviewed seed set: the data dir's own, else the one shipped with the project
        (it encodes the policy, so a team's own data dir trains with it too)."""
        own = self.reviewed / "reviewed.csv"
        return own if own.is_file() else PROJECT_ROOT / "data" / "reviewed" / "reviewed.csv"

    @property
    def feedback_csv(self) -> Path:
        return self.gold / "feedback.csv"

    @property
    def figures(self) -> Path:
        return self.reports / "figures"

    @property
    def champion(self) -> Path:
        return self.models / CHAMPION

    @classmethod
    def from_env(cls, root: Path | None = None) -> Paths:
        """Resolve paths from the environment (read at call time, so tests can override)."""
        base = Path(root) if root is not None else PROJECT_ROOT
        return cls(
            root=base,
            data=Path(os.environ.get("MSGRISK_DATA_DIR", base / "data")),
            models=Path(os.environ.get("MSGRISK_MODELS_DIR", base / "models")),
            reports=Path(os.environ.get("MSGRISK_REPORTS_DIR", base / "reports")),
        )


def paths() -> Paths:
    """The current paths, honouring environment overrides."""
    return Paths.from_env()


def model_location() -> str:
    """The bundle predict serves: ``MSGRISK_MODEL`` or ``<models>/champion``."""
    return os.environ.get("MSGRISK_MODEL", str(paths().champion))


def tracking_uri() -> str:
    """MLflow tracking URI: ``MLFLOW_TRACKING_URI`` or the embedded sqlite store in the root."""
    return os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}")


def configure_mlflow_env() -> None:
    """Set MLflow defaults (telemetry off) unless the user already chose otherwise."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
