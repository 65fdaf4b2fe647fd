"""The ``msgrisk`` command line: thin typer commands over pure functions."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="msgrisk: message-risk classifier (suspicious, off_platform, aggressive, "
                       "promise).", no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Build and inspect the historical-message corpus.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console(stderr=False)
err = Console(stderr=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False
          ) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title)
    for name in header:
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@data_app.command("synth")
def data_synth(
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 0,
    n_messages: Annotated[int, typer.Option(help="Number of messages.")] = 32_000,
    out: Annotated[Path | None, typer.Option(help="Output folder (default data/raw).")] = None,
) -> None:
    """Generate the sample historical corpus: messages.parquet/.csv and truth.parquet."""
    from msgrisk import config
    from msgrisk.corpus.synth.generator import write_corpus

    p = config.paths()
    report = write_corpus(out or p.raw, seed=seed, n_messages=n_messages,
                          reports_dir=p.reports if out is None else None)
    console.print_json(json.dumps({k: report[k] for k in report
                                   if k in ("n_messages", "n_threads", "label_counts",
                                            "distinct_frames_per_label")}, default=str))


@data_app.command("reviewed")
def data_reviewed(
    folder: Annotated[Path | None, typer.Option(help="Reviewed-set folder (default "
                                                "data/reviewed).")] = None,
) -> None:
    """Rebuild data/reviewed/reviewed.csv from the writers', annotators' and adjudicators'
    files under raw/ (agreement, leakage and coverage in reviewed_stats.json)."""
    from msgrisk import config
    from msgrisk.corpus import reviewed

    p = config.paths()
    target = folder or (config.PROJECT_ROOT / "data" / "reviewed")
    result = reviewed.build_default(target, p.gold_csv)
    out = reviewed.write(result, target)
    reviewed.update_datasheet(target / "README.md", result.stats)
    console.print(f"wrote {out} ({len(result.frame)} messages) and the datasheet's tables")
    console.print_json(json.dumps(result.stats["coverage"]))


@data_app.command("import")
def data_import(
    export: Annotated[Path, typer.Argument(help="Your export: .csv, .tsv, .parquet, .jsonl "
                                           "or .json (array of objects).")],
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the file's stem); "
                                             "the model registers as msgrisk-<name>.")] = None,
    text_column: Annotated[str, typer.Option(help="Column with the message text "
                                             "(required).")] = "text",
    id_column: Annotated[str | None, typer.Option(help="Message id column (default "
                                                  "message_id, else a hash).")] = None,
    thread_column: Annotated[str | None, typer.Option(help="Conversation id column (default "
                                                      "thread_id, else one per message).")
                             ] = None,
    time_column: Annotated[str | None, typer.Option(help="Send time column (default "
                                                    "sent_at, else empty).")] = None,
    role_column: Annotated[str | None, typer.Option(help="buyer/seller column (default "
                                                    "sender_role, else unknown).")] = None,
    order_column: Annotated[str | None, typer.Option(help="Order id column (default "
                                                     "order_id, else empty).")] = None,
    fulfillment_column: Annotated[str | None, typer.Option(
        help="dispatched_by_kx/seller_managed column (default fulfillment, else unknown).")
    ] = None,
) -> None:
    """Import your own messages: validated rows go to <data>/imported/messages.parquet,
    bad rows (with a reason) to <data>/quarantine/, counts to <reports>/import.json."""
    from msgrisk import config
    from msgrisk.corpus import importer

    columns = importer.ColumnMap(text=text_column, message_id=id_column,
                                 thread_id=thread_column, order_id=order_column,
                                 sent_at=time_column, sender_role=role_column,
                                 fulfillment=fulfillment_column)
    p = config.paths()
    try:
        report = importer.import_export(export, p, columns, name)
    except importer.dataset.DataError as error:
        err.print(f"[red]import failed:[/red] {error}")
        raise typer.Exit(1) from error
    console.print_json(json.dumps({k: report[k] for k in (
        "dataset", "registered_model", "n_rows_in", "n_good", "n_quarantined",
        "quarantined_by_reason", "n_exact_duplicates", "columns", "output")}, default=str))
    console.print(f"next: MSGRISK_DATA_DIR={p.data} msgrisk train   (or make train with the "
                  "same MSGRISK_HOME / MSGRISK_DATA_DIR)")


@data_app.command("validate")
def data_validate(path: Path) -> None:
    """Check a file already in the corpus schema (all seven columns); quarantined rows go to
    the data folder's quarantine/. Exits 1 when no row is usable. For an export with other
    columns use `msgrisk data import`."""
    from msgrisk import config
    from msgrisk.corpus import dataset

    try:
        result = dataset.load_messages(path, quarantine_dir=config.paths().quarantine)
    except dataset.DataError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print_json(json.dumps(result.summary()))
    if result.n_input and result.good.empty:
        err.print(f"no usable row in {path.name}: see the reasons above and "
                  f"{config.paths().quarantine}")
        raise typer.Exit(1)


@app.command()
def label() -> None:
    """Apply the labeling functions and the label model: data/interim/weak_labels.parquet."""
    from msgrisk.corpus.dataset import DataError
    from msgrisk.training import labeling

    try:
        report = labeling.run_labeling()
    except DataError as error:
        err.print(f"[red]cannot label:[/red] {error}")
        raise typer.Exit(1) from error
    console.print_json(json.dumps(report.get("vs_truth", report.get("overall", {})),
                                  default=str))


@app.command()
def rules(text: Annotated[str, typer.Argument(help="A message to run the detectors on.")]
          ) -> None:
    """Show the detector spans (offsets into the original text) and LF votes for a message."""
    from msgrisk import rules as registry

    console.print_json(json.dumps(registry.describe(text), ensure_ascii=False))


@app.command()
def train(
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML config.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: key=value.")] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Skip MLflow logging.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Promote even when the run cannot be "
                                        "judged or is worse than the champion.")] = False,
    model_name: Annotated[str | None, typer.Option(
        help="MLflow registered model name (default msgrisk for the sample corpus, "
             "msgrisk-<dataset> for an import).")] = None,
) -> None:
    """Train a bundle, evaluate it, register it in MLflow and promote it if it is at least as
    good as the champion on the same reviewed data."""
    from msgrisk import pipeline as training
    from msgrisk.corpus.dataset import DataError

    overrides = dict(item.split("=", 1) for item in (set_ or []))
    cfg = training.TrainConfig.from_file(config_file or training.DEFAULT_CONFIG, overrides)
    try:
        result = training.train(cfg, log_mlflow=not no_mlflow, force=force,
                                model_name=model_name)
    except DataError as error:
        err.print(f"[red]cannot train:[/red] {error}")
        raise typer.Exit(1) from error
    _print_table(f"msgrisk {result.metrics['bundle']['version']} (promoted: {result.promoted})",
                 ["set/system", "label", "P", "R", "F1"], result.table())
    _print_table("served vs rules-only", ["set", "label", "rules P", "rules R",
                 "served P", "served R", "served R @ rules P"], result.comparison())
    for note in result.notes():
        console.print(note)
    console.print(f"promotion: {result.metrics['promotion']['reason']}")
    console.print(f"bundle: {result.bundle_path}  time: {result.seconds:.1f}s  mlflow: "
                  f"{result.mlflow.get('registered_model', '-')} version "
                  f"{result.mlflow.get('registered_version', '-')}")


@app.command("convert-bundle")
def convert_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="A format-1 bundle folder (model.joblib).")],
) -> None:
    """Rewrite an old pickled bundle as a data-only bundle (<name>-data beside it): same
    manifest, version and outputs, loads without unpickling. Point MSGRISK_MODEL (or promote)
    at the new folder."""
    from msgrisk.training.bundle import BundleError, convert_bundle

    try:
        out = convert_bundle(bundle)
    except BundleError as error:
        err.print(f"[red]cannot convert:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"wrote {out}")


@app.command("model-name")
def model_name_cmd() -> None:
    """Print the MLflow registered model name of the current data folder (msgrisk for the
    sample corpus, msgrisk-<dataset> for an import): serve models:/<name>@champion."""
    from msgrisk import config

    sys.stdout.write(config.paths().registered_model + "\n")


@app.command("dev-sweep")
def dev_sweep(
    grid: Annotated[list[str], typer.Option("--grid", help="key=v1,v2,... (fit-time fields: "
                                            "reviewed_weight, weak_weight, C, class_weight)")],
) -> None:
    """Compare training configs on writer-disjoint halves of reviewed-dev (never test):
    reports/dev_sweep.json."""
    from msgrisk import config
    from msgrisk.evaluation.folds import reviewed_dev_sweep

    spec = {k: v.split(",") for k, v in (item.split("=", 1) for item in grid)}
    report = reviewed_dev_sweep(spec)
    p = config.paths()
    p.reports.mkdir(parents=True, exist_ok=True)
    (p.reports / "dev_sweep.json").write_text(json.dumps(report, indent=2))
    rows = report["rows"]
    _print_table("reviewed-dev sweep (held-out writer halves)", list(rows[0]),
                 [[str(v) for v in r.values()] for r in rows])


@app.command("dev-folds")
def dev_folds(
    seeds: Annotated[int, typer.Option(help="Split seeds (each one re-splits by frame).")] = 4,
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML config.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: key=value.")] = None,
) -> None:
    """Compare a training config with rules-only on unseen frames of dev (never test)."""
    from msgrisk import pipeline as training
    from msgrisk.evaluation import folds

    overrides = dict(item.split("=", 1) for item in (set_ or []))
    cfg = training.TrainConfig.from_file(config_file or training.DEFAULT_CONFIG, overrides)
    report = folds.dev_fold_report(cfg, seeds=seeds)
    out = folds.write_report(report)
    mean = report["mean"]
    _print_table(f"served vs rules-only on held-out dev frames ({len(report['folds'])} folds)",
                 ["metric", "mean"], [[k, str(v)] for k, v in mean.items()])
    console.print(f"report: {out}")


@app.command("predict")
def predict_cmd(
    texts: Annotated[list[str], typer.Argument(help="Messages to classify.")],
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
) -> None:
    """Classify messages: one JSON line per text."""
    from msgrisk.serving.predict import load_predictor

    predictor = load_predictor(model)
    for p in predictor.predict_batch(texts):
        sys.stdout.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")


@app.command("redact")
def redact_cmd(text: str) -> None:
    """Mask contact details and secrets in a message."""
    from msgrisk.serving.predict import redact

    sys.stdout.write(redact(text) + "\n")


@app.command("predict-file")
def predict_file_cmd(
    input: Annotated[Path, typer.Argument(help="CSV or parquet file of messages.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV or parquet output.")],
    text_column: Annotated[str, typer.Option(help="Column holding the message text.")] = "text",
    batch_size: Annotated[int, typer.Option(help="Messages per nlp.pipe batch.")] = 512,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the bundle once).")
                       ] = 1,
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
) -> None:
    """Score a file: input columns + labels, primary_label, score_*, source, error."""
    from msgrisk.serving.batch import predict_file

    summary = predict_file(input, output, text_column=text_column, batch_size=batch_size,
                           workers=workers, model=model)
    console.print_json(json.dumps(summary, default=str))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP API (POST /predict, POST /redact, GET /health, docs at /docs)."""
    from msgrisk.serving.http import run

    run(host=host, port=port, workers=workers)


