"""Feedback loop: merge reviewed decisions into ``data/gold/feedback.csv``.

Reviews come back as the review-queue CSV (reviewers fill ``review_labels``, ``reviewer``,
``review_note``) or as a Label Studio JSON export of the tasks ``msgrisk review-queue -o
queue.json`` wrote (the latest non-cancelled annotation of each task; ``completed_by`` is the
reviewer). Both go through one path, :func:`merge_reviews`.

Training applies that file (``train.apply_feedback``): reviewed labels override weak ones,
matched by message id, else by text. Import is conservative:

- ``review_labels`` are ``|``-joined labels (:data:`ACCEPTED_FORMAT`); where the intent is
  unambiguous the import is lenient (:func:`parse_review_labels`: commas, semicolons,
  slashes or spaces as separators, any case), but unknown labels are never guessed;
- rows whose labels do not parse or that have no text go to
  ``data/quarantine/feedback_rejected.csv`` with a reason — nothing is lost — and the CLI
  exits 1 saying how to fix them;
- a message already reviewed with the SAME labels is skipped as a duplicate;
- a message already reviewed with DIFFERENT labels (or reviewed twice with different labels
  in one queue) is a conflict: the existing decision is kept and the conflict is written to
  ``data/quarantine/feedback_conflicts.csv`` and returned, for a human to resolve.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from msgrisk import config, labels
from msgrisk.analysis import labelstudio

FEEDBACK_COLUMNS = ["message_id", "text", "labels", "reviewer", "note", "text_sha256",
                    "imported_at"]
REJECTED_NAME = "feedback_rejected.csv"
CONFLICTS_NAME = "feedback_conflicts.csv"
#: What a reviewer may write in ``review_labels``; shown with every rejection.
ACCEPTED_FORMAT = (
    f"review_labels must be '{labels.SEPARATOR}'-joined labels from "
    f"{', '.join((labels.FINE, *labels.RISK_LABELS))} "
    f"(e.g. 'suspicious{labels.SEPARATOR}off_platform' or 'fine')"
)
#: Separators accepted besides ``|``: the intent of "suspicious, off_platform" is clear.
_SEPARATORS = re.compile(r"[|,;/+\s]+")
#: "off-platform", "Off Platform", "off_platform" all mean the label ``off_platform``.
_OFF_PLATFORM = re.compile(r"\boff[\s_-]*platform\b")


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text: the match key of a message without an id."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_review_labels(value: str) -> tuple[str, ...]:
    """Canonical labels of a reviewer's ``review_labels`` cell, leniently.

    ``"Suspicious, off_platform"``, ``"suspicious;off-platform"`` and ``"FINE"`` are read
    as meant (separators ``| , ; / +`` or whitespace, any case, surrounding quotes or
    brackets); unknown labels and ``fine`` mixed with a risk label raise
    :class:`msgrisk.labels.LabelError`.
    """
    if not isinstance(value, str):
        raise labels.LabelError(f"expected text, got {type(value).__name__}")
    cleaned = _OFF_PLATFORM.sub(labels.OFF_PLATFORM, value.strip().lower())
    parts = [p.strip("\"'[](){}") for p in _SEPARATORS.split(cleaned)]
    parts = [p for p in parts if p]
    if not parts:
        raise labels.LabelError("no label given")
    return labels.canonical(parts)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _append_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append rows (never rewrite history), creating the file with a header the first time."""
    if not rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    new = pd.DataFrame(rows)
    if path.is_file():
        new = pd.concat([_read_csv(path), new], ignore_index=True)
    write_csv(new, path)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV atomically (a ``.partial`` file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_csv(partial, index=False)
    partial.replace(path)


def _key(message_id: str, sha: str) -> str:
    return f"id:{message_id}" if message_id else f"sha:{sha}"


def read_reviews(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of a reviewed queue, in one shape whatever the file format.

    ``.json``: a Label Studio JSON export (:func:`msgrisk.analysis.labelstudio.read_export`);
    anything else: the review-queue CSV. Every row has ``message_id``, ``text``,
    ``review_labels``, ``reviewer``, ``review_note``, ``queue_row`` (CSV line, or task
    position in the export) and ``problem`` (why a review cannot be used, else empty).
    Also returns format facts for the report.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows, n_cancelled = labelstudio.read_export(path)
        return rows, {"format": "labelstudio", "n_cancelled": n_cancelled}
    queue = _read_csv(path)
    if "review_labels" not in queue.columns or "text" not in queue.columns:
        raise ValueError(f"{path} has no 'review_labels'/'text' columns; import the CSV "
                         "written by `msgrisk review-queue`, or a Label Studio JSON export "
                         "(.json)")
    for column in ("message_id", "reviewer", "review_note", "problem"):
        if column not in queue.columns:
            queue[column] = ""
    queue["queue_row"] = [int(i) + 2 for i in range(len(queue))]  # line 1 is the header
    return queue, {"format": "csv"}


def merge_reviews(rows: pd.DataFrame, source: str, feedback_csv: Path,
                  quarantine_dir: Path) -> dict[str, Any]:
    """Validate, deduplicate and merge reviewed ``rows`` (:func:`read_reviews`' shape).

    Rows with neither ``review_labels`` nor a ``problem`` were not reviewed and are ignored.
    """
    reviewed = rows[(rows["review_labels"].str.strip() != "") | (rows["problem"] != "")]
    existing = (_read_csv(feedback_csv) if feedback_csv.is_file()
                else pd.DataFrame(columns=FEEDBACK_COLUMNS))
    known: dict[str, dict[str, str]] = {}
    for row in existing.to_dict("records"):
        sha = row.get("text_sha256") or text_sha256(row["text"])
        known.setdefault(_key(row.get("message_id", ""), sha), row)
        known.setdefault(_key("", sha), row)  # an id-less review of the same text also matches

    now = datetime.now(UTC).isoformat(timespec="seconds")
    accepted: list[dict[str, str]] = []
    rejected: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    n_duplicates = 0
    for row in reviewed.to_dict("records"):
        text, message_id = row["text"], str(row["message_id"]).strip()
        reason = row["problem"] or None
        if reason is None:
            try:
                parsed = parse_review_labels(row["review_labels"])
            except labels.LabelError as error:
                reason = f"invalid review_labels {row['review_labels']!r}: {error}"
        if reason is None and not text.strip():
            reason = "empty text"
        if reason is not None:
            record = {k: v for k, v in row.items() if k != "problem"}
            rejected.append({**record, "reason": reason, "rejected_at": now, "source": source})
            continue
        sha = text_sha256(text)
        decision = labels.to_string(parsed)
        previous = known.get(_key(message_id, sha)) or known.get(_key("", sha))
        if previous is not None:
            if previous["labels"] == decision:
                n_duplicates += 1
            else:
                conflicts.append({
                    "message_id": message_id, "text_sha256": sha, "text": text,
                    "kept_labels": previous["labels"], "kept_reviewer": previous.get("reviewer", ""),
                    "new_labels": decision, "new_reviewer": row["reviewer"],
                    "new_note": row["review_note"], "source": source, "detected_at": now,
                })
            continue
        record = {"message_id": message_id, "text": text, "labels": decision,
                  "reviewer": str(row["reviewer"]).strip(), "note": str(row["review_note"]).strip(),
                  "text_sha256": sha, "imported_at": now}
        accepted.append(record)
        known[_key(message_id, sha)] = record
        known.setdefault(_key("", sha), record)

    if accepted:
        merged = pd.concat([existing.reindex(columns=FEEDBACK_COLUMNS, fill_value=""),
                            pd.DataFrame(accepted, columns=FEEDBACK_COLUMNS)], ignore_index=True)
        write_csv(merged, feedback_csv)
    _append_csv(quarantine_dir / REJECTED_NAME, rejected)
    _append_csv(quarantine_dir / CONFLICTS_NAME, conflicts)
    return {
        "queue": source, "feedback": str(feedback_csv),
        "n_rows": len(rows), "n_reviewed": len(reviewed), "n_imported": len(accepted),
        "n_duplicates": n_duplicates, "n_rejected": len(rejected), "n_conflicts": len(conflicts),
        "n_feedback_total": len(existing) + len(accepted),
        "rejected": [{"queue_row": int(r["queue_row"]), "message_id": r["message_id"],
                      "reason": r["reason"]} for r in rejected],
        "conflicts": [{k: c[k] for k in ("message_id", "text_sha256", "kept_labels", "new_labels",
                                         "kept_reviewer", "new_reviewer")} for c in conflicts],
        "rejected_file": str(quarantine_dir / REJECTED_NAME) if rejected else None,
        "conflicts_file": str(quarantine_dir / CONFLICTS_NAME) if conflicts else None,
        "accepted_format": ACCEPTED_FORMAT,
    }


def import_feedback(queue_csv: Path, feedback_csv: Path | None = None,
                    quarantine_dir: Path | None = None) -> dict[str, Any]:
    """Validate, deduplicate and merge the reviews in ``queue_csv`` into ``feedback_csv``.

    ``queue_csv`` is a reviewed review-queue CSV or a Label Studio JSON export (``.json``).
    Defaults: ``paths().feedback_csv`` and ``paths().quarantine``. Returns counts, the
    rejected rows' reasons and the conflicts.
    """
    p = config.paths()
    feedback_csv = Path(feedback_csv) if feedback_csv is not None else p.feedback_csv
    quarantine_dir = Path(quarantine_dir) if quarantine_dir is not None else p.quarantine
    rows, facts = read_reviews(Path(queue_csv))
    return {**merge_reviews(rows, str(queue_csv), feedback_csv, quarantine_dir), **facts}
