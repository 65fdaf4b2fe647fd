"""Evaluation of a bundle (and of rules-only) on test, gold and real public datasets.

The public datasets in ``../shared/eval/external/`` carry their OWN labels (spam/ham,
hate/offensive/neither, customer/company), not ours; only approximate mappings are
reported (e.g. share of spam flagged suspicious or off_platform). They are read from
where they are, never copied into the repo, and never used to train or tune anything.

Error CSVs (``reports/errors/``, git-ignored, for internal analysts): test and gold texts
are synthetic or hand-written and kept verbatim; texts of the public datasets were written
by real people, so they are written through :func:`msgrisk.redact`, their spans carry
offsets but no text, and a ``row`` column points at the source CSV row instead.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msgrisk import config
from msgrisk.evaluation import metrics, plots, reporting
from msgrisk.labels import RISK_LABELS

log = logging.getLogger(__name__)
EXTERNAL_FILES = ("sms_spam", "smishing_sms", "offensive_tweets", "customer_support",
                  "craigslist_bargain", "insults_impermium", "patois_jampatoisnli",
                  "scam_instagram_scamspot")
N_ERRORS = 50
SUS, OFF, AGG = (RISK_LABELS.index(x) for x in ("suspicious", "off_platform", "aggressive"))
#: Targets reported (never tuned for): (dataset, metric key, comparison, bound).
TARGETS = (("sms_spam", "spam_flagged_suspicious_or_off_platform", ">=", 0.85),
           ("sms_spam", "spam_flagged_suspicious", ">=", 0.50),
           ("sms_spam", "ham_flagged_any", "<=", 0.04),
           ("sms_spam", "ham_flagged_aggressive", "<=", 0.02),
           ("smishing_sms", "smishing_flagged_suspicious", ">=", 0.70),
           ("scam_instagram_scamspot", "scam_flagged_suspicious", ">=", 0.50),
           ("scam_instagram_scamspot", "real_flagged_suspicious", "<=", 0.02),
           ("insults_impermium", "insult_flagged_aggressive", ">=", 0.75),
           ("insults_impermium", "neutral_flagged_aggressive", "<=", 0.15),
           ("offensive_tweets", "neither_flagged_aggressive", "<=", 0.03),
           ("patois_jampatoisnli", "premise_flagged_any", "<=", 0.01),
           ("craigslist_bargain", "buyer_flagged_aggressive", "<=", 0.005),
           ("craigslist_bargain", "seller_flagged_aggressive", "<=", 0.005))


def default_external_dir() -> Path:
    """``MSGRISK_EXTERNAL_DIR`` or ``<root>/../shared/eval/external``."""
    default = config.PROJECT_ROOT.parent / "shared" / "eval" / "external"
    return Path(os.environ.get("MSGRISK_EXTERNAL_DIR", default))


@dataclass
class Scored:
    """Predictions of one system on one dataset."""

    y: np.ndarray  # (n, 4) 0/1 decisions
    s: np.ndarray  # (n, 4) scores
    spans: list[list[Any]]


def score(predictor: Any, texts: list[str]) -> Scored:
    """Decisions, scores and spans of ``predictor`` on ``texts``."""
    preds = predictor.predict_batch(texts, batch_size=512)
    y = metrics.indicator_matrix([p.labels for p in preds])
    s = np.asarray([[p.scores[lab] for lab in RISK_LABELS] for p in preds],
                   dtype=float).reshape(len(preds), len(RISK_LABELS))
    return Scored(y, s, [p.spans for p in preds])


def load_test(p: config.Paths) -> pd.DataFrame | None:
    """The test split joined with the generator's truth (``text``, ``labels``), or None."""
    test_path = p.processed / "test.parquet"
    if not test_path.is_file() or not p.truth.is_file():
        return None
    test = pd.read_parquet(test_path, columns=["message_id", "text"])
    truth = pd.read_parquet(p.truth, columns=["message_id", "labels"])
    return test.merge(truth, on="message_id", how="inner", validate="one_to_one")


def load_external(folder: Path) -> dict[str, pd.DataFrame]:
    """The public CSVs present in ``folder`` (``label``, ``text``, ``row``)."""
    out = {}
    for name in EXTERNAL_FILES:
        path = folder / f"{name}.csv"
        if path.is_file():
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            out[name] = df.assign(row=np.arange(len(df)))
    return out


