"""Every notebook in notebooks/ executes top to bottom (offline, in a fresh kernel)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(REPO / "scripts"))
from build_notebooks import cells  # noqa: E402


def test_at_least_four_notebooks() -> None:
    names = [path.stem for path in NOTEBOOKS]
    assert names[:4] == ["01_quickstart", "02_label_survey_export", "03_retrain_and_compare",
                         "04_insight_report"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_titles_and_prose_are_markdown_cells(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {path.stem[:2]} ")
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert not [source for source in code if "# %%" in source]
    assert sum(cell.cell_type == "markdown" for cell in notebook.cells) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_matches_its_source(path: Path) -> None:
    """The committed notebook holds the cells its ``notebooks/src`` script generates."""
    source = (path.parent / "src" / f"{path.stem}.py").read_text(encoding="utf-8")
    want = [(cell.cell_type, cell.source) for cell in cells(source)]
    got = [(cell.cell_type, cell.source) for cell in nbformat.read(path, as_version=4).cells]
    assert got == want


def test_a_script_starting_with_a_markdown_cell() -> None:
    built = cells("# %% [markdown]\n# # Title\n#\n# Prose.\n\n# %%\nx = 1\n"
                  "\n# %% [markdown]\n# More.\n")
    assert [(c.cell_type, c.source) for c in built] == [
        ("markdown", "# Title\n\nProse."), ("code", "x = 1"), ("markdown", "More.")]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
