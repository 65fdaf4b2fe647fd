"""Project paths and runtime settings.

Paths derive from the project root and can be overridden by environment variables:

- ``MSGRISK_HOME``       one folder for a team's project: ``<home>/data``, ``<home>/models``
  and ``<home>/reports`` (the three variables below still win when set)
- ``MSGRISK_DATA_DIR``   data folder (default ``<root>/data``)
- ``MSGRISK_MODELS_DIR`` folder holding bundles (default ``<root>/models``)
- ``MSGRISK_MODEL``      the bundle predict serves (default ``<models>/champion``);
  a path or an MLflow ``models:/`` URI
- ``MSGRISK_REPORTS_DIR`` reports folder (default ``<root>/reports``)
- ``MLFLOW_TRACKING_URI`` MLflow store (default ``sqlite:///<root>/mlflow.db``)
- ``MSGRISK_REGISTERED_MODEL`` MLflow model name (default ``msgrisk`` for the sample
  corpus, ``msgrisk-<dataset>`` for an imported export)

Two kinds of corpus live in a data folder, never in the same place: the generator's sample
(``raw/``, rebuilt by ``make data``, deleted by ``make clean``) and a team's own export
(``imported/``, written only by ``msgrisk data import``, never deleted by make). When
``imported/messages.parquet`` exists the pipeline trains on it, and the generator's
``truth.parquet`` is never read (it describes the sample's messages, not yours).
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
#: Registered model name in MLflow for the sample corpus.
REGISTERED_MODEL = "msgrisk"
#: Dataset name of the generator's sample corpus.
SAMPLE_DATASET = "sample"


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
    def imported(self) -> Path:
        """A team's own export, as written by ``msgrisk data import`` (never by make)."""
        return self.data / "imported"

    @property
    def imported_messages(self) -> Path:
        return self.imported / "messages.parquet"

    @property
    def import_report(self) -> Path:
        return self.imported / "import.json"

    @property
    def sample_messages(self) -> Path:
        return self.raw / "messages.parquet"

    @property
    def is_imported(self) -> bool:
        """True when this data folder trains on an imported export, not the sample."""
        return self.imported_messages.is_file()

    @property
    def messages(self) -> Path:
        """The corpus the pipeline trains on: the imported export if any, else the sample."""
        return self.imported_messages if self.is_imported else self.sample_messages

    @property
    def truth(self) -> Path:
        """Generator truth for the sample corpus; an imported export has none (a path that is
        never written, so every ``truth.is_file()`` check says no)."""
        return self.imported / "truth.parquet" if self.is_imported else \
            self.raw / "truth.parquet"

    @property
    def dataset(self) -> str:
        """The corpus' name: ``sample``, or the name given at import (default: file stem)."""
        if not self.is_imported:
            return SAMPLE_DATASET
        import json

        try:
            return str(json.loads(self.import_report.read_text())["dataset"])
        except (OSError, ValueError, KeyError):
            return "imported"

    @property
    def registered_model(self) -> str:
        """MLflow model name: one per dataset, so a team's run never moves another's alias."""
        return registered_model_name(self.dataset)

    @property
    def weak_labels(self) -> Path:
        return self.interim / "weak_labels.parquet"

    @property
    def gold_csv(self) -> Path:
        """The hand-written gold set: the data dir's own, else the one shipped with the
        project (it encodes the policy, so any data dir is evaluated on it)."""
        own = self.gold / "gold.csv"
        return own if own.is_file() else PROJECT_ROOT / "data" / "gold" / "gold.csv"

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
        home = Path(os.environ["MSGRISK_HOME"]) if os.environ.get("MSGRISK_HOME") else base
        return cls(
            root=base,
            data=Path(os.environ.get("MSGRISK_DATA_DIR") or home / "data"),
            models=Path(os.environ.get("MSGRISK_MODELS_DIR") or home / "models"),
            reports=Path(os.environ.get("MSGRISK_REPORTS_DIR") or home / "reports"),
        )


def registered_model_name(dataset: str) -> str:
    """``MSGRISK_REGISTERED_MODEL`` if set, else ``msgrisk`` for the sample corpus and
    ``msgrisk-<dataset>`` for an import."""
    override = os.environ.get("MSGRISK_REGISTERED_MODEL")
    if override:
        return override
    return REGISTERED_MODEL if dataset == SAMPLE_DATASET else f"{REGISTERED_MODEL}-{dataset}"


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