def _rates(sc: Scored, mask: np.ndarray) -> dict[str, float]:
    """Share of the masked rows flagged with each label, with suspicious|off_platform, any."""
    y = sc.y[mask].astype(bool)
    if not len(y):
        return {"n": 0}
    out: dict[str, float] = {"n": len(y)}
    out.update({lab: round(float(y[:, j].mean()), 4) for j, lab in enumerate(RISK_LABELS)})
    out["suspicious_or_off_platform"] = round(float((y[:, SUS] | y[:, OFF]).mean()), 4)
    out["any"] = round(float(y.any(axis=1).mean()), 4)
    return out


def _headline(name: str, by_class: dict[str, dict[str, float]]) -> dict[str, float]:
    """The dataset's meaningful numbers under its approximate mapping."""
    def get(cls: str, key: str) -> float | None:
        return by_class.get(cls, {}).get(key)

    if name in ("sms_spam", "smishing_sms", "sms_combined_dedup", "smishing_not_in_sms_spam"):
        pos = [c for c in ("spam", "smishing", "scam") if c in by_class]
        out = {f"{c}_flagged_suspicious_or_off_platform": get(c, "suspicious_or_off_platform")
               for c in pos}
        out.update({f"{c}_flagged_suspicious": get(c, "suspicious") for c in pos})
        out.update({f"ham_flagged_{k}": get("ham", k)
                    for k in ("suspicious", "off_platform", "aggressive", "any")})
        return out
    if name == "scam_instagram_scamspot":
        return {f"{c}_flagged_{k}": get(c, k) for c in ("scam", "real")
                for k in ("suspicious", "suspicious_or_off_platform", "any")}
    if name == "insults_impermium":
        return {f"{c}_flagged_{k}": get(c, k) for c in ("insult", "neutral")
                for k in ("aggressive", "any")}
    if name == "patois_jampatoisnli":
        return {f"{c}_flagged_{k}": get(c, k) for c in ("premise", "hypothesis")
                for k in ("any", "aggressive")}
    if name == "craigslist_bargain":
        return {f"{c}_flagged_{k}": get(c, k) for c in ("buyer", "seller")
                for k in ("aggressive", "any")}
    if name == "offensive_tweets":
        return {f"{c}_flagged_aggressive": get(c, "aggressive")
                for c in ("neither", "hate", "offensive")}
    return {f"{c}_flagged_{k}": get(c, k) for c in sorted(by_class)
            for k in (*RISK_LABELS, "any")}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _subsets(data: dict[str, pd.DataFrame], scored: dict[str, Scored]
             ) -> dict[str, tuple[pd.DataFrame, Scored]]:
    """Deduplicated views: smishing rows absent from sms_spam, and both files combined."""
    if "sms_spam" not in data or "smishing_sms" not in data:
        return {}
    spam, smish = data["sms_spam"], data["smishing_sms"]
    seen = set(spam["text"].map(_norm))
    new = ~smish["text"].map(_norm).isin(seen).to_numpy()
    out = {"smishing_not_in_sms_spam": (smish[new], _take(scored["smishing_sms"], new))}
    both = pd.concat([spam.assign(src=0), smish[new].assign(src=1)], ignore_index=True)
    both["key"] = both["text"].map(_norm)
    # one row per distinct text; texts labelled both ham and spam-like are dropped as ambiguous
    both["label"] = both["label"].where(both["label"] == "ham", "scam")
    ambiguous = both.groupby("key")["label"].nunique() > 1
    keep = (~both["key"].isin(ambiguous[ambiguous].index) & ~both["key"].duplicated()).to_numpy()
    sc = Scored(np.vstack([scored["sms_spam"].y, scored["smishing_sms"].y[new]])[keep],
                np.vstack([scored["sms_spam"].s, scored["smishing_sms"].s[new]])[keep], [])
    out["sms_combined_dedup"] = (both[keep].reset_index(drop=True), sc)
    return out


def _take(sc: Scored, mask: np.ndarray) -> Scored:
    idx = np.flatnonzero(mask)
    return Scored(sc.y[idx], sc.s[idx], [sc.spans[i] for i in idx] if sc.spans else [])


def external_summary(name: str, df: pd.DataFrame, sc: Scored) -> dict[str, Any]:
    """Per-class flag rates and headline numbers of one public dataset."""
    labels_ = df["label"].to_numpy()
    by_class = {c: _rates(sc, labels_ == c) for c in sorted(set(labels_))}
    return {"n": len(df), "n_unique_texts": int(df["text"].map(_norm).nunique()),
            "by_class": by_class, "headline": _headline(name, by_class)}


