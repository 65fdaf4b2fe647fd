"""Loading and validating raw historical messages.

Every raw row ends up either in ``good`` or in ``quarantined`` (with a ``reason``);
nothing is silently dropped. Validation uses a pandera schema plus two checks pandera
cannot express on its own (undecodable bytes and over-long texts).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "message_id",
    "thread_id",
    "order_id",
    "sent_at",
    "sender_role",
    "fulfillment",
    "text",
)
#: ``unknown`` is what an export without the column gets (``msgrisk data import``).
UNKNOWN = "unknown"
SENDER_ROLES = ("buyer", "seller", UNKNOWN)
FULFILLMENTS = ("dispatched_by_kx", "seller_managed", UNKNOWN)
#: Valid values per categorical column, quoted in quarantine reasons and errors.
VALID_VALUES: dict[str, tuple[str, ...]] = {"sender_role": SENDER_ROLES,
                                            "fulfillment": FULFILLMENTS}
#: Longest message accepted for training; longer rows are quarantined (predict truncates instead).
MAX_TEXT_CHARS = 20_000


class DataError(ValueError):
    """The input file cannot be read at all (not a row-level problem)."""


@dataclass
class ValidationResult:
    """Rows that passed validation and rows set aside with a reason."""

    good: pd.DataFrame
    quarantined: pd.DataFrame
    n_input: int
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """Counts only (no message text), safe to log."""
        return {
            "n_input": self.n_input,
            "n_good": len(self.good),
            "n_quarantined": len(self.quarantined),
            "reasons": dict(self.reasons),
        }


def _schema():  # imported lazily: pandera pulls in optional backends at import time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandera.pandas as pa

    def not_blank(s: pd.Series) -> pd.Series:
        return s.map(lambda v: isinstance(v, str) and bool(v.strip()))

    return pa.DataFrameSchema(
        {
            "message_id": pa.Column(
                object, nullable=False, unique=True, report_duplicates="exclude_first"
            ),
            "thread_id": pa.Column(object, nullable=False),
            "order_id": pa.Column(object, nullable=True),
            # an export without times is accepted (NaT); an unparseable time is not
            "sent_at": pa.Column(object, nullable=True),
            "sender_role": pa.Column(object, pa.Check.isin(list(SENDER_ROLES)), nullable=False),
            "fulfillment": pa.Column(object, pa.Check.isin(list(FULFILLMENTS)), nullable=False),
            "text": pa.Column(
                object, pa.Check(not_blank, element_wise=False, error="empty or not a string"),
                nullable=False,
            ),
        },
        strict=False,
        coerce=False,
    )


def _reason(check: str, column: str) -> str:
    if check == "not_nullable":
        return f"missing {column}"
    if check == "field_uniqueness":
        return f"duplicate {column}"
    if check.startswith("isin"):
        valid = VALID_VALUES.get(column)
        return f"invalid {column} (valid: {', '.join(valid)})" if valid else f"invalid {column}"
    return f"{column}: {check}"


def read_raw(path: Path) -> pd.DataFrame:
    """Read a parquet or CSV file as strings, keeping undecodable bytes as surrogate escapes."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; import your export with `msgrisk data import "
                        "EXPORT` (or build the sample corpus with `make data`)")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in {".csv", ".txt", ".tsv"}:
        # surrogateescape keeps bad bytes visible so the row can be quarantined, not lost
        return pd.read_csv(
            path, dtype=object, keep_default_na=False, na_values=[""],
            encoding="utf-8", encoding_errors="surrogateescape",
            sep="\t" if suffix == ".tsv" else ",",
        )
    if suffix in {".jsonl", ".ndjson", ".json"}:
        try:
            return pd.read_json(path, lines=suffix != ".json", dtype=False,
                                encoding="utf-8", encoding_errors="surrogateescape")
        except ValueError as error:
            raise DataError(f"{path}: not valid JSON{' Lines' if suffix != '.json' else ''} "
                            f"({error}); one object per line, e.g. "
                            '{"text": "..."}') from error
    raise DataError(f"{path}: unsupported extension {path.suffix!r}; use .csv, .tsv, .parquet, "
                    ".jsonl (JSON Lines) or .json (an array of objects)")


def parse_times(values: pd.Series) -> pd.Series:
    """Send times as UTC datetimes (strings in any format pandas reads, naive times taken as
    UTC); missing or unreadable values become ``NaT``."""
    return pd.to_datetime(values, errors="coerce", utc=True, format="mixed")


def _has_surrogates(value: object) -> bool:
    return isinstance(value, str) and any("\ud800" <= ch <= "\udfff" for ch in value)


def validate_messages(df: pd.DataFrame) -> ValidationResult:
    """Split raw messages into valid rows and quarantined rows with a ``reason`` column."""
    n_input = len(df)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        quarantined = df.copy()
        reason = (f"missing column(s) {missing}: an export needs only a text column; "
                  "bring it in with `msgrisk data import FILE`, which fills the others")
        quarantined["reason"] = reason
        return ValidationResult(df.iloc[0:0].copy(), quarantined, n_input, {reason: n_input})
    frame = df.reset_index(drop=True)
    reasons: dict[int, list[str]] = {}

    def flag(index: int, reason: str) -> None:
        reasons.setdefault(int(index), []).append(reason)

    for i, value in enumerate(frame["text"]):
        if _has_surrogates(value):
            flag(i, "text is not valid UTF-8")
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            flag(i, f"text longer than {MAX_TEXT_CHARS} chars")
    parsed_time = parse_times(frame["sent_at"])
    for i in frame.index[parsed_time.isna() & frame["sent_at"].notna()]:
        flag(i, "invalid sent_at")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandera.pandas as pa
        try:
            _schema().validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            cases = err.failure_cases
            for check, column, index in zip(cases["check"], cases["column"], cases["index"],
                                            strict=True):
                if index is None or pd.isna(index):
                    continue
                flag(int(index), _reason(str(check), str(column)))

    bad = sorted(reasons)
    quarantined = frame.loc[bad].copy()
    quarantined["reason"] = ["; ".join(dict.fromkeys(reasons[i])) for i in bad]
    good = frame.drop(index=bad).copy()
    good["sent_at"] = parsed_time.drop(index=bad)
    counts: dict[str, int] = {}
    for i in bad:
        for reason in dict.fromkeys(reasons[i]):
            counts[reason] = counts.get(reason, 0) + 1
    result = ValidationResult(good.reset_index(drop=True), quarantined.reset_index(drop=True),
                              n_input, counts)
    assert len(result.good) + len(result.quarantined) == n_input  # nothing lost, by construction
    return result


def load_messages(path: Path, quarantine_dir: Path | None = None) -> ValidationResult:
    """Read and validate raw messages; write quarantined rows to ``quarantine_dir`` if given."""
    result = validate_messages(read_raw(path))
    if quarantine_dir is not None:
        write_quarantine(result, Path(quarantine_dir), Path(path).stem)
    if len(result.quarantined):
        log.warning("quarantined %d of %d rows from %s: %s", len(result.quarantined),
                    result.n_input, Path(path).name, result.reasons)
    return result


def write_quarantine(result: ValidationResult, quarantine_dir: Path, stem: str) -> Path:
    """Write quarantined rows (with reasons) as CSV; an empty file when none."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    out = quarantine_dir / f"{stem}.quarantine.csv"
    frame = result.quarantined.copy()
    for column in frame.columns:  # undecodable bytes must survive the write
        if frame[column].dtype == object:
            frame[column] = frame[column].map(
                lambda v: v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                if isinstance(v, str) else v
            )
    frame.to_csv(out, index=False)
    return out
