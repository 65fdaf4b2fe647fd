"""Import a team's own message export into a data folder the pipeline trains on.

``msgrisk data import EXPORT`` reads a CSV/TSV, parquet, JSON Lines or JSON-array file,
maps its columns onto the corpus schema (:data:`msgrisk.corpus.dataset.REQUIRED_COLUMNS`)
and validates it with the same pandera schema as the sample corpus. Only the text is
required; every other column has a documented default:

===============  ======================  =================================================
column           option                  default when the export has none
===============  ======================  =================================================
``text``         ``--text-column``       (required)
``message_id``   ``--id-column``         ``h`` + 16 hex of SHA-256(text, thread, time):
                                         stable across re-imports of the same rows
``thread_id``    ``--thread-column``     the message id (each message its own thread)
``order_id``     ``--order-column``      empty
``sent_at``      ``--time-column``       empty (NaT); any format pandas parses, as UTC
``sender_role``  ``--role-column``       ``unknown`` (else buyer / seller / unknown)
``fulfillment``  ``--fulfillment-column`` ``unknown`` (else dispatched_by_kx /
                                         seller_managed / unknown)
===============  ======================  =================================================

A column with the canonical name is used without an option. Other columns are kept.
Exact duplicate rows are dropped and counted; rows that fail validation go, with their
reason, to ``<data>/quarantine/<stem>.quarantine.csv`` (the data folder's, never the
project's). The good rows become ``<data>/imported/messages.parquet``; the counts (never
message text) go to ``<reports>/import.json`` and ``<data>/imported/import.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config
from msgrisk.corpus import dataset

#: The dataset name becomes part of the MLflow model name (``msgrisk-<name>``).
_NAME_RE = re.compile(r"[^a-z0-9]+")
#: A few frequent function words per language: a rough language mix for the report only.
_LANG_MARKERS: dict[str, frozenset[str]] = {
    "patois": frozenset({"mi", "yuh", "yu", "unu", "dem", "nuh", "nah", "fi", "di", "weh", "wah",
                         "gwaan", "seh", "likkle", "ting", "deh", "cyaan", "dat", "pickney",
                         "bwoy", "nyam"}),
    "spanish": frozenset({"el", "la", "los", "las", "que", "por", "para", "gracias", "hola",
                          "usted", "estoy", "quiero", "pero", "tengo", "cuanto", "envio"}),
}


#: The CLI option that maps each field.
_OPTIONS = {"text": "--text-column", "message_id": "--id-column", "thread_id": "--thread-column",
            "order_id": "--order-column", "sent_at": "--time-column",
            "sender_role": "--role-column", "fulfillment": "--fulfillment-column"}


class ImportFailed(dataset.DataError):
    """Nothing usable is left after validation, or the export cannot be mapped."""


@dataclass(frozen=True)
class ColumnMap:
    """Which export column holds each corpus field (``None``: use the canonical name if the
    export has it, else the default)."""

    text: str = "text"
    message_id: str | None = None
    thread_id: str | None = None
    order_id: str | None = None
    sent_at: str | None = None
    sender_role: str | None = None
    fulfillment: str | None = None

    def resolve(self, columns: list[str]) -> dict[str, str | None]:
        """Field -> export column actually used (``None`` when the default applies)."""
        out: dict[str, str | None] = {}
        for name, given in asdict(self).items():
            if given is not None:
                if given not in columns:
                    raise ImportFailed(
                        f"the export has no column {given!r} (for {name}); its columns are "
                        f"{columns}: name the right one with {_OPTIONS[name]}")
                out[name] = given
            else:
                out[name] = name if name in columns else None
        return out


def dataset_name(value: str) -> str:
    """A safe dataset name: lower-case letters, digits and dashes."""
    name = _NAME_RE.sub("-", value.lower()).strip("-")
    if not name or name == config.SAMPLE_DATASET:
        raise ImportFailed(f"invalid dataset name {value!r}: use letters and digits, not "
                           f"{config.SAMPLE_DATASET!r}, e.g. --name kx-2026")
    return name


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _as_text(series: pd.Series) -> pd.Series:
    """Strings with blanks as missing (ids and categories read from any file type)."""
    def one(v: object) -> object:
        return None if _missing(v) else (str(v).strip() or None)
    return series.map(one).astype(object)


def _stable_ids(text: pd.Series, thread: pd.Series, sent_at: pd.Series) -> pd.Series:
    def one(t: object, th: object, at: object) -> str:
        key = "\x1f".join("" if v is None else str(v) for v in (t, th, at))
        return "h" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return pd.Series([one(*row) for row in zip(text, thread, sent_at, strict=True)],
                     index=text.index, dtype=object)


def map_columns(raw: pd.DataFrame, columns: ColumnMap) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The export in the corpus schema (defaults filled), plus what was mapped."""
    used = columns.resolve([str(c) for c in raw.columns])
    out = pd.DataFrame(index=raw.index)
    # the text is kept as written (not stripped); non-strings become text, missing stays None
    out["text"] = raw[used["text"]].map(
        lambda v: v if isinstance(v, str) else None if _missing(v) else str(v))
    out["sent_at"] = _as_text(raw[used["sent_at"]]) if used["sent_at"] else None
    out["thread_id"] = _as_text(raw[used["thread_id"]]) if used["thread_id"] else None
    if used["message_id"]:
        out["message_id"] = _as_text(raw[used["message_id"]])
    else:
        out["message_id"] = _stable_ids(out["text"], out["thread_id"], out["sent_at"])
    if not used["thread_id"]:
        out["thread_id"] = out["message_id"]
    out["order_id"] = _as_text(raw[used["order_id"]]) if used["order_id"] else None
    for name in ("sender_role", "fulfillment"):
        if used[name]:
            values = _as_text(raw[used[name]]).map(lambda v: v.lower() if isinstance(v, str)
                                                   else v)
            out[name] = values.fillna(dataset.UNKNOWN)
        else:
            out[name] = dataset.UNKNOWN
    mapped = {c for c in used.values() if c}
    for column in raw.columns:  # kept as text, so any file type round-trips to parquet
        if column not in mapped and column not in out.columns:
            out[column] = _as_text(raw[column])
    defaults = {name: ("default" if used[name] is None else used[name]) for name in used}
    return out[[*dataset.REQUIRED_COLUMNS,
                *[c for c in out.columns if c not in dataset.REQUIRED_COLUMNS]]], defaults