def approx_truth(name: str, df: pd.DataFrame) -> np.ndarray | None:
    """Approximate (n, 4) truth: scam -> suspicious/off_platform; hate/offensive -> aggressive."""
    y = np.zeros((len(df), len(RISK_LABELS)), dtype=int)
    if name in ("sms_spam", "smishing_sms"):
        scam = (df["label"] != "ham").to_numpy()
        y[:, SUS] = y[:, OFF] = scam
        return y
    if name == "offensive_tweets":
        y[:, AGG] = (df["label"] != "neither").to_numpy()
        return y
    return None


def _span_str(spans: list[Any], with_text: bool) -> str:
    return "; ".join(f"{s.label}:{s.rule}@{s.start}-{s.end}" + (f"={s.text!r}" if with_text
                                                               else "") for s in spans)


def _error_frame(texts: list[str], true: list[str], sc: Scored, idx: np.ndarray,
                 col: np.ndarray, redact_text: bool, rows: np.ndarray | None) -> pd.DataFrame:
    from msgrisk.serving.predict import redact

    out = pd.DataFrame({
        "text": [redact(texts[i]) if redact_text else texts[i] for i in idx],
        "true": [true[i] for i in idx],
        "predicted": ["|".join(lab for j, lab in enumerate(RISK_LABELS) if sc.y[i, j]) or "fine"
                      for i in idx],
        "score": [round(float(col[i]), 4) for i in idx],
        "spans": [_span_str(sc.spans[i], not redact_text) for i in idx],
    })
    if rows is not None:
        out["row"] = rows[idx]
    return out


#: Which error files make sense for a public dataset under its approximate mapping.
EXTERNAL_ERRORS = {"sms_spam": {"suspicious": ("fp", "fn"), "off_platform": ("fp",)},
                   "smishing_sms": {"suspicious": ("fp", "fn"), "off_platform": ("fp",)},
                   "offensive_tweets": {"aggressive": ("fp", "fn")}}


def write_errors(folder: Path, dataset: str, texts: list[str], true: list[str],
                 y_true: np.ndarray, sc: Scored, redact_text: bool = False,
                 rows: np.ndarray | None = None) -> list[Path]:
    """The ``N_ERRORS`` most confident FPs and FNs per label as ``<dataset>_<label>_<kind>.csv``.

    FPs are sorted by score descending, FNs ascending. On the public SMS sets an FP is a
    ham flagged with the label and an FN a scam flagged neither suspicious nor off_platform
    (score = the higher of the two), as in the approximate mapping.
    """
    folder.mkdir(parents=True, exist_ok=True)
    specs = EXTERNAL_ERRORS.get(dataset, dict.fromkeys(RISK_LABELS, ("fp", "fn")))
    sms = dataset in ("sms_spam", "smishing_sms")
    written = []
    for label, kinds in specs.items():
        j = RISK_LABELS.index(label)
        t, pr, col = y_true[:, j].astype(bool), sc.y[:, j].astype(bool), sc.s[:, j]
        fn_col, fn_pred = col, pr
        if sms:
            fn_col = np.maximum(sc.s[:, SUS], sc.s[:, OFF])
            fn_pred = sc.y[:, SUS].astype(bool) | sc.y[:, OFF].astype(bool)
        fp = np.flatnonzero(~t & pr)
        fn = np.flatnonzero(t & ~fn_pred)
        chosen = {"fp": (fp[np.argsort(-col[fp], kind="stable")], col),
                  "fn": (fn[np.argsort(fn_col[fn], kind="stable")], fn_col)}
        for kind in kinds:
            idx, c = chosen[kind]
            path = folder / f"{dataset}_{label}_{kind}.csv"
            _error_frame(texts, true, sc, idx[:N_ERRORS], c, redact_text, rows).to_csv(
                path, index=False)
            written.append(path)
    return written


def _labelled(p: config.Paths) -> dict[str, tuple[list[str], list[str]] | str]:
    """Texts and true label strings of reviewed-test, test and gold, or why one is skipped."""
    out: dict[str, tuple[list[str], list[str]] | str] = {}
    if p.reviewed_csv.is_file():
        from msgrisk.corpus.reviewed import load_reviewed

        rev = load_reviewed(p.reviewed_csv)
        rev = rev[rev["split"] == "test"]
        out["reviewed_test"] = (rev["text"].tolist(), rev["labels"].tolist())
    else:
        out["reviewed_test"] = f"no {p.reviewed_csv}"
    test = load_test(p)
    if test is not None:
        out["test"] = (test["text"].tolist(), test["labels"].tolist())
    elif p.is_imported:
        out["test"] = ("skipped: this dataset (an imported export) has no generator truth; "
                       "reviewed-test and gold measure it here (msgrisk train also scores your "
                       "reviewed feedback)")
    else:
        out["test"] = (f"no {p.processed / 'test.parquet'} or {p.truth}; run `make train` "
                       "first")
    if p.gold_csv.is_file():
        gold = pd.read_csv(p.gold_csv, dtype=str, keep_default_na=False)
        out["gold"] = (gold["text"].tolist(), gold["labels"].tolist())
    else:
        out["gold"] = f"no {p.gold_csv}"
    return out


