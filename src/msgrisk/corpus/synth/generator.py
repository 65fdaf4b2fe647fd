"""Deterministic synthetic corpus: order threads of buyer/seller messages with true labels.

Frames come from every ``msgrisk.corpus.synth.frames_*`` module. Each message draws a label set
(about 20% carry a risk, weighted so every risk label and the label pairs are well
represented), then a frame of that label set (stratified by language and hard-negative
flag), fills its slots and perturbs the text. The same seed gives byte-identical files.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import msgrisk.corpus.synth as synth_pkg
from msgrisk.corpus.dataset import REQUIRED_COLUMNS
from msgrisk.corpus.synth.frame import Frame
from msgrisk.corpus.synth.perturb import perturb
from msgrisk.corpus.synth.plan import Plan, build_plan
from msgrisk.corpus.synth.report import corpus_report
from msgrisk.corpus.synth.slots import KNOWN_SLOTS, fill, new_order_id, slots_of
from msgrisk.corpus.synth.vocab import NAMES
from msgrisk.labels import FINE, SEPARATOR

#: The generator writes exactly the columns the raw-data schema requires.
MESSAGE_COLUMNS = REQUIRED_COLUMNS
TRUTH_COLUMNS = ("message_id", "labels", "frame_id", "lang", "obfuscated", "hard_negative")
#: Corpus window: threads start within these twelve months.
START = datetime(2024, 6, 1, tzinfo=UTC)
WINDOW_SECONDS = 365 * 24 * 3600
# Thread lengths 3-10, skewed short so 32k messages make well over 5,000 threads.
_LENGTHS = (3, 4, 5, 6, 7, 8, 9, 10)
_LENGTH_WEIGHTS = (24, 22, 17, 13, 9, 7, 5, 3)


def load_frames() -> list[Frame]:
    """All frames from the ``msgrisk.corpus.synth.frames_*`` modules, in module-name order."""
    names = sorted(
        m.name for m in pkgutil.iter_modules(synth_pkg.__path__) if m.name.startswith("frames_")
    )
    found: list[Frame] = []
    for name in names:
        module = importlib.import_module(f"msgrisk.corpus.synth.{name}")
        found.extend(getattr(module, "FRAMES", []))
    validate_frames(found)
    return found


def validate_frames(frames: list[Frame]) -> None:
    """Raise ``ValueError`` on duplicate frame ids or unknown slots."""
    seen: set[str] = set()
    problems: list[str] = []
    for frame in frames:
        if frame.frame_id in seen:
            problems.append(f"duplicate frame id {frame.frame_id}")
        seen.add(frame.frame_id)
        unknown = sorted(set(slots_of(frame.template)) - KNOWN_SLOTS)
        if unknown:
            problems.append(f"{frame.frame_id} uses unknown slot(s) {unknown}")
    if problems:
        raise ValueError(
            "invalid frames: "
            + "; ".join(problems[:20])
            + f" ({len(problems)} problem(s)); fix the frames_*.py module"
        )


def _thread_lengths(rng: random.Random, n_messages: int) -> list[int]:
    lengths: list[int] = []
    remaining = n_messages
    while remaining > 0:
        if remaining <= 10:
            length = remaining
        else:
            length = rng.choices(_LENGTHS, _LENGTH_WEIGHTS)[0]
            length = min(length, remaining - 3)
        lengths.append(length)
        remaining -= length
    return lengths


def _thread(
    rng: random.Random,
    plan: Plan,
    t_index: int,
    length: int,
    used: set[str],
    rows: list[tuple],
    truth: list[tuple],
) -> None:
    order_id = new_order_id(rng)
    while order_id in used:
        order_id = new_order_id(rng)
    used.add(order_id)
    names = {"buyer": rng.choice(NAMES), "seller": rng.choice(NAMES)}
    while names["seller"] == names["buyer"]:
        names["seller"] = rng.choice(NAMES)
    fulfillment = "dispatched_by_kx" if rng.random() < 0.55 else "seller_managed"
    when = rng.randrange(WINDOW_SECONDS)
    role = "buyer" if rng.random() < 0.7 else "seller"
    for seq in range(length):
        if seq:
            # Mostly alternate; sometimes one side sends two messages in a row.
            role = role if rng.random() < 0.15 else ("seller" if role == "buyer" else "buyer")
            when += 30 + int(rng.expovariate(1 / rng.choice((600, 3600, 4 * 3600, 20 * 3600))))
        frame = plan.draw(rng, role)
        sender = frame.role or role
        other = "seller" if sender == "buyer" else "buyer"
        fixed = {"name": names[other], "me": names[sender]}
        if rng.random() < 0.75:
            fixed["order_id"] = order_id
        segments, obfuscated = fill(
            frame.template, rng, fixed, plain=frame.labels == (FINE,), lang=frame.lang
        )
        text = perturb(
            segments,
            rng,
            frame.lang,
            other=names[other],
            me=names[sender],
            hostile="aggressive" in frame.labels,
        )
        rows.append(
            (when, t_index, seq, f"t{t_index + 1:06d}", order_id, sender, fulfillment, text)
        )
        truth.append(
            (
                SEPARATOR.join(frame.labels),
                frame.frame_id,
                frame.lang,
                obfuscated,
                frame.hard_negative,
            )
        )


def synthesize(seed: int = 0, n_messages: int = 32_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``(messages, truth)``; deterministic for a given seed and size.

    Threads hold 3-10 messages (fewer only when ``n_messages`` < 3); rows are in
    chronological order and ``message_id`` follows that order.
    """
    if n_messages < 1:
        raise ValueError(f"n_messages must be positive, got {n_messages}")
    rng = random.Random(seed)
    plan = build_plan(load_frames())
    rows: list[tuple] = []
    truth_rows: list[tuple] = []
    used: set[str] = set()
    for t_index, length in enumerate(_thread_lengths(rng, n_messages)):
        _thread(rng, plan, t_index, length, used, rows, truth_rows)
    # Export order is chronological, as a message-history dump would be.
    order = sorted(range(len(rows)), key=lambda i: rows[i][:3])
    ids = [f"m{k + 1:07d}" for k in range(len(order))]
    start = pd.Timestamp(START)
    messages = pd.DataFrame(
        {
            "message_id": ids,
            "thread_id": [rows[i][3] for i in order],
            "order_id": [rows[i][4] for i in order],
            "sent_at": [start + pd.Timedelta(seconds=rows[i][0]) for i in order],
            "sender_role": [rows[i][5] for i in order],
            "fulfillment": [rows[i][6] for i in order],
            "text": [rows[i][7] for i in order],
        }
    )
    messages["sent_at"] = pd.to_datetime(messages["sent_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    truth = pd.DataFrame(
        {
            "message_id": ids,
            "labels": [truth_rows[i][0] for i in order],
            "frame_id": [truth_rows[i][1] for i in order],
            "lang": [truth_rows[i][2] for i in order],
            "obfuscated": [bool(truth_rows[i][3]) for i in order],
            "hard_negative": [bool(truth_rows[i][4]) for i in order],
        }
    )
    return messages, truth


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    # No pandas metadata: it is not needed to read back and keeps the bytes reproducible.
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_corpus(
    out_dir: Path, seed: int = 0, n_messages: int = 32_000, reports_dir: Path | None = None
) -> dict:
    """Write ``messages.parquet``, ``messages.csv`` and ``truth.parquet``; return the report.

    When ``reports_dir`` is given the report is also written there as ``corpus.json``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    messages, truth = synthesize(seed=seed, n_messages=n_messages)
    _write_parquet(messages, out_dir / "messages.parquet")
    _write_parquet(truth, out_dir / "truth.parquet")
    messages.to_csv(out_dir / "messages.csv", index=False)
    report = corpus_report(messages, truth)
    report["seed"] = seed
    if reports_dir is not None:
        reports_dir = Path(reports_dir)
        reports_dir.mkdir(parents=True, exist_ok=True)
        (reports_dir / "corpus.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    return report


__all__ = [
    "MESSAGE_COLUMNS",
    "TRUTH_COLUMNS",
    "corpus_report",
    "load_frames",
    "synthesize",
    "validate_frames",
    "write_corpus",
]
