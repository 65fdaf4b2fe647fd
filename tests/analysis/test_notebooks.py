"""Every notebook runs top to bottom against the tiny project, and is committed without outputs.

The kernel is the ``python3`` spec that ipykernel ships inside the venv
(``<venv>/share/jupyter/kernels/python3``, argv ``python -m ipykernel_launcher``); jupyter_client
swaps a bare ``python`` for ``sys.executable``, so the kernel is this interpreter and no
``ipykernel install`` step is needed. Paths reach the kernel through MSGRISK_* env vars.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from msgrisk import config

NOTEBOOKS = sorted((config.PROJECT_ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 120


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


@pytest.fixture(scope="module")
def notebook_env(tiny_paths: config.Paths, tiny_bundle: Path,
                 tmp_path_factory: pytest.TempPathFactory):
    """Env pointing at the tiny project; reports go to a private copy (notebooks write there)."""
    reports = tmp_path_factory.mktemp("nb") / "reports"
    shutil.copytree(tiny_paths.reports, reports)
    mp = pytest.MonkeyPatch()
    mp.setenv("MSGRISK_DATA_DIR", str(tiny_paths.data))
    mp.setenv("MSGRISK_MODELS_DIR", str(tiny_paths.models))
    mp.setenv("MSGRISK_REPORTS_DIR", str(reports))
    mp.delenv("MSGRISK_MODEL", raising=False)
    mp.setenv("MPLBACKEND", "Agg")
    yield reports
    mp.undo()


# why slow: four kernels importing spaCy/sklearn take ~45 s idle, ~110 s on a loaded CI box
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_run_top_to_bottom(path: Path, notebook_env: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.get("output_type") == "error"]
    assert not errors
    assert any(out.get("output_type") in ("display_data", "execute_result")
               for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