def _check_targets(external: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for dataset, key, op, bound in TARGETS:
        for system in ("model", "rules"):
            value = external.get(dataset, {}).get(system, {}).get("headline", {}).get(key)
            met = None if value is None else (value >= bound if op == ">=" else value <= bound)
            rows.append({"dataset": dataset, "metric": key, "system": system, "target":
                         f"{op} {bound}", "value": value, "met": met})
    return rows


def evaluate(model: str | None = None, paths: config.Paths | None = None,
             external_dir: Path | None = None, log_mlflow: bool = True) -> dict[str, Any]:
    """Score the champion (or ``model``) and rules-only on test, gold and the public sets.

    Writes ``reports/evaluation.{json,md}``, figures, error CSVs, and logs an MLflow run
    in experiment ``msgrisk-evaluation``. Returns the report.
    """
    from msgrisk.serving.predict import Predictor, load_predictor

    p = paths or config.paths()
    systems = {"model": load_predictor(model), "rules": Predictor(None)}
    served = systems["model"]
    version = served.model_version or "rules-only"
    errors_dir = p.reports / "errors"
    for stale in errors_dir.glob("*.csv"):  # our folder: keep it in step with this run
        stale.unlink()
    report: dict[str, Any] = {
        "bundle": {"version": version, "mode": served.mode,
                   "fallback_reason": served.fallback_reason},
        "datasets": {}, "external": {}, "machine": reporting.machine_info()}
    thresholds = (dict(zip(RISK_LABELS, served.thresholds.tolist(), strict=True))
                  if served.bundle is not None else None)
    for name, item in _labelled(p).items():
        if isinstance(item, str):
            report["datasets"][name] = {"skipped": item}
            continue
        texts, true = item
        y_true = metrics.indicator_matrix(true)
        sc = {k: score(v, texts) for k, v in systems.items()}
        report["datasets"][name] = {"n": len(texts), **{k: metrics.label_metrics(y_true, v.y)
                                                         for k, v in sc.items()}}
        plots.pr_curves(y_true, sc["model"].s, p.figures / f"eval_pr_{name}.png",
                        f"{name} ({version})", thresholds)
        plots.confusion(y_true, sc["model"].y, p.figures / f"eval_confusion_{name}.png", name)
        plots.score_histograms(sc["model"].s, y_true, p.figures / f"eval_scores_{name}.png", name)
        write_errors(errors_dir, name, texts, true, y_true, sc["model"])
    report["external"] = _evaluate_external(systems, external_dir or default_external_dir(),
                                            p, errors_dir)
    report["targets"] = _check_targets(report["external"])
    json_path = reporting.write_json(p.reports / "evaluation.json", report)
    md_path = p.reports / "evaluation.md"
    md_path.write_text(markdown(report))
    if log_mlflow:
        report["mlflow_run_id"] = _log_mlflow(report, [json_path, md_path], p)
        reporting.write_json(json_path, report)  # the on-disk copy also names its run
    return report


def _evaluate_external(systems: dict[str, Any], folder: Path, p: config.Paths,
                       errors_dir: Path) -> dict[str, Any]:
    if not folder.is_dir():
        msg = (f"external evaluation skipped: {folder} does not exist; put the public CSVs "
               "there or set MSGRISK_EXTERNAL_DIR")
        log.warning(msg)
        return {"skipped": msg}
    data = load_external(folder)
    if not data:
        return {"skipped": f"external evaluation skipped: no known CSV {EXTERNAL_FILES} in "
                           f"{folder}"}
    scored: dict[str, dict[str, Scored]] = {k: {} for k in systems}
    for name, df in data.items():
        texts = df["text"].tolist()
        for system, predictor in systems.items():
            scored[system][name] = score(predictor, texts)
        y_approx = approx_truth(name, df)
        plots.score_histograms(scored["model"][name].s, y_approx,
                               p.figures / f"eval_scores_{name}.png",
                               f"{name} (approximate mapping)" if y_approx is not None else name)
        if y_approx is not None:
            write_errors(errors_dir, name, texts, df["label"].tolist(), y_approx,
                         scored["model"][name], redact_text=True, rows=df["row"].to_numpy())
    out: dict[str, Any] = {"folder": str(folder)}
    for system in systems:
        views = {name: (df, scored[system][name]) for name, df in data.items()}
        views.update(_subsets(data, scored[system]))
        for name, (df, sc) in views.items():
            summary = external_summary(name, df, sc)
            entry = out.setdefault(name, {"n": summary["n"],
                                          "n_unique_texts": summary["n_unique_texts"]})
            entry[system] = {"by_class": summary["by_class"], "headline": summary["headline"]}
    return out


def _fmt(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def markdown(report: dict[str, Any]) -> str:
    """The report as markdown tables (model beside rules-only)."""
    lines = [f"# Evaluation of bundle `{report['bundle']['version']}`", "",
             "reviewed_test = the reviewed seed set's test writers (never fitted on); "
             "test = frame-grouped test split vs generator truth; gold = hand-written set. "
             "Public datasets keep their own labels: numbers are flag rates under an "
             "approximate mapping, not precision/recall against our labels.", ""]
    for name, d in report["datasets"].items():
        lines += [f"## {name}", ""]
        if "skipped" in d:
            lines += [f"Skipped: {d['skipped']}", ""]
            continue
        lines += [f"n = {d['n']}", "", "| label | model P | model R | model F1 | rules P | "
                  "rules R | rules F1 | support |", "|---|---|---|---|---|---|---|---|"]
        for lab in (*RISK_LABELS, "macro", "micro"):
            m, r = d["model"][lab], d["rules"][lab]
            lines.append(f"| {lab} | " + " | ".join(_fmt(x[k]) for x in (m, r) for k in
                                                    ("precision", "recall", "f1"))
                         + f" | {m.get('support', '')} |")
        lines.append("")
    ext = report["external"]
    lines += ["## Public datasets (approximate mappings)", ""]
    if "skipped" in ext:
        lines += [ext["skipped"], ""]
    else:
        lines += ["| dataset | metric | model | rules |", "|---|---|---|---|"]
        for name, d in ext.items():
            if not isinstance(d, dict) or "model" not in d:
                continue
            for key, value in d["model"]["headline"].items():
                lines.append(f"| {name} (n={d['n']}) | {key} | {_fmt(value)} | "
                             f"{_fmt(d['rules']['headline'].get(key))} |")
        lines += ["", "### Targets (reported, never tuned for)", "",
                  "| dataset | metric | target | model | met | rules | met |",
                  "|---|---|---|---|---|---|---|"]
        rows = report["targets"]
        for m, r in zip(rows[::2], rows[1::2], strict=True):
            lines.append(f"| {m['dataset']} | {m['metric']} | {m['target']} | {_fmt(m['value'])}"
                         f" | {_fmt(m['met'])} | {_fmt(r['value'])} | {_fmt(r['met'])} |")
    lines += ["", "Error CSVs: `reports/errors/` (git-ignored). Public-dataset texts there are "
              "redacted (`msgrisk.redact`), spans have offsets only, `row` is the source row.", ""]
    return "\n".join(lines)


def _log_mlflow(report: dict[str, Any], files: list[Path], p: config.Paths) -> str | None:
    """One run in experiment ``msgrisk-evaluation`` tagged with the bundle version."""
    from msgrisk.training import tracking

    try:
        import mlflow

        experiment_id = tracking.experiment("msgrisk-evaluation")
        flat = {k: {s: d[s] for s in ("model", "rules")} for k, d in report["datasets"].items()
                if "model" in d}
        flat["external"] = {k: {s: d[s]["headline"] for s in ("model", "rules")}
                            for k, d in report["external"].items()
                            if isinstance(d, dict) and "model" in d}
        with mlflow.start_run(experiment_id=experiment_id,
                              run_name=f"evaluate-{report['bundle']['version']}") as run:
            mlflow.set_tag("bundle_version", report["bundle"]["version"])
            mlflow.log_metrics(tracking.flatten_metrics(flat))
            for path in [*files, *sorted(p.figures.glob("eval_*.png"))]:
                mlflow.log_artifact(str(path), artifact_path="evaluation")
        return run.info.run_id
    except Exception as err:  # the report on disk matters more than the tracking copy
        log.warning("evaluation not logged to MLflow (%s: %s)", type(err).__name__, err)
        return None
