"""Feedback loop: merge reviewed review-queue rows into ``data/gold/feedback.csv``.

Training applies that file (``train.apply_feedback``): reviewed labels override weak ones,
matched by message id, else by text. Import is conservative:

- rows whose ``review_labels`` do not parse (``msgrisk.labels.parse``) or that have no text
  go to ``data/quarantine/feedback_rejected.csv`` with a reason — nothing is lost;
- a message already reviewed with the SAME labels is skipped as a duplicate;
- a message already reviewed with DIFFERENT labels (or reviewed twice with different labels
  in one queue) is a conflict: the existing decision is kept and the conflict is written to
  ``data/quarantine/feedback_conflicts.csv`` and returned, for a human to resolve.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from msgrisk import config, labels

FEEDBACK_COLUMNS = ["message_id", "text", "labels", "reviewer", "note", "text_sha256",
                    "imported_at"]
REJECTED_NAME = "feedback_rejected.csv"
CONFLICTS_NAME = "feedback_conflicts.csv"


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text: the match key of a message without an id."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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
    _write_csv(new, path)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_csv(partial, index=False)
    partial.replace(path)


def _key(message_id: str, sha: str) -> str:
    return f"id:{message_id}" if message_id else f"sha:{sha}"


def import_feedback(queue_csv: Path, feedback_csv: Path | None = None,
                    quarantine_dir: Path | None = None) -> dict[str, Any]:
    """Validate, deduplicate and merge reviewed rows of ``queue_csv`` into ``feedback_csv``.

    Defaults: ``paths().feedback_csv`` and ``paths().quarantine``. Returns counts, the
    rejected rows' reasons and the conflicts.
    """
    p = config.paths()
    feedback_csv = Path(feedback_csv) if feedback_csv is not None else p.feedback_csv
    quarantine_dir = Path(quarantine_dir) if quarantine_dir is not None else p.quarantine
    queue = _read_csv(Path(queue_csv))
    if "review_labels" not in queue.columns or "text" not in queue.columns:
        raise ValueError(f"{queue_csv} has no 'review_labels'/'text' columns; is it a file "
                         "written by `msgrisk review-queue`?")
    for column in ("message_id", "reviewer", "review_note"):
        if column not in queue.columns:
            queue[column] = ""
    reviewed = queue[queue["review_labels"].str.strip() != ""]

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
    for number, row in zip(reviewed.index, reviewed.to_dict("records"), strict=True):
        text, message_id = row["text"], row["message_id"].strip()
        reason = None
        try:
            parsed = labels.parse(row["review_labels"])
        except labels.LabelError as err:
            reason = f"invalid review_labels: {err}"
        if reason is None and not text.strip():
            reason = "empty text"
        if reason is not None:
            rejected.append({**row, "queue_row": int(number) + 2, "reason": reason,
                             "rejected_at": now, "source": str(queue_csv)})
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
                    "new_note": row["review_note"], "source": str(queue_csv), "detected_at": now,
                })
            continue
        record = {"message_id": message_id, "text": text, "labels": decision,
                  "reviewer": row["reviewer"].strip(), "note": row["review_note"].strip(),
                  "text_sha256": sha, "imported_at": now}
        accepted.append(record)
        known[_key(message_id, sha)] = record
        known.setdefault(_key("", sha), record)

    if accepted:
        merged = pd.concat([existing.reindex(columns=FEEDBACK_COLUMNS, fill_value=""),
                            pd.DataFrame(accepted, columns=FEEDBACK_COLUMNS)], ignore_index=True)
        _write_csv(merged, feedback_csv)
    _append_csv(quarantine_dir / REJECTED_NAME, rejected)
    _append_csv(quarantine_dir / CONFLICTS_NAME, conflicts)
    return {
        "queue": str(queue_csv), "feedback": str(feedback_csv),
        "n_rows": len(queue), "n_reviewed": len(reviewed), "n_imported": len(accepted),
        "n_duplicates": n_duplicates, "n_rejected": len(rejected), "n_conflicts": len(conflicts),
        "n_feedback_total": len(existing) + len(accepted),
        "rejected": [{"queue_row": r["queue_row"], "message_id": r["message_id"],
                      "reason": r["reason"]} for r in rejected],
        "conflicts": [{k: c[k] for k in ("message_id", "text_sha256", "kept_labels", "new_labels",
                                         "kept_reviewer", "new_reviewer")} for c in conflicts],
        "rejected_file": str(quarantine_dir / REJECTED_NAME) if rejected else None,
        "conflicts_file": str(quarantine_dir / CONFLICTS_NAME) if conflicts else None,
    }
