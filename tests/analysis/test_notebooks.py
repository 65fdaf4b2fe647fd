"""Every notebook runs top to bottom on every kind of dataset, and is committed without outputs.

Two datasets: the tiny sample project (generator truth, roles, fulfillment, send times) and a
team's imported export built from the same messages with only message_id, text and sent_at (as
strings): no generator truth, roles and fulfillment ``unknown``. The sections that need truth
must say so in one printed line, never crash or show an empty table.

The kernel is the ``python3`` spec that ipykernel ships inside the venv
(``<venv>/share/jupyter/kernels/python3``, argv ``python -m ipykernel_launcher``); jupyter_client
swaps a bare ``python`` for ``sys.executable``, so the kernel is this interpreter and no
``ipykernel install`` step is needed. Paths reach the kernel through MSGRISK_* env vars.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest

from msgrisk import analysis, config

NOTEBOOKS = sorted((config.PROJECT_ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 120
DATASETS = ("sample", "imported")
#: Every MSGRISK_* variable that selects paths; each run sets exactly the ones it needs.
PATH_VARS = ("MSGRISK_HOME", "MSGRISK_DATA_DIR", "MSGRISK_MODELS_DIR", "MSGRISK_REPORTS_DIR",
             "MSGRISK_MODEL")
NO_TRUTH = "no generator truth for this dataset (imported export)"
#: Notebooks with a section that needs generator truth (they print NO_TRUTH once per section).
NEEDS_TRUTH = ("1.0", "2.0", "3.0")


def test_notebooks_exist_with_cookiecutter_names() -> None:
    names = [nb.name for nb in NOTEBOOKS]
    assert len(names) >= 4
    assert all(name[0].isdigit() and "-" in name for name in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: strip outputs (nbstripout)"
            assert cell.execution_count is None, f"{path.name}: strip execution counts"


# -- helpers the notebooks rely on for a team's export (fast) -------------------------------
def _imported_dir(tmp_path: Path, sent_at: list[Any]) -> config.Paths:
    """A data folder holding only ``imported/messages.parquet`` (sent_at as given)."""
    p = config.Paths(root=tmp_path, data=tmp_path / "data", models=tmp_path / "models",
                     reports=tmp_path / "reports")
    p.imported.mkdir(parents=True)
    ids = [f"m{i}" for i in range(len(sent_at))]
    texts = ["call me on 876 555 0142", "hi, when will it ship?", "ok thanks"][:len(ids)]
    pd.DataFrame({"message_id": ids, "thread_id": ids, "order_id": None, "sent_at": sent_at,
                  "sender_role": "unknown", "fulfillment": "unknown", "text": texts,
                  }).to_parquet(p.imported_messages, index=False)
    return p


def test_load_corpus_parses_string_times(tmp_path: Path) -> None:
    p = _imported_dir(tmp_path, ["2026-01-05T10:00:00Z", "2026-01-20 08:30", None])
    corpus = analysis.load_corpus(p).assign(weak_labels=["off_platform", "fine", "fine"])
    assert isinstance(corpus["sent_at"].dtype, pd.DatetimeTZDtype)
    assert corpus["sent_at"].isna().tolist() == [False, False, True]
    weekly = analysis.volumes_over_time(corpus)
    assert weekly.to_numpy().sum() == 2  # the message without a time is left out
    assert analysis.time_note(corpus) == "1 of 3 messages have no send time: left out over time"
    assert "truth_labels" not in corpus


def test_time_sections_skip_cleanly_without_any_time(tmp_path: Path) -> None:
    p = _imported_dir(tmp_path, [None, None, None])
    corpus = analysis.load_corpus(p).assign(weak_labels="fine")
    assert analysis.volumes_over_time(corpus).empty
    assert analysis.time_note(corpus).startswith("no send times in this dataset")
    early, late, note = analysis.time_halves(corpus, n=10)
    assert (len(early), len(late)) == (1, 1) and note and "first/last rows" in note
    assert analysis.column_note(corpus, "sender_role").startswith("every message has")
    assert analysis.column_note(pd.DataFrame({"x": ["a", "b"]}), "x") is None


def test_imported_dataset_uses_reviewed_labels_not_truth(tmp_path: Path) -> None:
    p = _imported_dir(tmp_path, [None, None, None])
    assert not analysis.has_truth(p)
    assert analysis.truth_note(p, "x") == f"{NO_TRUTH}: x"
    sets = analysis.labelled_sets(p)
    assert [s.name for s in sets] == ["reviewed test", "gold"]
    assert all(len(s.texts) == len(s.labels) == s.y_true.shape[0] > 0 for s in sets)
    campaign = analysis.simulated_campaign(analysis.load_messages(p), "off_platform", 0.5, 40,
                                           p=p, seed=1)
    assert len(campaign) == 40 and (campaign["source"] == "reviewed").sum() == 20


# -- every notebook on both datasets (slow) -------------------------------------------------
@pytest.fixture(scope="module")
def sample_env(tiny_paths: config.Paths, tiny_bundle: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The tiny sample project; reports go to a private copy (notebooks write there)."""
    reports = tmp_path_factory.mktemp("nb-sample") / "reports"
    shutil.copytree(tiny_paths.reports, reports)
    return {"MSGRISK_DATA_DIR": str(tiny_paths.data),
            "MSGRISK_MODELS_DIR": str(tiny_paths.models), "MSGRISK_REPORTS_DIR": str(reports)}


