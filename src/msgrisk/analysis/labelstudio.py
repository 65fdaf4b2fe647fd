"""Label Studio interchange: review-queue rows as import tasks, exported annotations as rows.

Label Studio (https://labelstud.io) imports a JSON list of tasks, each
``{"id", "data": {...}, "predictions": [{"model_version", "score", "result": [...]}]}``,
and its ``JSON`` export gives the same tasks back with ``"annotations": [{"result": [...],
"completed_by": ..., "was_cancelled": ..., "updated_at": ...}]`` (``data`` as imported).
A classification result is ``{"from_name": "risk", "to_name": "text", "type": "choices",
"value": {"choices": [...]}}``, where ``from_name``/``to_name`` name the tags of the labeling
config (:func:`label_config`): a ``Text`` named ``text`` and a multiple ``Choices`` named
``risk`` over the five labels, plus an optional ``TextArea`` named ``note``.

Setup: create a project, paste :func:`label_config` (``msgrisk review-queue -o queue.json``
writes it next to the tasks as ``queue.label_config.xml``) under Settings > Labeling
Interface > Code, import ``queue.json``, label, then Export > JSON and run
``msgrisk feedback import export.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from msgrisk import labels
from msgrisk.analysis.notebook import SCORE_COLUMNS

#: Name of the ``Choices`` tag holding the labels, and of the ``Text`` tag it labels.
CHOICES_NAME = "risk"
TEXT_NAME = "text"
#: Name of the optional free-text note tag.
NOTE_NAME = "note"
#: Columns of the rows :func:`tasks_to_rows` returns (the review-queue CSV's review columns).
ROW_COLUMNS = ["message_id", "text", "review_labels", "reviewer", "review_note", "queue_row",
               "ls_task_id", "problem"]
#: One-line meaning of each label for reviewers (from the label contract).
LABEL_HINTS: dict[str, str] = {
    labels.FINE: "none of the four risks",
    labels.SUSPICIOUS: "fraud, phishing, asks for secrets, fake urgency, scam pitches",
    labels.OFF_PLATFORM: "moves contact, payment, refund or delivery off the platform",
    labels.AGGRESSIVE: "insults, threats, hostile accusations (frustration alone is fine)",
    labels.PROMISE: "guarantees an outcome it does not control (delivery date, refund)",
}


def label_config() -> str:
    """The Label Studio labeling config (XML) matching the tasks :func:`queue_to_tasks` writes.

    ``fine`` is exclusive of the risk labels; picking it with another label is rejected at
    import (with the accepted format in the message), so reviewers learn it quickly.
    """
    guide = "; ".join(f"{lab}: {hint}" for lab, hint in LABEL_HINTS.items())
    choices = "\n".join(f'    <Choice value="{lab}"/>' for lab in labels.ALL_LABELS)
    return (
        "<View>\n"
        '  <Header value="Which risks does this message carry? Pick fine if none."/>\n'
        f"  <Text name={quoteattr(TEXT_NAME)} value=\"${TEXT_NAME}\"/>\n"
        f"  <Choices name={quoteattr(CHOICES_NAME)} toName={quoteattr(TEXT_NAME)} "
        'choice="multiple" showInline="true" required="true"\n'
        f"           requiredMessage={quoteattr('Pick at least one label (fine if none apply).')}>\n"
        f"{choices}\n"
        "  </Choices>\n"
        f"  <Header size=\"6\" value={quoteattr(guide)}/>\n"
        f"  <TextArea name={quoteattr(NOTE_NAME)} toName={quoteattr(TEXT_NAME)} "
        'placeholder="Optional note" editable="true" maxSubmissions="1" rows="2"/>\n'
        "</View>\n"
    )


def _cell(value: Any) -> Any:
    """A JSON-safe scalar of a data-frame cell (numpy scalars become Python ones)."""
    if hasattr(value, "item"):
        return value.item()
    return value


def prediction_score(queue: pd.DataFrame) -> pd.Series:
    """Confidence of each row's whole decision: ``1 - max_label(1 - |2s - 1|)``.

    Label Studio sorts tasks by prediction score; the least sure decisions come first.
    """
    scores = queue[SCORE_COLUMNS].astype(float)
    return (1.0 - (1.0 - (2.0 * scores - 1.0).abs()).max(axis=1)).round(4)


def queue_to_tasks(queue: pd.DataFrame, model_version: str | None) -> list[dict[str, Any]]:
    """Label Studio import tasks, one per queue row, pre-annotated with the model's labels.

    ``data`` carries the text, the message id (the import matches on it: Label Studio
    assigns its own task ids) and the model's view (labels, scores, rules, stratum, reason).
    """
    confidence = prediction_score(queue) if len(queue) else pd.Series(dtype=float)
    tasks = []
    extra = [c for c in ("stratum", "reason", "priority") if c in queue.columns]
    for number, (index, row) in enumerate(queue.iterrows(), start=1):
        data: dict[str, Any] = {
            TEXT_NAME: row["text"],
            "message_id": str(row["message_id"]) if "message_id" in queue.columns else "",
            "model_labels": row["labels"],
            "rules_labels": row["rules_labels"],
            **{column: _cell(row[column]) for column in SCORE_COLUMNS},
            **{column: _cell(row[column]) for column in extra},
        }
        choices = list(labels.parse(row["labels"]))
        tasks.append({
            "id": number,
            "data": data,
            "predictions": [{
                "model_version": model_version or "rules",
                "score": float(confidence.loc[index]),
                "result": [{"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices",
                            "value": {"choices": choices}}],
            }],
        })
    return tasks


def write_tasks(tasks: list[dict[str, Any]], path: Path) -> Path:
    """Write tasks as a JSON list (atomically) and the labeling config beside them.

    Returns the config's path: ``<name>.label_config.xml`` next to ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)
    config_path = path.with_name(path.stem + ".label_config.xml")
    config_path.write_text(label_config(), encoding="utf-8")
    return config_path