@app.command()
def loadtest(
    n_requests: Annotated[int, typer.Option(help="Total requests (bounded).")] = 20_000,
    concurrency: Annotated[int, typer.Option(help="Concurrent clients.")] = 32,
    timeout_s: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = 300.0,
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
) -> None:
    """Start the server on 127.0.0.1 and load-test it; results go to reports/bench.json."""
    from msgrisk import config
    from msgrisk.evaluation.bench import record
    from msgrisk.evaluation.loadtest import run_load_test

    result = run_load_test(n_requests=n_requests, concurrency=concurrency, timeout_s=timeout_s,
                           model=model)
    record(config.paths(), load_test=result)
    console.print_json(json.dumps(result, default=str))
    if result.get("errors"):
        raise typer.Exit(1)


@app.command()
def evaluate(
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
    external_dir: Annotated[Path | None, typer.Option(
        help="Public datasets folder (default ../shared/eval/external or "
             "MSGRISK_EXTERNAL_DIR).")] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Skip MLflow logging.")] = False,
) -> None:
    """Score the champion on test, gold and the public datasets: reports/evaluation.json."""
    from msgrisk.evaluation.evaluate import evaluate as run_evaluation

    report = run_evaluation(model, None, external_dir, log_mlflow=not no_mlflow)
    rows = []
    for name, section in report.get("datasets", {}).items():
        for system in ("model", "rules"):
            macro = section.get(system, {}).get("macro", {})
            if macro:
                rows.append([name, system, f"{macro['precision']:.3f}", f"{macro['recall']:.3f}",
                             f"{macro['f1']:.3f}"])
    _print_table("macro P/R/F1", ["dataset", "system", "P", "R", "F1"], rows)
    _print_table("public-dataset targets (reported, never tuned for)",
                 ["dataset", "metric", "target", "system", "value", "met"],
                 [[t["dataset"], t["metric"], t["target"], t["system"], f"{t['value']:.3f}",
                   str(t["met"])] for t in report.get("targets", [])])
    if "skipped" in report.get("external", {}):
        console.print(f"external datasets skipped: {report['external']['skipped']}")
    console.print("full report: reports/evaluation.md, reports/evaluation.json")


