"""Evaluation report on the tiny corpus, its gold copy and a tiny public-data folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from msgrisk import config
from msgrisk.evaluation import evaluate as evaluate_module
from msgrisk.evaluation.evaluate import evaluate

EXTERNAL = {
    "sms_spam": [("ham", "ok see you at 7, call me on 876 555 0142"), ("ham", "lol sure"),
                 ("spam", "URGENT! You have won a 1000 prize. Claim code 88 at bit.ly/xyz"),
                 ("spam", "Send your bank password to verify your account now")],
    "smishing_sms": [("ham", "lol sure"), ("smishing", "Your KYC expired, update at kyc-bank.co"),
                     ("spam", "Free entry! text WIN to 80082")],
    "offensive_tweets": [("neither", "nice day at the beach"), ("hate", "you are a useless thief"),
                         ("offensive", "shut up idiot")],
    "customer_support": [("company", "Please DM us your order number"),
                         ("customer", "my parcel is late again, really disappointed")],
}


def _write_external(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in EXTERNAL.items():
        with open(folder / f"{name}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["label", "text"])
            writer.writerows(rows)
    return folder


def _paths(tiny_paths: config.Paths, reports: Path) -> config.Paths:
    return config.Paths(root=tiny_paths.root, data=tiny_paths.data, models=tiny_paths.models,
                        reports=reports)


@pytest.fixture(scope="module")
def report(tiny_paths, tiny_bundle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evaluate")
    p = _paths(tiny_paths, tmp / "reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MSGRISK_MODELS_DIR", str(tiny_paths.models))
        result = evaluate(str(tiny_bundle), p, _write_external(tmp / "external"),
                          log_mlflow=False)
    return result, p


def test_evaluate_scores_test_and_gold_for_model_and_rules(report):
    result, p = report
    assert result["bundle"]["mode"] == "model"
    for name in ("test", "gold"):
        d = result["datasets"][name]
        assert d["n"] > 0
        assert 0.0 <= d["model"]["macro"]["f1"] <= 1.0
        assert set(d["rules"]) >= {"suspicious", "off_platform", "aggressive", "promise"}
    on_disk = json.loads((p.reports / "evaluation.json").read_text())
    assert on_disk["datasets"]["gold"]["n"] == result["datasets"]["gold"]["n"]
    assert "| suspicious |" in (p.reports / "evaluation.md").read_text()
    assert (p.figures / "eval_pr_test.png").is_file()
    assert (p.figures / "eval_scores_sms_spam.png").is_file()


def test_evaluate_external_headlines_and_targets(report):
    result, _ = report
    ext = result["external"]
    spam = ext["sms_spam"]["model"]
    assert spam["by_class"]["spam"]["n"] == 2
    assert set(spam["headline"]) >= {"spam_flagged_suspicious_or_off_platform",
                                     "ham_flagged_suspicious"}
    assert "neither_flagged_aggressive" in ext["offensive_tweets"]["rules"]["headline"]
    assert "company_flagged_off_platform" in ext["customer_support"]["model"]["headline"]
    # "lol sure" is in both SMS files: the deduplicated views drop it once
    assert ext["smishing_not_in_sms_spam"]["n"] == 2
    assert ext["sms_combined_dedup"]["n"] == 6
    assert len(result["targets"]) == 2 * len(evaluate_module.TARGETS)
    assert {t["system"] for t in result["targets"]} == {"model", "rules"}


def test_evaluate_writes_error_csvs_and_redacts_public_text(report):
    _, p = report
    errors = p.reports / "errors"
    for dataset in ("test", "gold"):
        for label in ("suspicious", "off_platform", "aggressive", "promise"):
            for kind in ("fp", "fn"):
                frame = pd.read_csv(errors / f"{dataset}_{label}_{kind}.csv")
                assert list(frame.columns) == ["text", "true", "predicted", "score", "spans"]
                assert len(frame) <= 50
    fp = pd.read_csv(errors / "sms_spam_off_platform_fp.csv")
    assert "row" in fp.columns
    assert not fp["text"].str.contains("555 0142").any()
    assert (errors / "sms_spam_suspicious_fn.csv").is_file()
    assert not list(errors.glob("customer_support_*"))


def test_evaluate_skips_missing_external_folder_and_data(tiny_paths, tiny_bundle, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("MSGRISK_MODELS_DIR", str(tiny_paths.models))
    empty = config.Paths(root=tmp_path, data=tmp_path / "data", models=tiny_paths.models,
                         reports=tmp_path / "reports")
    result = evaluate(str(tiny_bundle), empty, tmp_path / "missing", log_mlflow=False)
    assert "does not exist" in result["external"]["skipped"]
    assert "MSGRISK_EXTERNAL_DIR" in result["external"]["skipped"]
    assert "make train" in result["datasets"]["test"]["skipped"]
    assert "skipped" in (tmp_path / "reports" / "evaluation.md").read_text()


def test_evaluate_on_an_imported_export_says_why_the_truth_section_is_skipped(tmp_path):
    import pandas as pd

    from msgrisk import config
    from msgrisk.corpus import importer
    from msgrisk.evaluation.evaluate import _labelled

    p = config.Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "models",
                     reports=tmp_path / "reports")
    export = tmp_path / "team.csv"
    pd.DataFrame({"text": ["hi there", "is it still available?"]}).to_csv(export, index=False)
    importer.import_export(export, p)
    sets = _labelled(p)
    assert isinstance(sets["test"], str) and "no generator truth" in sets["test"]
    assert not isinstance(sets["reviewed_test"], str) and len(sets["reviewed_test"][0]) > 1000
    assert not isinstance(sets["gold"], str)  # the shipped gold set, found from any data dir
