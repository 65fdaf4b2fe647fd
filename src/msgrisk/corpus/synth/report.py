"""Corpus report: counts, variety (distinct frames per label) and shares of the corpus."""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from msgrisk.labels import ALL_LABELS, FINE, RISK_LABELS, SEPARATOR

#: Distinct frames each risk label should have once every frame module has landed.
MIN_FRAMES_PER_RISK_LABEL = 200
#: Messages each risk label should have in a default-size corpus.
MIN_MESSAGES_PER_RISK_LABEL = 1_500


def corpus_report(messages: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Summary of a synthetic corpus; ``warnings`` lists targets it misses."""
    df = messages[["message_id", "thread_id"]].merge(truth, on="message_id", validate="1:1")
    sets = df["labels"].str.split(SEPARATOR, regex=False)
    has = {lab: sets.map(lambda s, lab=lab: lab in s) for lab in ALL_LABELS}
    n = len(df)
    risky = ~has[FINE]
    pairs = {
        f"{a}{SEPARATOR}{b}": int((has[a] & has[b]).sum()) for a, b in combinations(RISK_LABELS, 2)
    }
    fine_n = int(has[FINE].sum())
    off = has["off_platform"]
    thread_sizes = df.groupby("thread_id").size()
    report = {
        "n_messages": n,
        "n_threads": int(df["thread_id"].nunique()),
        "messages_per_thread": {
            "min": int(thread_sizes.min()),
            "max": int(thread_sizes.max()),
            "mean": round(float(thread_sizes.mean()), 2),
        },
        "label_counts": {lab: int(has[lab].sum()) for lab in ALL_LABELS},
        "label_set_counts": {k: int(v) for k, v in sorted(df["labels"].value_counts().items())},
        "label_pair_counts": pairs,
        "multi_label_messages": int((sets.map(len) > 1).sum()),
        "distinct_frames": {lab: int(df.loc[has[lab], "frame_id"].nunique()) for lab in ALL_LABELS},
        "distinct_frames_total": int(df["frame_id"].nunique()),
        "risk_share": round(float(risky.mean()), 4) if n else 0.0,
        "obfuscated_share_of_off_platform": round(float(df.loc[off, "obfuscated"].mean()), 4)
        if off.any()
        else 0.0,
        "patois_share": round(float((df["lang"] == "patois").mean()), 4) if n else 0.0,
        "spanish_share": round(float((df["lang"] == "es").mean()), 4) if n else 0.0,
        "hard_negative_share": round(float(df["hard_negative"].mean()), 4) if n else 0.0,
        "hard_negative_share_of_fine": round(float(df.loc[has[FINE], "hard_negative"].mean()), 4)
        if fine_n
        else 0.0,
        "sent_at_min": str(messages["sent_at"].min()) if n else None,
        "sent_at_max": str(messages["sent_at"].max()) if n else None,
    }
    warnings = []
    for lab in RISK_LABELS:
        if report["distinct_frames"][lab] < MIN_FRAMES_PER_RISK_LABEL:
            warnings.append(
                f"{lab}: {report['distinct_frames'][lab]} distinct frames "
                f"(target {MIN_FRAMES_PER_RISK_LABEL})"
            )
        if n >= 30_000 and report["label_counts"][lab] < MIN_MESSAGES_PER_RISK_LABEL:
            warnings.append(
                f"{lab}: {report['label_counts'][lab]} messages "
                f"(target {MIN_MESSAGES_PER_RISK_LABEL})"
            )
    report["warnings"] = warnings
    return report