@app.command()
def bench(
    n_messages: Annotated[int, typer.Option(help="Corpus messages to benchmark on.")] = 20_000,
    embed: Annotated[bool, typer.Option("--embed", help="Add MiniLM + LR (needs torch).")
                     ] = False,
    textcat_epochs: Annotated[int, typer.Option(help="spaCy textcat epochs.")] = 3,
    latency_calls: Annotated[int, typer.Option(help="Single-message calls per system.")
                             ] = 1000,
) -> None:
    """Benchmark msgrisk vs rules-only, TF-IDF+LR and spaCy textcat: reports/bench.json."""
    from msgrisk.evaluation.bench import run_bench

    result = run_bench(n_messages=n_messages, include_embed=embed,
                       textcat_epochs=textcat_epochs, n_latency=latency_calls)
    console.print_json(json.dumps(result.get("systems", result), default=str)[:20000])


@app.command("bench-scaling")
def bench_scaling(
    sizes: Annotated[str, typer.Option(help="Comma-separated corpus sizes.")
                     ] = "10000,30000,100000",
) -> None:
    """Time the training pipeline per corpus size and predict-file per worker count."""
    from msgrisk.evaluation.bench import run_scaling

    result = run_scaling(tuple(int(x) for x in sizes.split(",")))
    console.print_json(json.dumps(result, default=str)[:20000])