def _language_mix(texts: pd.Series) -> dict[str, float]:
    counts = {"english_or_other": 0, **{lang: 0 for lang in _LANG_MARKERS}}
    for text in texts:
        words = set(re.findall(r"[a-záéíóúñ]+", str(text).lower()))
        hits = {lang: len(words & markers) for lang, markers in _LANG_MARKERS.items()}
        best = max(hits, key=hits.__getitem__)
        counts[best if hits[best] >= 2 else "english_or_other"] += 1
    n = max(len(texts), 1)
    return {k: round(v / n, 4) for k, v in counts.items()}


def _length_stats(texts: pd.Series) -> dict[str, Any]:
    chars = texts.str.len()
    words = texts.str.split().str.len()
    return {"chars_p50": int(chars.median()), "chars_p95": int(chars.quantile(0.95)),
            "chars_max": int(chars.max()), "share_le_5_words": round(float((words <= 5).mean()),
                                                                       4)}


def _profile(good: pd.DataFrame) -> dict[str, Any]:
    """What the imported rows look like (counts only, never text)."""
    if good.empty:
        return {"n_duplicate_texts": 0, "n_threads": 0, "share_with_time": 0.0,
                "sender_role": {}, "length": {}, "language_mix_heuristic": {}}
    return {"n_duplicate_texts": int(good["text"].duplicated().sum()),
            "n_threads": int(good["thread_id"].nunique()),
            "share_with_time": round(float(good["sent_at"].notna().mean()), 4),
            "sender_role": good["sender_role"].value_counts().to_dict(),
            "length": _length_stats(good["text"]),
            "language_mix_heuristic": _language_mix(good["text"])}


def import_export(export: Path, p: config.Paths | None = None, columns: ColumnMap | None = None,
                  name: str | None = None) -> dict[str, Any]:
    """Map, validate and write ``export`` as the data folder's imported corpus.

    Returns the import report (counts only). Raises :class:`ImportFailed` when no row is
    usable (the report is still written, with the reasons).
    """
    p = p or config.paths()
    export = Path(export)
    columns = columns or ColumnMap()
    name = dataset_name(name or export.stem)
    raw = dataset.read_raw(export)
    mapped, used = map_columns(raw, columns)
    n_input = len(mapped)
    duplicate = mapped.astype(str).duplicated(keep="first").to_numpy()
    deduped = mapped[~duplicate].reset_index(drop=True)
    result = dataset.validate_messages(deduped)
    quarantine_file = dataset.write_quarantine(result, p.quarantine, export.stem) \
        if len(result.quarantined) else None

    good = result.good
    report: dict[str, Any] = {
        "dataset": name, "registered_model": config.registered_model_name(name),
        "source_file": export.name,
        "source_sha256": hashlib.sha256(export.read_bytes()).hexdigest(),
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "columns": used, "n_rows_in": n_input, "n_exact_duplicates": int(duplicate.sum()),
        "n_good": len(good), "n_quarantined": len(result.quarantined),
        "quarantined_by_reason": dict(result.reasons),
        "quarantine_file": str(quarantine_file) if quarantine_file else None,
        **_profile(good), "output": str(p.imported_messages),
    }
    p.reports.mkdir(parents=True, exist_ok=True)
    (p.reports / "import.json").write_text(json.dumps(report, indent=2, default=str))
    if good.empty:
        reasons = "; ".join(f"{k}: {v}" for k, v in result.reasons.items()) or "empty file"
        raise ImportFailed(
            f"no usable row in {export.name} ({n_input} rows; {reasons}). Map the columns "
            "(--text-column, --role-column, ...); valid sender_role values: "
            f"{', '.join(dataset.SENDER_ROLES)}; fulfillment: {', '.join(dataset.FULFILLMENTS)}. "
            f"Quarantined rows: {quarantine_file}")
    p.imported.mkdir(parents=True, exist_ok=True)
    partial = p.imported_messages.with_name("messages.parquet.partial")
    good.to_parquet(partial, index=False)
    partial.replace(p.imported_messages)
    p.import_report.write_text(json.dumps(report, indent=2, default=str))
    return report
