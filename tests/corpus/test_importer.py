"""`msgrisk data import`: any export with a text column becomes a corpus the pipeline trains on."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from msgrisk import config
from msgrisk.cli import app
from msgrisk.corpus import dataset, importer


@pytest.fixture()
def home(tmp_path: Path) -> config.Paths:
    root = tmp_path / "home"
    return config.Paths(root=root, data=root / "data", models=root / "models",
                        reports=root / "reports")


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(path, index=False)
    return path


TEXTS = ["hi, is the wig still available?", "send the money to my cashapp $kxdeals",
         "Deal", "mi a go buss yuh head", "I guarantee it arrives tomorrow"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_import_text_only_export_fills_documented_defaults(tmp_path: Path, home: config.Paths,
                                                           suffix: str) -> None:
    export = _write(pd.DataFrame({"body": TEXTS}), tmp_path / f"Team Export{suffix}")
    report = importer.import_export(export, home, importer.ColumnMap(text="body"))
    assert home.is_imported and home.messages == home.imported_messages
    assert home.dataset == "team-export" and home.registered_model == "msgrisk-team-export"
    assert not home.truth.is_file()  # an import never reads the generator's truth
    out = pd.read_parquet(home.messages)
    assert out["text"].tolist() == TEXTS
    assert list(out.columns[:7]) == list(dataset.REQUIRED_COLUMNS)
    assert out["message_id"].str.fullmatch(r"h[0-9a-f]{16}").all()
    assert (out["thread_id"] == out["message_id"]).all()  # each message its own thread
    assert (out["sender_role"] == "unknown").all() and (out["fulfillment"] == "unknown").all()
    assert out["sent_at"].isna().all()
    assert report["n_good"] == 5 and report["n_quarantined"] == 0
    assert report["columns"]["message_id"] == "default"
    # the same rows re-imported get the same ids (stable hash, not a row number)
    again = importer.import_export(export, home, importer.ColumnMap(text="body"))
    assert again["n_good"] == 5
    assert pd.read_parquet(home.messages)["message_id"].tolist() == out["message_id"].tolist()


def test_import_maps_columns_parses_times_and_keeps_extras(tmp_path: Path,
                                                           home: config.Paths) -> None:
    frame = pd.DataFrame({
        "msg": ["a1", "a2", "a3"], "conv": ["c1", "c1", "c2"], "body": TEXTS[:3],
        "when": ["2026-01-05 10:00", "2026-01-05T11:30:00+01:00", "5 Jan 2026 12:00"],
        "who": ["Buyer", "SELLER", ""], "channel": ["app", "web", "app"],
    })
    export = _write(frame, tmp_path / "kx.csv")
    importer.import_export(export, home, importer.ColumnMap(
        text="body", message_id="msg", thread_id="conv", sent_at="when", sender_role="who"),
        name="KX 2026")
    out = pd.read_parquet(home.messages)
    assert home.dataset == "kx-2026"
    assert out["message_id"].tolist() == ["a1", "a2", "a3"]
    assert out["thread_id"].tolist() == ["c1", "c1", "c2"]
    assert out["sender_role"].tolist() == ["buyer", "seller", "unknown"]
    assert str(out["sent_at"].dtype).startswith("datetime64") and out["sent_at"].notna().all()
    assert out["sent_at"].iloc[1] == pd.Timestamp("2026-01-05T10:30:00Z")
    assert out["channel"].tolist() == ["app", "web", "app"]


def test_import_counts_duplicates_and_quarantines_with_valid_values(tmp_path: Path,
                                                                    home: config.Paths) -> None:
    frame = pd.DataFrame({
        "message_id": ["m1", "m1", "m2", "m3", "m4", "m5", "m2"],
        "text": ["hello", "hello", "where is my order", "  ", "ok", "thanks", "other text"],
        "sent_at": ["2026-01-01", "2026-01-01", "2026-01-02", "2026-01-03", "yesterday-ish",
                    "2026-01-04", "2026-01-05"],
        "fulfillment": ["seller_managed", "seller_managed", "", "", "", "drone", ""],
    })
    export = _write(frame, tmp_path / "faulty.csv")
    report = importer.import_export(export, home)
    assert report["n_rows_in"] == 7
    assert report["n_exact_duplicates"] == 1
    assert report["n_good"] + report["n_quarantined"] + report["n_exact_duplicates"] == 7
    reasons = report["quarantined_by_reason"]
    assert reasons["invalid sent_at"] == 1
    assert any(r.startswith("invalid fulfillment (valid: dispatched_by_kx, seller_managed, "
                            "unknown)") for r in reasons)
    assert any("text" in r for r in reasons)
    assert any(r == "duplicate message_id" for r in reasons)
    # quarantine goes to the DATA folder's quarantine, with the reason per row
    q = pd.read_csv(home.quarantine / "faulty.quarantine.csv")
    assert len(q) == report["n_quarantined"] and q["reason"].str.len().gt(0).all()
    written = json.loads((home.reports / "import.json").read_text())
    assert written["n_good"] == report["n_good"] == 2
    assert "hello" not in json.dumps(written)  # counts only, never message text


def test_import_nothing_usable_fails_with_the_fix(tmp_path: Path, home: config.Paths) -> None:
    export = _write(pd.DataFrame({"text": ["hi", "yo"], "sender_role": ["admin", "bot"]}),
                    tmp_path / "bad.csv")
    with pytest.raises(importer.ImportFailed, match="valid sender_role values: buyer, seller, "
                       "unknown"):
        importer.import_export(export, home)
    assert not home.imported_messages.exists()


def test_import_missing_text_column_names_the_option(tmp_path: Path, home: config.Paths) -> None:
    export = _write(pd.DataFrame({"body": ["hi"]}), tmp_path / "x.csv")
    with pytest.raises(importer.ImportFailed, match="--text-column"):
        importer.import_export(export, home)
    with pytest.raises(importer.ImportFailed, match="no column 'nope'"):
        importer.import_export(export, home, importer.ColumnMap(text="body", sent_at="nope"))


def test_import_rejects_the_sample_name(tmp_path: Path, home: config.Paths) -> None:
    export = _write(pd.DataFrame({"text": ["hi"]}), tmp_path / "x.csv")
    with pytest.raises(importer.ImportFailed, match="--name"):
        importer.import_export(export, home, name="sample")


def test_cli_import_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSGRISK_HOME", str(tmp_path / "home"))
    for var in ("MSGRISK_DATA_DIR", "MSGRISK_MODELS_DIR", "MSGRISK_REPORTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    good = _write(pd.DataFrame({"message": TEXTS}), tmp_path / "ok.jsonl")
    result = runner.invoke(app, ["data", "import", str(good), "--text-column", "message"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "data" / "imported" / "messages.parquet").is_file()
    assert (tmp_path / "home" / "reports" / "import.json").is_file()

    bad = _write(pd.DataFrame({"text": ["hi"], "fulfillment": ["drone"]}), tmp_path / "bad.csv")
    result = runner.invoke(app, ["data", "import", str(bad)])
    assert result.exit_code == 1
    assert "dispatched_by_kx" in result.output
    # `data validate` on a file that is not in the corpus schema: exit 1, says to import
    result = runner.invoke(app, ["data", "validate", str(good)])
    assert result.exit_code == 1
    assert "msgrisk data import" in result.output


def test_paths_home_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSGRISK_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("MSGRISK_REPORTS_DIR", str(tmp_path / "r"))
    monkeypatch.delenv("MSGRISK_DATA_DIR", raising=False)
    monkeypatch.delenv("MSGRISK_MODELS_DIR", raising=False)
    p = config.paths()
    assert p.data == tmp_path / "h" / "data" and p.models == tmp_path / "h" / "models"
    assert p.reports == tmp_path / "r"
    assert p.dataset == config.SAMPLE_DATASET and p.registered_model == "msgrisk"
    # an empty data folder still evaluates on the shipped gold set
    assert p.gold_csv == config.PROJECT_ROOT / "data" / "gold" / "gold.csv"


def _make_dry_run(*args: str) -> str:
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MSGRISK_")}
    result = subprocess.run(["make", "-n", "--no-print-directory", *args],
                            cwd=config.PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    return result.stdout + result.stderr


def test_makefile_honours_the_home_and_imports_raw(tmp_path: Path) -> None:
    export = _write(pd.DataFrame({"text": TEXTS}), tmp_path / "KX Export 2026.csv")
    safe = tmp_path / "kx_export.csv"
    export.rename(safe)
    out = _make_dry_run("train", f"RAW={safe}")
    home = config.PROJECT_ROOT / "projects" / "kx-export"
    assert f"msgrisk data import \"{safe}\" --name \"kx-export\"" in out
    assert f"MSGRISK_DATA_DIR={home}/data" in out and "data synth" not in out
    out = _make_dry_run("train", f"MSGRISK_HOME={tmp_path / 'team'}")
    assert f"MSGRISK_MODELS_DIR={tmp_path / 'team'}/models" in out
    assert "Nothing to be done" not in out


def test_make_clean_never_touches_your_data() -> None:
    out = _make_dry_run("clean")
    assert "imported" not in out and "gold" not in out and "reviewed" not in out
    assert "data/raw/*" not in out  # only the generator's own files, never your CSVs
    assert "data/raw/messages.parquet" in out
