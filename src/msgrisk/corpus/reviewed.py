"""The human-reviewed seed set (``data/reviewed/``): build it from writers' and blind
annotators' files, check it, split it by writer, and load it for training.

How the set is made (see ``data/reviewed/README.md``): independent writers, one persona
brief each, write messages with their own labels (``raw/writers/wNN.jsonl``); blind
annotators label the same texts seeing only the text and LABELS.md
(``raw/annotations/*.jsonl``); every disagreement gets a third read against LABELS.md
(``raw/adjudication/*.jsonl``) whose decision is the final label. ``build`` turns those
files into ``reviewed.csv`` plus ``reviewed_stats.json`` (coverage, agreement, leakage).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import labels

COLUMNS = ["id", "text", "labels", "writer", "sender_role", "lang", "difficulty", "note",
           "writer_labels", "annotator_labels", "adjudicated", "scam_type", "tags", "split"]
SPLITS = ("train", "dev", "test")
LANGS = ("en", "jam", "es")
SCAM_TYPES = ("prize_lottery", "phishing_link", "otp_grab", "fake_support", "fake_fee",
              "overpayment", "fake_payment_proof", "investment", "recovery", "job_task",
              "advance_fee", "review_bribery", "dispute_pressure", "triangulation")
#: Near-duplicate rule: character 3-gram Jaccard at or above this is leakage.
LEAK_JACCARD = 0.8


class ReviewedDataError(ValueError):
    """A reviewed-set file that does not follow the format."""


def message_id(writer: str, text: str) -> str:
    """Stable, opaque id (annotators must not see which writer wrote a message)."""
    return "r" + hashlib.sha1(f"{writer}\x00{text}".encode()).hexdigest()[:11]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file; a bad line raises with its file and line number."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ReviewedDataError(f"{path}:{n}: not valid JSON ({exc.msg}); fix the "
                                        "line or remove it") from exc
    return out


def load_writers(folder: Path) -> pd.DataFrame:
    """Every writer file as one table, exact duplicates (case/space-insensitive) dropped."""
    rows = []
    for path in sorted(folder.glob("w*.jsonl")):
        writer = path.stem
        for rec in read_jsonl(path):
            text = str(rec.get("text", "")).strip()
            if not text:
                continue
            rows.append({
                "id": message_id(writer, text), "text": text, "writer": writer,
                "writer_labels": labels.to_string(labels.canonical(rec.get("labels", []))),
                "sender_role": rec.get("sender_role") or "unknown",
                "lang": rec.get("lang") if rec.get("lang") in LANGS else "en",
                "difficulty": rec.get("difficulty") or "medium",
                "scam_type": rec.get("scam_type") or "",
                "tags": "|".join(sorted(set(rec.get("tags") or []))),
                "note": str(rec.get("note") or ""),
            })
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ReviewedDataError(f"no writer files (w*.jsonl) under {folder}")
    return frame.drop_duplicates("id").loc[
        lambda f: ~f["text"].map(_norm).duplicated()].reset_index(drop=True)


def annotation_batches(frame: pd.DataFrame, n_batches: int, seed: int = 0
                       ) -> list[list[dict[str, str]]]:
    """Shuffled ``{"id", "text"}`` batches mixing writers (what a blind annotator sees)."""
    order = list(range(len(frame)))
    random.Random(seed).shuffle(order)
    items = [{"id": frame.at[i, "id"], "text": frame.at[i, "text"]} for i in order]
    return [items[k::n_batches] for k in range(n_batches)]


def load_label_files(folder: Path) -> dict[str, str]:
    """``id -> labels`` from every ``*.jsonl`` under ``folder`` (later files win)."""
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for rec in read_jsonl(path):
            out[str(rec["id"])] = labels.to_string(labels.canonical(rec["labels"]))
    return out


def load_adjudications(folder: Path) -> dict[str, dict[str, str]]:
    """``id -> {"labels", "reason"}`` from the third reads."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for rec in read_jsonl(path):
            out[str(rec["id"])] = {"labels": labels.to_string(labels.canonical(rec["labels"])),
                                   "reason": str(rec.get("reason", ""))}
    return out


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> dict[str, float]:
    """Cohen's kappa per risk label (and ``fine``) between two label columns."""
    from sklearn.metrics import cohen_kappa_score

    ya, yb = labels.indicator_matrix(a), labels.indicator_matrix(b)
    out = {}
    for j, label in enumerate(labels.RISK_LABELS):
        out[label] = float(cohen_kappa_score(ya[:, j], yb[:, j]))
    out[labels.FINE] = float(cohen_kappa_score(ya.sum(1) == 0, yb.sum(1) == 0))
    out["exact_match"] = float(np.mean([x == y for x, y in zip(a, b, strict=True)]))
    return out


