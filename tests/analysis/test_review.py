"""Stratified review queue, Label Studio round trip, lenient review labels, CLI exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from msgrisk import config, labels
from msgrisk.analysis import labelstudio
from msgrisk.analysis.feedback import (
    ACCEPTED_FORMAT,
    REJECTED_NAME,
    import_feedback,
    parse_review_labels,
)
from msgrisk.analysis.review import (
    FINE_STRATUM,
    REVIEW_COLUMNS,
    STRATA,
    allocate,
    assign_strata,
    review_queue,
    sample_strata,
)

runner = CliRunner()


class Overconfident:
    """The tiny predictor, except that it scores ``suspicious`` 0.99 for ``texts``.

    Mimics the real failure: harmless customer-support messages flagged with scores near 1.0
    (and, the rules not firing on them, no disagreement either).
    """

    def __init__(self, inner: Any, texts: set[str]) -> None:
        self.inner, self.texts = inner, texts
        self.max_chars, self.mode, self.model_version = inner.max_chars, "model", "overconfident"

    def score(self, texts: list[str], batch_size: int = 256) -> tuple[Any, np.ndarray, Any]:
        parsed, scores, X = self.inner.score(texts, batch_size=batch_size)
        scores = np.array(scores, dtype=float)
        scores[[t in self.texts for t in texts], 0] = 0.99
        return parsed, scores, X

    def decide(self, *args: Any) -> Any:
        return self.inner.decide(*args)


@pytest.fixture(scope="module")
def corpus(tiny_paths: config.Paths) -> pd.DataFrame:
    """500 distinct-text messages of the tiny project, with their true labels."""
    messages = pd.read_parquet(tiny_paths.messages, columns=["message_id", "text"])
    truth = pd.read_parquet(tiny_paths.truth, columns=["message_id", "labels"])
    frame = messages.merge(truth, on="message_id").drop_duplicates("text")
    return frame.sample(500, random_state=11).reset_index(drop=True)


@pytest.fixture(scope="module")
def overconfident(tiny_predictor: Any, corpus: pd.DataFrame) -> Overconfident:
    """65 % of the truly fine messages are flagged suspicious at 0.99."""
    fine = corpus.loc[corpus["labels"] == labels.FINE, "text"]
    return Overconfident(tiny_predictor, set(fine.sample(frac=0.65, random_state=3)))


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame[["message_id", "text"]].to_csv(path, index=False)
    return path


# -- strata and budget (pure functions) --------------------------------------------------------
def test_assign_strata_bins_flags_uncertainty_and_rules() -> None:
    scores = np.array([
        [0.99, 0.0, 0.0, 0.0],   # flagged suspicious, sure
        [0.55, 0.9, 0.0, 0.0],   # flagged both: the most severe label decides, below the top
        [0.2, 0.0, 0.0, 0.0],    # flagged by a rule the model doubts
        [0.0, 0.4, 0.0, 0.5],    # unflagged, two labels uncertain: off_platform worth more
        [0.0, 0.0, 0.1, 0.0],    # unflagged, a rule fires aggressive
        [0.0, 0.0, 0.0, 0.05],   # nothing
    ])
    model_y = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0],
                        [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)
    rules_y = np.zeros_like(model_y)
    rules_y[2, 0] = rules_y[4, 2] = True
    strata = assign_strata(scores, model_y, rules_y, (0.35, 0.65))
    assert strata.tolist() == ["suspicious:confident", "suspicious:borderline",
                               "suspicious:borderline", "off_platform:uncertain",
                               "aggressive:rules_only", FINE_STRATUM]
    # a rules-only predictor has no second opinion to disagree with
    assert assign_strata(scores, model_y, rules_y, (0.35, 0.65),
                         compare_rules=False)[4] == FINE_STRATUM


def test_allocate_gives_every_stratum_a_share_and_redistributes() -> None:
    sizes = {"suspicious:confident": 1000, "promise:uncertain": 3, "aggressive:rules_only": 0,
             FINE_STRATUM: 500}
    given = allocate(sizes, 40)
    assert sum(given.values()) == 40
    assert given["promise:uncertain"] == 3  # capped at its size, the rest redistributed
    assert given["aggressive:rules_only"] == 0
    assert given["suspicious:confident"] == 25 and given[FINE_STRATUM] == 12  # fine: half share
    assert allocate(sizes, 10_000) == sizes  # budget above the input: everything
    # fewer rows than strata: one each, full shares first
    assert allocate(sizes, 2) == {"suspicious:confident": 1, "promise:uncertain": 1,
                                  "aggressive:rules_only": 0, FINE_STRATUM: 0}
    with pytest.raises(ValueError, match="n must be >= 0"):
        allocate(sizes, -1)


def test_sample_strata_is_reproducible_and_never_repeats() -> None:
    rng = np.random.default_rng(0)
    strata = rng.choice(np.asarray(STRATA, dtype=object), size=2000,
                        p=[0.6] + [0.4 / (len(STRATA) - 1)] * (len(STRATA) - 1))
    first, again = sample_strata(strata, 100, seed=5), sample_strata(strata, 100, seed=5)
    assert first.tolist() == again.tolist()
    assert len(first) == len(set(first.tolist())) == 100
    assert sample_strata(strata, 100, seed=6).tolist() != first.tolist()
    counts = Counter(strata[first].tolist())
    # the dominant stratum does not crowd out the others: every stratum is represented
    assert set(counts) == set(STRATA)
    assert counts[STRATA[0]] <= 10


# -- the queue on a trained model -------------------------------------------------------------
def test_queue_represents_confident_flags(overconfident: Overconfident, corpus: pd.DataFrame,
                                          tmp_path: Path) -> None:
    source = _write(corpus, tmp_path / "messages.csv")
    out = tmp_path / "queue.csv"
    report = review_queue(source, out, n=60, seed=1, predictor=overconfident)
    queue = pd.read_csv(out, dtype=str, keep_default_na=False)

    assert report["n_queued"] == len(queue) == 60
    assert report["n_messages"] == report["n_distinct"] == 500
    # ~200 of 500 messages are confidently (wrongly) flagged: the largest stratum by far
    strata = report["strata"]
    assert strata["suspicious:confident"]["size"] >= len(overconfident.texts)
    assert sum(s["size"] for s in strata.values()) == 500
    # ... and the queue shows them to a reviewer, though their scores are far from uncertain
    confident = queue[queue["stratum"] == "suspicious:confident"]
    assert len(confident) >= 5
    assert (confident["score_suspicious"].astype(float) >= 0.65).all()
    assert confident["text"].isin(overconfident.texts).mean() >= 0.8
    # every non-empty stratum is represented, and the summary counts what was written
    assert {name for name, s in strata.items() if s["size"]} == set(queue["stratum"])
    assert Counter(queue["stratum"]) == {name: s["queued"] for name, s in strata.items()
                                         if s["queued"]}
    # the reason names the stratum that picked the row; weights reweigh to the input
    assert all(r.startswith(f"picked by {s}") for r, s in zip(queue["reason"], queue["stratum"],
                                                              strict=True))
    assert confident["reason"].str.contains("flagged:suspicious(0.99)", regex=False).all()
    weights = queue.groupby("stratum")["weight"].first().astype(float)
    assert weights["suspicious:confident"] == pytest.approx(
        strata["suspicious:confident"]["size"] / strata["suspicious:confident"]["queued"],
        abs=1e-3)
    # existing columns kept, each message at most once, best first
    assert {"message_id", "text", "labels", "score_suspicious", "rules_labels", "reason",
            "priority", *REVIEW_COLUMNS} <= set(queue.columns)
    assert queue["message_id"].is_unique and queue["text"].is_unique
    assert queue["priority"].astype(float).is_monotonic_decreasing
    assert (queue[REVIEW_COLUMNS] == "").all().all()


def test_queue_budget_seed_and_limit_alias(overconfident: Overconfident, corpus: pd.DataFrame,
                                           tmp_path: Path) -> None:
    frame = pd.concat([corpus, corpus.head(50)])  # repeated texts: one review covers both
    source = _write(frame, tmp_path / "messages.csv")
    a, b, c, d = (tmp_path / f"{x}.csv" for x in "abcd")
    first = review_queue(source, a, n=25, seed=7, predictor=overconfident)
    review_queue(source, b, n=25, seed=7, predictor=overconfident)
    review_queue(source, c, n=25, seed=8, predictor=overconfident)
    review_queue(source, d, limit=25, seed=7, predictor=overconfident)
    assert first["n_queued"] == 25 and first["n_distinct"] == 500 and first["n_messages"] == 550
    assert a.read_bytes() == b.read_bytes() == d.read_bytes()  # same seed, same queue
    assert set(pd.read_csv(a)["message_id"]) != set(pd.read_csv(c)["message_id"])
    assert sum(s["queued"] for s in first["strata"].values()) == 25
    assert pd.read_csv(a)["text"].is_unique
    everything = review_queue(source, tmp_path / "all.csv", n=10_000, predictor=overconfident)
    assert everything["n_queued"] == 500
    with pytest.raises(ValueError, match="alias"):
        review_queue(source, a, n=5, limit=6, predictor=overconfident)


# -- Label Studio ---------------------------------------------------------------------------
def test_label_config_is_a_multiple_choice_over_the_five_labels() -> None:
    root = ET.fromstring(labelstudio.label_config())
    choices = root.find("Choices")
    assert choices is not None
    assert (choices.get("name"), choices.get("toName"), choices.get("choice")) == (
        "risk", "text", "multiple")
    assert [c.get("value") for c in choices.findall("Choice")] == list(labels.ALL_LABELS)
    text = root.find("Text")
    assert text is not None and (text.get("name"), text.get("value")) == ("text", "$text")


def _annotation(choices: list[str], completed_by: Any, updated_at: str,
                cancelled: bool = False, note: str = "") -> dict[str, Any]:
    result: list[dict[str, Any]] = [{"from_name": "risk", "to_name": "text", "type": "choices",
                                     "value": {"choices": choices}, "id": "r1"}]
    if note:
        result.append({"from_name": "note", "to_name": "text", "type": "textarea",
                       "value": {"text": [note]}, "id": "r2"})
    return {"id": 1, "result": result, "completed_by": completed_by, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": updated_at, "updated_at": updated_at,
            "lead_time": 3.2}


def test_labelstudio_round_trip(overconfident: Overconfident, corpus: pd.DataFrame,
                                tmp_path: Path) -> None:
    source = _write(corpus, tmp_path / "messages.csv")
    tasks_path = tmp_path / "queue.json"
    report = review_queue(source, tasks_path, n=30, seed=2, predictor=overconfident)
    assert report["format"] == "labelstudio" and report["n_queued"] == 30
    assert Path(report["label_config"]).read_text() == labelstudio.label_config()

    tasks = json.loads(tasks_path.read_text())
    assert len(tasks) == 30
    for task in tasks:
        data, (prediction,) = task["data"], task["predictions"]
        assert {"text", "message_id", "model_labels", "rules_labels", "score_suspicious",
                "stratum", "reason"} <= set(data)
        assert prediction["model_version"] == "overconfident"
        assert 0.0 <= prediction["score"] <= 1.0
        (result,) = prediction["result"]
        assert (result["from_name"], result["to_name"], result["type"]) == (
            "risk", "text", "choices")
        assert result["value"]["choices"] == list(labels.parse(data["model_labels"]))

    # what Label Studio's JSON export gives back: its own task ids, our data, annotations
    truth = corpus.set_index("message_id")["labels"]
    export = []
    for number, task in enumerate(tasks):
        exported = {**task, "id": 1000 + number, "project": 3, "annotations": []}
        right = list(labels.parse(truth[task["data"]["message_id"]]))
        if number == 0:  # skipped by its only annotator
            exported["annotations"] = [_annotation(right, 7, "2024-05-01T10:00:00Z", True)]
        elif number == 1:  # never annotated
            pass
        elif number == 2:  # corrected later by someone else: the latest annotation wins
            exported["annotations"] = [
                _annotation(right, {"id": 9, "email": "lead@example.com"},
                            "2024-05-02T09:00:00Z", note="checked the thread"),
                _annotation(["promise"] if right != ["promise"] else ["fine"], 7,
                            "2024-05-01T10:00:00Z"),
            ]
        else:
            exported["annotations"] = [_annotation(right, 7, "2024-05-01T10:00:00Z")]
        export.append(exported)
    export_path = tmp_path / "export.json"
    export_path.write_text(json.dumps(export))

    feedback, quarantine = tmp_path / "gold" / "feedback.csv", tmp_path / "quarantine"
    imported = import_feedback(export_path, feedback, quarantine)
    assert imported["format"] == "labelstudio" and imported["n_cancelled"] == 1
    assert imported["n_rows"] == 30 and imported["n_reviewed"] == 28
    assert imported["n_imported"] == 28 and imported["n_rejected"] == imported["n_conflicts"] == 0
    stored = pd.read_csv(feedback, dtype=str, keep_default_na=False).set_index("message_id")
    assert (stored["labels"] == stored.index.map(truth)).all()
    lead = tasks[2]["data"]["message_id"]
    assert stored.loc[lead, "reviewer"] == "lead@example.com"
    assert stored.loc[lead, "note"] == "checked the thread"
    assert set(stored.drop(index=lead)["reviewer"]) == {"7"}
    assert tasks[0]["data"]["message_id"] not in stored.index
    # importing the same export again changes nothing
    again = import_feedback(export_path, feedback, quarantine)
    assert again["n_imported"] == 0 and again["n_duplicates"] == 28


def test_labelstudio_import_rejects_empty_and_unknown_choices(tmp_path: Path) -> None:
    export = [
        {"id": 1, "data": {"text": "call me on whatsapp", "message_id": "a"},
         "annotations": [_annotation(["Off_Platform"], 4, "2024-01-01")]},
        {"id": 2, "data": {"text": "hello", "message_id": "b"},
         "annotations": [_annotation([], 4, "2024-01-01")]},
        {"id": 3, "data": {"text": "buy now", "message_id": "c"},
         "annotations": [_annotation(["spam"], 4, "2024-01-01")]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    report = import_feedback(path, tmp_path / "feedback.csv", tmp_path / "q")
    assert report["n_imported"] == 1 and report["n_rejected"] == 2
    reasons = {r["message_id"]: r["reason"] for r in report["rejected"]}
    assert "no 'risk' choice" in reasons["b"]
    assert "unknown label" in reasons["c"]
    rejected = pd.read_csv(tmp_path / "q" / REJECTED_NAME, dtype=str, keep_default_na=False)
    assert rejected.set_index("message_id").loc["c", "ls_task_id"] == "3"

    path.write_text(json.dumps([{"text": "x", "risk": "fine"}]))  # a JSON-MIN export
    with pytest.raises(ValueError, match="'JSON' format"):
        import_feedback(path, tmp_path / "feedback.csv", tmp_path / "q")


# -- review labels --------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("suspicious|off_platform", ("suspicious", "off_platform")),
    ("Suspicious, off_platform", ("suspicious", "off_platform")),
    ("off_platform; suspicious", ("suspicious", "off_platform")),
    ("promise / aggressive", ("aggressive", "promise")),
    ("suspicious off-platform", ("suspicious", "off_platform")),
    ("Off Platform", ("off_platform",)),
    ("  FINE ", ("fine",)),
    ("['suspicious', 'promise']", ("suspicious", "promise")),
])
def test_review_labels_are_read_leniently(raw: str, expected: tuple[str, ...]) -> None:
    assert parse_review_labels(raw) == expected


@pytest.mark.parametrize("raw", ["spam", "suspicious, scam", "fine|promise", " , ", "suspicous"])
def test_review_labels_unknown_or_mixed_are_rejected(raw: str) -> None:
    with pytest.raises(labels.LabelError):
        parse_review_labels(raw)


# -- CLI ------------------------------------------------------------------------------------
def test_cli_feedback_import_bad_labels_exit_1_with_the_format(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from msgrisk.cli import app

    monkeypatch.setenv("MSGRISK_DATA_DIR", str(tmp_path / "data"))
    queue = tmp_path / "queue.csv"
    pd.DataFrame({
        "message_id": ["m1", "m2", "m3"],
        "text": ["text me on whatsapp 876 555 0142", "where is my order", "you thief"],
        "review_labels": ["Suspicious, off_platform", "fine", "rude"],
        "reviewer": ["ana"] * 3, "review_note": [""] * 3,
    }).to_csv(queue, index=False)
    result = runner.invoke(app, ["feedback", "import", str(queue)])
    assert result.exit_code == 1, result.output
    rejected_file = tmp_path / "data" / "quarantine" / REJECTED_NAME
    assert "1 reviewed row(s) rejected" in result.output
    assert str(rejected_file) in result.output
    assert ACCEPTED_FORMAT in result.output
    assert "row 4 (message_id m3)" in result.output and "'rude'" in result.output
    # nothing lost: the good rows are imported (leniently), the bad one quarantined
    stored = pd.read_csv(tmp_path / "data" / "gold" / "feedback.csv", dtype=str)
    assert dict(zip(stored["message_id"], stored["labels"], strict=True)) == {
        "m1": "suspicious|off_platform", "m2": "fine"}
    assert pd.read_csv(rejected_file, dtype=str)["message_id"].tolist() == ["m3"]

    queue.write_text(queue.read_text().replace(",rude,", ",aggressive,"))  # fixed, re-imported
    fixed = runner.invoke(app, ["feedback", "import", str(queue)])
    assert fixed.exit_code == 0, fixed.output
    assert '"n_imported": 1' in fixed.output and '"n_duplicates": 2' in fixed.output

    bad = tmp_path / "not_a_queue.csv"
    bad.write_text("a,b\n1,2\n")
    unreadable = runner.invoke(app, ["feedback", "import", str(bad)])
    assert unreadable.exit_code == 2 and "written by `msgrisk review-queue`" in unreadable.output


def test_cli_review_queue_options(overconfident: Overconfident, corpus: pd.DataFrame,
                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from msgrisk.analysis import review
    from msgrisk.cli import app

    monkeypatch.setattr(review, "get_predictor", lambda model=None: overconfident)
    source = _write(corpus, tmp_path / "messages.csv")
    out = tmp_path / "tasks.out"
    result = runner.invoke(app, ["review-queue", str(source), "-o", str(out), "--n", "12",
                                 "--seed", "4", "--format", "labelstudio"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())) == 12
    assert (tmp_path / "tasks.label_config.xml").is_file()
    assert "msgrisk feedback import" in result.output and ACCEPTED_FORMAT in result.output

    csv_out = tmp_path / "queue.csv"
    result = runner.invoke(app, ["review-queue", str(source), "-o", str(csv_out),
                                 "--limit", "9"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(csv_out)) == 9

    result = runner.invoke(app, ["review-queue", str(source), "-o", str(csv_out),
                                 "--format", "xlsx"])
    assert result.exit_code == 2 and "csv, labelstudio" in result.output
