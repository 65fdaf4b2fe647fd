from pathlib import Path

from msgrisk import config


def test_config_paths_derive_from_root():
    p = config.paths()
    assert p.root == config.PROJECT_ROOT
    assert (config.PROJECT_ROOT / "pyproject.toml").is_file()
    assert p.messages == p.data / "raw" / "messages.parquet"
    assert p.champion == p.models / "champion"


def test_config_env_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("MSGRISK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("MSGRISK_MODELS_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("MSGRISK_MODEL", str(tmp_path / "bundle"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///" + str(tmp_path / "x.db"))
    p = config.paths()
    assert p.data == Path(tmp_path / "d")
    assert p.weak_labels == tmp_path / "d" / "interim" / "weak_labels.parquet"
    assert p.models == tmp_path / "m"
    assert config.model_location() == str(tmp_path / "bundle")
    assert config.tracking_uri().endswith("x.db")


def test_config_default_tracking_uri_is_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert config.tracking_uri() == f"sqlite:///{config.PROJECT_ROOT / 'mlflow.db'}"