def _gram_matrix(texts: Sequence[str], vocab: dict[str, int] | None = None
                 ) -> tuple[Any, dict[str, int]]:
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer="char", ngram_range=(3, 3), lowercase=True, binary=True,
                          vocabulary=vocab, dtype=np.int32)
    docs = [_norm(t) for t in texts]
    matrix = vec.fit_transform(docs) if vocab is None else vec.transform(docs)
    return matrix, vec.vocabulary_


def near_duplicates(texts: Sequence[str], reference: Sequence[str],
                    threshold: float = LEAK_JACCARD, chunk: int = 256) -> np.ndarray:
    """Per text, the highest character 3-gram Jaccard to any reference text."""
    reference = sorted(set(reference))
    if not reference or not texts:
        return np.zeros(len(texts))
    R, vocab = _gram_matrix(reference)
    T, _ = _gram_matrix(texts, vocab)
    # grams a text has outside the reference vocabulary still count in its size
    sizes_t = np.array([len({_norm(t)[i:i + 3] for i in range(max(len(_norm(t)) - 2, 0))})
                        for t in texts], dtype=float)
    sizes_r = np.asarray(R.sum(axis=1)).ravel().astype(float)
    RT = R.T.tocsr()
    best = np.zeros(len(texts))
    for start in range(0, len(texts), chunk):
        inter = (T[start:start + chunk] @ RT).toarray().astype(float)
        union = sizes_t[start:start + chunk, None] + sizes_r[None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = np.where(union > 0, inter / union, 0.0)
        best[start:start + chunk] = jac.max(axis=1)
    return best


def assign_writer_splits(writers: Iterable[str], lang_share: dict[str, dict[str, float]],
                         fractions: tuple[float, float] = (0.15, 0.15), seed: int = 0
                         ) -> dict[str, str]:
    """Writer -> split, about 70/15/15 of the writers, each split with a Patois-heavy and
    a Spanish-heavy writer where there are enough of them (so every split has both)."""
    writers = sorted(set(writers))
    n_dev = max(1, round(len(writers) * fractions[0]))
    n_test = max(1, round(len(writers) * fractions[1]))
    rng = random.Random(seed)
    for _ in range(1000):
        order = writers[:]
        rng.shuffle(order)
        out = {w: "test" for w in order[:n_test]}
        out.update({w: "dev" for w in order[n_test:n_test + n_dev]})
        out.update({w: "train" for w in order[n_test + n_dev:]})
        ok = True
        for lang, cut in (("jam", 0.5), ("es", 0.3)):
            heavy = [w for w in writers if lang_share.get(w, {}).get(lang, 0.0) >= cut]
            if len(heavy) >= 3 and len({out[w] for w in heavy}) < 3:
                ok = False
        if ok:
            return out
    return out


#: Writer -> split, once assigned: a later writing round adds writers (to train, so the
#: dev and test writers every earlier measurement used stay the same) without reshuffling.
SPLITS_FILE = "writer_splits.json"


def fixed_writer_splits(path: Path, writers: Iterable[str]) -> dict[str, str] | None:
    """The recorded writer -> split map, or None when there is none (first build)."""
    if not path.is_file():
        return None
    recorded = json.loads(path.read_text())
    missing = sorted(set(writers) - set(recorded))
    if missing:
        raise ValueError(f"{path} has no split for writer(s) {missing}: add them (new "
                         "writing rounds go to \"train\" so dev/test stay comparable)")
    bad = {w: s for w, s in recorded.items() if s not in SPLITS}
    if bad:
        raise ValueError(f"{path}: invalid split(s) {bad}; use one of {list(SPLITS)}")
    return dict(recorded)


@dataclass
class BuildResult:
    """The reviewed table and the statistics the datasheet reports."""

    frame: pd.DataFrame
    stats: dict[str, Any]


def build(folder: Path, generator_texts: Sequence[str] = (), gold_texts: Sequence[str] = (),
          seed: int = 0) -> BuildResult:
    """Writers + annotations + adjudications -> the reviewed table, leakage dropped."""
    raw = folder / "raw"
    frame = load_writers(raw / "writers")
    annotated = load_label_files(raw / "annotations")
    adjudicated = load_adjudications(raw / "adjudication")
    frame["annotator_labels"] = frame["id"].map(annotated).fillna("")
    has_second = frame["annotator_labels"] != ""
    agree = frame["annotator_labels"] == frame["writer_labels"]
    decided: list[tuple[str, str, str]] = []  # (final labels, how, reason)
    for mid, w, a, ok in zip(frame["id"], frame["writer_labels"], frame["annotator_labels"],
                             agree, strict=True):
        if a and ok:
            decided.append((w, "agreed", ""))
        elif mid in adjudicated:
            decided.append((adjudicated[mid]["labels"], "adjudicated",
                            adjudicated[mid]["reason"]))
        else:
            decided.append(("", "unresolved" if a else "unannotated", ""))
    final = [d[0] for d in decided]
    how = [d[1] for d in decided]
    reasons = [d[2] for d in decided]
    frame["labels"] = final
    frame["adjudicated"] = how
    frame["adjudication_reason"] = reasons
    stats: dict[str, Any] = {"written": len(frame),
                             "annotated": int(has_second.sum()),
                             "agreed": int((has_second & agree).sum()),
                             "adjudicated": int((frame["adjudicated"] == "adjudicated").sum())}
    both = frame[has_second]
    if len(both):
        stats["kappa_writer_vs_annotator"] = cohen_kappa(both["writer_labels"].tolist(),
                                                         both["annotator_labels"].tolist())
    dropped = frame["labels"] == ""
    stats["dropped_without_final_label"] = int(dropped.sum())
    frame = frame[~dropped].reset_index(drop=True)
    leak_gen = near_duplicates(frame["text"].tolist(), generator_texts) >= LEAK_JACCARD
    leak_gold = near_duplicates(frame["text"].tolist(), gold_texts) >= LEAK_JACCARD
    stats["leakage"] = {"threshold_char3_jaccard": LEAK_JACCARD,
                        "near_generator": int(leak_gen.sum()), "near_gold": int(leak_gold.sum()),
                        "generator_texts_compared": len(set(generator_texts)),
                        "gold_texts_compared": len(set(gold_texts))}
    frame = frame[~(leak_gen | leak_gold)].reset_index(drop=True)
    shares = (frame.groupby("writer")["lang"].value_counts(normalize=True)
              .unstack(fill_value=0.0).to_dict(orient="index"))
    splits = fixed_writer_splits(raw / SPLITS_FILE, frame["writer"]) or \
        assign_writer_splits(frame["writer"], shares, seed=seed)
    frame["split"] = frame["writer"].map(splits)
    frame = frame.sort_values(["split", "writer", "id"]).reset_index(drop=True)
    stats["coverage"] = coverage(frame)
    return BuildResult(frame, stats)


def coverage(frame: pd.DataFrame) -> dict[str, Any]:
    """The datasheet's coverage table (final labels)."""
    Y = labels.indicator_matrix(frame["labels"])
    fine = Y.sum(1) == 0
    tags = frame["tags"].fillna("").str.split("|")
    n_words = frame["text"].str.split().str.len()
    out: dict[str, Any] = {"messages": len(frame), "writers": int(frame["writer"].nunique())}
    out["positives"] = {lab: int(Y[:, j].sum()) for j, lab in enumerate(labels.RISK_LABELS)}
    out["fine"] = int(fine.sum())
    out["fine_short_le5_words"] = int((fine & (n_words <= 5)).sum())
    out["fine_banter_or_undirected_profanity"] = int(
        (fine & tags.map(lambda t: bool({"banter", "profanity_undirected"} & set(t)))).sum())
    out["multi_label"] = int((Y.sum(1) >= 2).sum())
    out["lang_share"] = {k: round(float(v), 4)
                         for k, v in frame["lang"].value_counts(normalize=True).items()}
    out["obfuscated_contact"] = int(
        (tags.map(lambda t: "obfuscated" in t) & (Y[:, 1] == 1)).sum())
    sus = Y[:, 0] == 1
    out["scam_types"] = {t: int(((frame["scam_type"] == t) & sus).sum()) for t in SCAM_TYPES}
    out["splits"] = {s: {"writers": int(frame.loc[frame["split"] == s, "writer"].nunique()),
                         "messages": int((frame["split"] == s).sum())} for s in SPLITS}
    out["difficulty"] = {k: int(v) for k, v in frame["difficulty"].value_counts().items()}
    return out


def write(result: BuildResult, folder: Path) -> Path:
    """``reviewed.csv`` (the columns the pipeline reads) and ``reviewed_stats.json``."""
    out = folder / "reviewed.csv"
    cols = [c for c in COLUMNS if c in result.frame.columns] + ["adjudication_reason"]
    result.frame[cols].to_csv(out, index=False)
    (folder / "reviewed_stats.json").write_text(json.dumps(result.stats, indent=2,
                                                           sort_keys=True) + "\n")
    return out


def load_reviewed(path: Path) -> pd.DataFrame:
    """The reviewed set, validated: labels parse, ids unique, every row has a split."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the reviewed seed set ships with the "
                                "project under data/reviewed/; restore it with git checkout")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"id", "text", "labels", "writer", "split"} - set(frame.columns)
    if missing:
        raise ReviewedDataError(f"{path} lacks column(s) {sorted(missing)}")
    for value in frame["labels"]:
        labels.parse(value)
    if frame["id"].duplicated().any():
        raise ReviewedDataError(f"{path} has duplicate ids")
    bad = set(frame["split"]) - set(SPLITS)
    if bad:
        raise ReviewedDataError(f"{path} has unknown split(s) {sorted(bad)}; valid: {SPLITS}")
    return frame


def build_default(folder: Path, gold_csv: Path | None = None, n_generator: int = 32_000
                  ) -> BuildResult:
    """``build`` with the leakage references the datasheet names: the sample generator's
    corpus (seed 0, the ``make data`` default) and the hand-written gold set (what
    ``msgrisk data reviewed`` runs)."""
    from msgrisk.corpus.synth.generator import synthesize

    messages, _ = synthesize(seed=0, n_messages=n_generator)
    gold: list[str] = []
    if gold_csv is not None and gold_csv.is_file():
        gold = pd.read_csv(gold_csv, dtype=str, keep_default_na=False)["text"].tolist()
    return build(folder, generator_texts=messages["text"].tolist(), gold_texts=gold)


#: The datasheet's generated section sits between these markers in data/reviewed/README.md.
BEGIN, END = "<!-- stats:begin (msgrisk data reviewed) -->", "<!-- stats:end -->"


def stats_markdown(stats: dict[str, Any]) -> str:
    """Coverage, agreement and leakage tables for the datasheet, from ``reviewed_stats.json``."""
    cov = stats["coverage"]
    lines = [f"- Messages: **{cov['messages']:,}** from **{cov['writers']}** writers "
             f"(written {stats['written']:,}; {stats['dropped_without_final_label']} without a "
             f"final label and {stats['leakage']['near_generator'] + stats['leakage']['near_gold']}"
             " near-duplicates dropped).", "",
             "| coverage | count | required |", "|---|---|---|"]
    for lab, n in cov["positives"].items():
        lines.append(f"| `{lab}` positives | {n:,} | ≥ 800 |")
    lines += [f"| `fine` | {cov['fine']:,} | ≥ 2,000 |",
              f"| `fine`, ≤ 5 words | {cov['fine_short_le5_words']:,} | ≥ 500 |",
              f"| `fine`, banter or undirected profanity (writer tag) | "
              f"{cov['fine_banter_or_undirected_profanity']:,} | ≥ 300 |",
              f"| several risk labels | {cov['multi_label']:,} | |",
              f"| Patois (`jam`) share | {cov['lang_share'].get('jam', 0):.1%} | ≥ 15 % |",
              f"| Spanish (`es`) share | {cov['lang_share'].get('es', 0):.1%} | ≥ 3 % |",
              f"| obfuscated contact details (`off_platform` + writer tag) | "
              f"{cov['obfuscated_contact']:,} | ≥ 200 |", "",
              "| scam type (suspicious, writer's tag) | count |", "|---|---|"]
    lines += [f"| {t} | {n} |" for t, n in cov["scam_types"].items()]
    lines += ["", "| split | writers | messages |", "|---|---|---|"]
    lines += [f"| {s} | {v['writers']} | {v['messages']:,} |" for s, v in cov["splits"].items()]
    kappa = stats.get("kappa_writer_vs_annotator", {})
    lines += ["", f"Agreement, writer vs blind annotator, on {stats['annotated']:,} messages "
              f"(exact match of the label set {kappa.get('exact_match', 0):.1%}; "
              f"{stats['adjudicated']:,} disagreements adjudicated):", "",
              "| label | Cohen's kappa |", "|---|---|"]
    lines += [f"| `{k}` | {v:.3f} |" for k, v in kappa.items() if k != "exact_match"]
    leak = stats["leakage"]
    lines += ["", f"Leakage check (character 3-gram Jaccard ≥ {leak['threshold_char3_jaccard']}): "
              f"{leak['near_generator']} messages near one of "
              f"{leak['generator_texts_compared']:,} distinct generator texts and "
              f"{leak['near_gold']} near one of {leak['gold_texts_compared']} gold texts were "
              "dropped."]
    return "\n".join(lines)


def update_datasheet(readme: Path, stats: dict[str, Any]) -> None:
    """Rewrite the generated section of the datasheet (hand-written parts are kept)."""
    text = readme.read_text(encoding="utf-8") if readme.is_file() else f"{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{stats_markdown(stats)}\n{END}{tail}", encoding="utf-8")