def _reviewer(completed_by: Any) -> str:
    """``completed_by`` of an annotation: a user id, an e-mail, or a user object."""
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("id") or "").strip()
    return "" if completed_by is None else str(completed_by).strip()


def latest_annotation(annotations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most recently updated annotation that was not cancelled (skipped), else ``None``.

    Ties (or missing timestamps) go to the later one in the list.
    """
    kept = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    if not kept:
        return None
    return sorted(kept, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))[-1]


def _result_row(annotation: dict[str, Any]) -> tuple[str, str, str]:
    """(``|``-joined choices, note, problem) of one annotation's result."""
    result = [r for r in annotation.get("result") or [] if isinstance(r, dict)]
    choices: list[str] = []
    notes: list[str] = []
    other: set[str] = set()
    for item in result:
        value = item.get("value") or {}
        if item.get("type") == "choices":
            if item.get("from_name") == CHOICES_NAME:
                choices += [str(c) for c in value.get("choices", [])]
            else:
                other.add(str(item.get("from_name")))
        elif item.get("type") == "textarea" and item.get("from_name") == NOTE_NAME:
            notes += [str(t) for t in value.get("text", [])]
    problem = ""
    if not choices:
        problem = (f"annotation has no '{CHOICES_NAME}' choice; pick at least one label "
                   "(fine if none apply)")
        if other:
            problem += (f" — found choices named {sorted(other)}: the labeling config must "
                        f"name its Choices '{CHOICES_NAME}' (use msgrisk's label_config)")
    return labels.SEPARATOR.join(choices), " ".join(n.strip() for n in notes if n.strip()), \
        problem


def tasks_to_rows(tasks: Any, source: str = "Label Studio export") -> tuple[pd.DataFrame, int]:
    """Reviewed rows (:data:`ROW_COLUMNS`) of a Label Studio JSON export, and how many
    tasks had only cancelled (skipped) annotations.

    Each task gives one row from its latest non-cancelled annotation; tasks without one
    get an empty ``review_labels`` (not reviewed). ``queue_row`` is the task's 1-based
    position in the export; ``problem`` says why an annotation cannot be used.
    """
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise ValueError(f"{source} is not a Label Studio JSON export (a list of tasks); "
                         "export the project with the 'JSON' format")
    if tasks and not any("data" in t and "annotations" in t for t in tasks):
        raise ValueError(f"{source} has no tasks with 'data' and 'annotations'; export the "
                         "project with the 'JSON' format (not JSON-MIN or CSV)")
    rows = []
    n_cancelled = 0
    for number, task in enumerate(tasks, start=1):
        data = task.get("data") or {}
        annotations = task.get("annotations") or []
        chosen = latest_annotation(annotations)
        if chosen is None:
            n_cancelled += bool(annotations)
            review, note, problem, reviewer = "", "", "", ""
        else:
            review, note, problem = _result_row(chosen)
            reviewer = _reviewer(chosen.get("completed_by"))
        message_id = data.get("message_id")
        text = data.get(TEXT_NAME)
        rows.append({
            "message_id": "" if message_id is None else str(message_id),
            "text": text if isinstance(text, str) else "",
            "review_labels": review, "reviewer": reviewer, "review_note": note,
            "queue_row": number, "ls_task_id": "" if task.get("id") is None else str(task["id"]),
            "problem": problem,
        })
    return pd.DataFrame(rows, columns=ROW_COLUMNS), n_cancelled


def read_export(path: Path) -> tuple[pd.DataFrame, int]:
    """:func:`tasks_to_rows` of a Label Studio JSON export file."""
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error.msg} at line {error.lineno}); "
                         "export the Label Studio project again with the 'JSON' format"
                         ) from error
    return tasks_to_rows(tasks, source=str(path))