@pytest.fixture(scope="module")
def imported_env(tiny_paths: config.Paths, tiny_bundle: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A team's project under one MSGRISK_HOME: the tiny corpus exported with message_id, text
    and sent_at (strings) only, brought in with ``msgrisk data import``, weak-labelled, and
    the tiny bundle promoted in its own models folder. No truth, gold or reviewed set of its
    own (the shipped gold and reviewed sets apply)."""
    from msgrisk.corpus import importer
    from msgrisk.training import bundle, labeling

    home = tmp_path_factory.mktemp("nb-team")
    export = home / "team-export.parquet"
    messages = pd.read_parquet(tiny_paths.messages, columns=["message_id", "text", "sent_at"])
    messages["sent_at"] = pd.to_datetime(messages["sent_at"], utc=True).dt.strftime(
        "%Y-%m-%d %H:%M:%S")
    messages.to_parquet(export, index=False)
    p = config.Paths(root=home, data=home / "data", models=home / "models",
                     reports=home / "reports")
    report = importer.import_export(export, p, name="team")
    assert report["n_good"] == len(messages)
    assert p.is_imported and p.dataset == "team" and not p.truth.is_file()
    labeling.run_labeling(p)
    p.models.mkdir(parents=True)
    copied = p.models / Path(tiny_bundle).resolve().name
    shutil.copytree(Path(tiny_bundle).resolve(), copied)
    bundle.promote(copied, p.models)
    return {"MSGRISK_HOME": str(home)}


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _text(out: dict[str, Any]) -> str:
    if out.get("output_type") == "stream":
        return str(out.get("text", ""))
    return str(out.get("data", {}).get("text/plain", ""))


# why slow: eight kernels importing spaCy/sklearn plus the tiny project and import: ~220 s on
# a shared 2-core box
@pytest.mark.slow
@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_run_top_to_bottom(path: Path, dataset: str, request: pytest.FixtureRequest,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    env = request.getfixturevalue(f"{dataset}_env")
    for name in PATH_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MPLBACKEND", "Agg")

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = _outputs(nb)
    errors = [out for out in outputs if out.get("output_type") == "error"]
    assert not errors, [f"{e.get('ename')}: {e.get('evalue')}" for e in errors]
    assert any(out.get("output_type") in ("display_data", "execute_result") for out in outputs)
    text = "\n".join(_text(out) for out in outputs)
    assert "Empty DataFrame" not in text, f"{path.name} shows an empty table on {dataset}"
    assert "model version: None" not in text, "the notebook fell back to rules-only"
    expected = "dataset 'team' (imported export" if dataset == "imported" else \
        "dataset 'sample' (generator sample corpus, with generator truth)"
    assert expected in text
    if dataset == "sample":
        assert "no generator truth" not in text
    elif path.name.startswith(NEEDS_TRUTH):
        assert NO_TRUTH in text, f"{path.name}: say in one line why a truth section is skipped"
