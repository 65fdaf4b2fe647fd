"""A team retrains on its own export, as the README tells it to, end to end:

export with only ``message_id,text,sent_at`` -> ``make train RAW=...`` -> a bundle whose model
serves labels -> ``msgrisk review-queue`` as Label Studio tasks -> a Label Studio JSON export
-> ``msgrisk feedback import`` -> ``make train`` again, and the reviewed rows changed the
model. Everything runs in subprocesses with a private MSGRISK_HOME and MLflow store, the
way a user's shell would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msgrisk import config, labels

ROOT = config.PROJECT_ROOT
MSGRISK = ROOT / ".venv" / "bin" / "msgrisk"


def _env(home: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSGRISK_")}
    env.update(MSGRISK_HOME=str(home), MLFLOW_TRACKING_URI=f"sqlite:///{tmp / 'mlflow.db'}",
               MLFLOW_DISABLE_TELEMETRY="true")
    return env


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _predictor(bundle: Path):
    from msgrisk.serving.predict import Predictor
    from msgrisk.training.bundle import load_bundle

    return Predictor(load_bundle(bundle, allow_outside=True))


# why slow: two full `make train` runs (reviewed seed set + 2,500 messages), ~2-3 min
@pytest.mark.slow
def test_own_export_to_reviewed_retrain(tmp_path: Path) -> None:
    if not MSGRISK.exists():
        pytest.skip("needs the project venv (make install)")
    from msgrisk.corpus.synth.generator import write_corpus

    sample = tmp_path / "sample"
    write_corpus(sample, seed=11, n_messages=2500)
    truth = pd.read_parquet(sample / "truth.parquet").set_index("message_id")["labels"]
    export = tmp_path / "kx_export.csv"
    messages = pd.read_parquet(sample / "messages.parquet")
    messages[["message_id", "text", "sent_at"]].assign(
        sent_at=lambda f: f["sent_at"].astype(str)).to_csv(export, index=False)

    home = tmp_path / "team"
    env = _env(home, tmp_path)
    first = _run(["make", "--no-print-directory", "train", f"RAW={export}"], env)
    assert "generator test split: skipped" in first.stdout
    assert "promotion: no champion" in first.stdout
    p = config.Paths(root=home, data=home / "data", models=home / "models",
                     reports=home / "reports")
    assert (p.imported / "messages.parquet").is_file() and not (p.raw / "truth.parquet").exists()
    manifest = json.loads((p.champion / "manifest.json").read_text())
    assert manifest["name"] == "msgrisk-kx-export" and manifest["dataset"] == "kx-export"
    served = [lab for lab, t in manifest["thresholds"].items() if t <= 1.0]
    assert served, "the model serves no label: rules only"
    before = _predictor(p.champion)
    pred = before.predict("send me your OTP code now or your account is closed")
    assert pred.source in {"model", "model+rules"} and "suspicious" in pred.labels
    report = json.loads((p.reports / "metrics.json").read_text())
    assert "test" not in report and {"reviewed_test", "gold"} <= set(report)

    # review: Label Studio tasks out, a Label Studio export back in
    tasks_path = tmp_path / "queue.json"
    _run([str(MSGRISK), "review-queue", str(p.imported / "messages.parquet"), "-o",
          str(tasks_path), "--n", "150"], env)
    tasks = json.loads(tasks_path.read_text())
    assert 100 <= len(tasks) <= 150
    for number, task in enumerate(tasks):
        decided = truth[task["data"]["message_id"]].split("|")
        task["id"] = 1000 + number
        task["annotations"] = [{"id": number, "completed_by": {"email": "ana@kx.example"},
                                "was_cancelled": False, "updated_at": "2026-12-01T10:00:00Z",
                                "result": [{"from_name": "risk", "to_name": "text",
                                            "type": "choices",
                                            "value": {"choices": decided}}]}]
    ls_export = tmp_path / "label-studio-export.json"
    ls_export.write_text(json.dumps(tasks))
    _run([str(MSGRISK), "feedback", "import", str(ls_export)], env)
    feedback = pd.read_csv(p.feedback_csv, dtype=str, keep_default_na=False)
    assert len(feedback) == len(tasks) and set(feedback["reviewer"]) == {"ana@kx.example"}

    second = _run(["make", "--no-print-directory", "train"], env)
    assert "promotion:" in second.stdout
    report = json.loads((p.reports / "metrics.json").read_text())
    assert report["n_feedback_applied"] >= len(tasks)  # repeated texts share a review
    after = _predictor(Path(report["bundle"]["path"]))

    # the reviewed rows changed the model: on the reviewed messages it fitted (train split),
    # its scores moved toward the reviewers' labels
    splits = pd.read_parquet(p.processed / "train.parquet", columns=["message_id"])
    fitted = feedback[feedback["message_id"].isin(set(splits["message_id"]))]
    assert len(fitted) >= 30
    y = labels.indicator_matrix(fitted["labels"])
    texts = fitted["text"].tolist()

    def error(predictor) -> float:
        scores = np.asarray([[pr.scores[lab] for lab in labels.RISK_LABELS]
                             for pr in predictor.predict_batch(texts)])
        return float(np.abs(scores - y).mean())

    assert error(after) < error(before)
    assert after.model_version != before.model_version
