"""No message text in logs, stderr or training reports (canary texts must never show up)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import msgrisk
from msgrisk import config
from msgrisk.serving.predict import Predictor, load_predictor

CANARY = "canary-7731 call me 876 555 0199"
CANARIES = (CANARY, "canary-7731", "555 0199", "canary-4402 you useless thief")
TEXTS = [f"{CANARY} on whatsapp", "canary-4402 you useless thief, I guarantee it arrives"]


def assert_no_canary(*blobs: str) -> None:
    for blob in blobs:
        for canary in CANARIES:
            assert canary not in blob


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG, logger="msgrisk")
    caplog.set_level(logging.INFO)
    return caplog


def test_privacy_predict_and_redact_log_no_text(tiny_predictor, logs, capsys):
    rules_only = Predictor(None, fallback_reason="test")
    for predictor in (tiny_predictor, rules_only):
        predictor.predict(TEXTS[0])
        predictor.predict_batch(TEXTS)
    assert "555 0199" not in msgrisk.redact(CANARY)
    out = capsys.readouterr()
    assert_no_canary(logs.text, out.out, out.err)


def test_privacy_rules_fallback_warning_has_no_text(tmp_path, logs, capsys):
    predictor = load_predictor(tmp_path / "missing", allow_outside=True)
    predictor.predict_batch(TEXTS)
    assert "rules-only" in logs.text  # the warning was emitted, and it is about the bundle
    out = capsys.readouterr()
    assert_no_canary(logs.text, out.out, out.err, predictor.fallback_reason or "")


@pytest.mark.slow
def test_privacy_cli_stderr_has_no_text(tmp_path):
    exe = Path(sys.executable).with_name("msgrisk")
    result = subprocess.run([str(exe), "-v", "predict", "--model", str(tmp_path / "none"), CANARY],
                            capture_output=True, text=True, timeout=120, check=True)
    assert "rules-only" in result.stderr
    assert_no_canary(result.stderr)
    assert json.loads(result.stdout)["labels"]  # stdout is the answer to the caller


def test_privacy_serve_logs_and_errors_have_no_text(logs):
    from fastapi.testclient import TestClient

    from msgrisk.serving.http import create_app

    app = create_app(Predictor(None, fallback_reason="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/predict", json={"texts": TEXTS}).status_code == 200
        redacted = client.post("/redact", json={"texts": [CANARY]})
        assert "555 0199" not in redacted.text
        invalid = client.post("/predict", json={"texts": [CANARY, 5], "extra": CANARY})
        assert invalid.status_code == 422
        assert_no_canary(invalid.text)
    assert_no_canary(logs.text)


@pytest.fixture(scope="module")
def trained_with_canaries(tiny_paths, tmp_path_factory, small_reviewed):
    """Labeling + training on 800 messages plus canary rows (one good, one quarantined)."""
    from msgrisk import pipeline as training
    from msgrisk.training import labeling, tracking

    root = tmp_path_factory.mktemp("privacy")
    p = config.Paths(root=root, data=root / "data", models=root / "models",
                     reports=root / "reports")
    p.raw.mkdir(parents=True)
    shutil.copytree(tiny_paths.gold, p.gold)
    small_reviewed(p)
    messages = pd.read_parquet(tiny_paths.messages).head(800)
    canary_rows = messages.head(2).copy()
    canary_rows["message_id"] = ["canary-good", "canary-bad"]
    canary_rows["text"] = TEXTS
    canary_rows.loc[canary_rows.index[1], "sender_role"] = "courier"  # quarantined
    pd.concat([canary_rows, messages], ignore_index=True).to_parquet(p.messages, index=False)
    shutil.copy(tiny_paths.truth, p.truth)

    examples: list[list[str]] = []
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    root_logger, ours = logging.getLogger(), logging.getLogger("msgrisk")
    old_levels = root_logger.level, ours.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    original = tracking.log_training_run
    tracking.log_training_run = lambda *a, **k: examples.append(list(a[5])) or {}
    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            labeling.run_labeling(p)
            training.train(training.TrainConfig(min_df=1), p, log_mlflow=True, progress=False)
    finally:
        tracking.log_training_run = original
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_levels[0])
        ours.setLevel(old_levels[1])
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)
    return p, text, err.getvalue() + out.getvalue(), examples


def test_privacy_labeling_and_training_log_no_text(trained_with_canaries):
    _, log_text, console, _ = trained_with_canaries
    assert_no_canary(log_text, console)


def test_privacy_training_reports_have_no_text(trained_with_canaries):
    p, _, _, _ = trained_with_canaries
    for name in ("metrics.json", "labeling.json", "labeling.md"):
        assert_no_canary((p.reports / name).read_text())


def test_privacy_mlflow_input_example_is_not_corpus_text(trained_with_canaries):
    p, _, _, examples = trained_with_canaries
    corpus = set(pd.read_parquet(p.messages)["text"])
    assert examples and examples[0]
    assert not corpus & set(examples[0])  # a fixed synthetic example, not a customer message


def test_privacy_quarantine_csv_keeps_raw_text_by_design(trained_with_canaries):
    p, _, _, _ = trained_with_canaries
    quarantined = pd.read_csv(p.quarantine / "messages.quarantine.csv", dtype=str)
    assert quarantined["message_id"].tolist() == ["canary-bad"]  # documented in reliability.md