@app.command("score-spark")
def score_spark(
    input: Annotated[str, typer.Argument(help="Parquet or CSV path/URI of messages.")],
    output: Annotated[str, typer.Argument(help="Parquet output folder (path or URI).")],
    text_column: Annotated[str, typer.Option(help="Column holding the message text.")] = "text",
    master: Annotated[str, typer.Option(help="Spark master URL.")] = "local[2]",
    model: Annotated[str | None, typer.Option(
        help="Bundle path or models:/msgrisk@champion (default: the champion).")] = None,
) -> None:
    """Score a message table on Apache Spark; same output columns as predict-file."""
    from msgrisk.serving.spark import score_path

    console.print_json(json.dumps(score_path(input=input, output=output, text_column=text_column,
                                             master=master, model=model), default=str))


@app.command("harden-bench")
def harden_bench(
    n_fuzz: Annotated[int, typer.Option(help="Random hostile texts to fuzz with.")] = 1000,
    repeats: Annotated[int, typer.Option(help="Timed repeats per hostile case.")] = 5,
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
) -> None:
    """Fuzz predict/redact/rules and time hostile inputs: reports/fuzz.json, bench.json."""
    from msgrisk import config
    from msgrisk.evaluation.hardening import run_hardening_bench
    from msgrisk.serving.predict import load_predictor

    result = run_hardening_bench(config.paths().reports, n_fuzz, repeats,
                                 predictor=load_predictor(model))
    fuzz = result.get("fuzz", {})
    console.print_json(json.dumps({k: fuzz.get(k) for k in ("n_cases", "n_failures",
                                                             "by_problem")}, default=str))
    console.print_json(json.dumps({k: v for k, v in result.items() if k != "fuzz"},
                                  default=str)[:5000])


feedback_app = typer.Typer(help="Reviewed labels flowing back into training.",
                           no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


def _band(value: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in value.split(":"))
    except ValueError as error:
        raise typer.BadParameter("band must look like 0.35:0.65") from error
    if not 0 <= lo < hi <= 1:
        raise typer.BadParameter("band must satisfy 0 <= low < high <= 1")
    return lo, hi


@app.command("review-queue")
def review_queue_cmd(
    input: Annotated[Path, typer.Argument(help="CSV or parquet file of messages.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Queue to write: CSV, or "
                                         "Label Studio tasks when it ends in .json.")],
    n: Annotated[int | None, typer.Option("--n", min=0, help="Review budget: rows in the "
                                          "queue (default 200).")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="Alias of --n.")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed (same seed, same queue).")] = 0,
    band: Annotated[str, typer.Option(help="Uncertain score band low:high: flags at or above "
                                      "high are confident, unflagged scores at or above low "
                                      "uncertain.")] = "0.35:0.65",
    format: Annotated[str | None, typer.Option("--format", help="csv or labelstudio (default: "
                                               "from the output's extension).")] = None,
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
    text_column: Annotated[str, typer.Option(help="Column holding the message text.")] = "text",
) -> None:
    """Sample messages for human review, stratified by label and score (confident flags too)."""
    from msgrisk.analysis.review import review_queue

    try:  # review_queue checks --format, --n/--limit and the text column, and says the fix
        summary = review_queue(input, output, band=_band(band), limit=limit, n=n, seed=seed,
                               format=format, model=model, text_column=text_column)
    except ValueError as error:
        err.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from error
    console.print_json(json.dumps(summary, default=str))
    err.print(f"Reviewers: {summary['how_to_review']}. Then run: msgrisk feedback import "
              f"{summary['output']}", markup=False, highlight=False, soft_wrap=True)


@feedback_app.command("import")
def feedback_import_cmd(
    queue: Annotated[Path, typer.Argument(help="A reviewed queue CSV, or a Label Studio JSON "
                                          "export (.json).")],
    feedback: Annotated[Path | None, typer.Option(help="Feedback CSV (default "
                                                  "data/gold/feedback.csv).")] = None,
) -> None:
    """Merge reviewed decisions into data/gold/feedback.csv (validated, deduplicated).

    Exits 1 when any reviewed row was rejected (they are kept in the quarantine file),
    2 when the file cannot be read as a queue or an export.
    """
    from msgrisk.analysis.feedback import import_feedback

    try:
        report = import_feedback(queue, feedback_csv=feedback)
    except (ValueError, FileNotFoundError) as error:
        err.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from error
    console.print_json(json.dumps({k: v for k, v in report.items()
                                   if not isinstance(v, list)}, default=str))
    if report["n_conflicts"]:
        err.print(f"{report['n_conflicts']} conflicting review(s) kept the earlier decision; "
                  f"resolve them in {report['conflicts_file']}", markup=False,
                  highlight=False, soft_wrap=True)
    if report["n_rejected"]:
        lines = [f"{report['n_rejected']} reviewed row(s) rejected and written to "
                 f"{report['rejected_file']} (nothing imported from them).",
                 f"{report['accepted_format']}.",
                 *(f"  row {r['queue_row']} (message_id {r['message_id'] or '-'}): {r['reason']}"
                   for r in report["rejected"][:10]),
                 *(["  ..."] if report["n_rejected"] > 10 else []),
                 f"Fix them in {queue} and import it again: rows already imported are skipped "
                 "as duplicates."]
        err.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("audit-labels")
def audit_labels_cmd(
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
) -> None:
    """Find suspected weak-label errors with cleanlab: reports/label_issues.csv."""
    from msgrisk.analysis.audit import audit_labels

    report = audit_labels(folds=folds)
    console.print_json(json.dumps(report, default=str))


@app.command()
def drift(
    reference: Annotated[Path, typer.Argument(help="Reference batch (CSV or parquet).")],
    new: Annotated[Path, typer.Argument(help="New batch (CSV or parquet).")],
    psi_threshold: Annotated[float, typer.Option(help="Fail above this PSI.")] = 0.2,
    model: Annotated[str | None, typer.Option(help="Bundle path or models:/ URI.")] = None,
    output: Annotated[Path | None, typer.Option(help="JSON report path.")] = None,
) -> None:
    """Compare two message batches; exits 1 when any label's PSI exceeds the threshold."""
    from msgrisk.analysis.drift import drift_report

    report = drift_report(reference, new, model=model, psi_threshold=psi_threshold,
                          output=output)
    console.print_json(json.dumps({k: report[k] for k in report if k != "figures"},
                                  default=str))
    if report["exceeded"]:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover
    app()
