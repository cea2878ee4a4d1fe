"""Write the notebooks in ``notebooks/`` from the cell sources below, then execute them in place.

Run from the repo root after changing a notebook's cells::

    python scripts/build_notebooks.py            # all notebooks
    python scripts/build_notebooks.py 01         # only those whose name starts with 01

The test suite (tests/test_notebooks.py) executes the committed notebooks again on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _cells(source: str) -> list[nbformat.NotebookNode]:
    cells = []
    for chunk in source.strip().split("\n# %%"):
        chunk = chunk.strip()
        if chunk.startswith("[markdown]"):
            text = chunk[len("[markdown]"):].strip()
            cells.append(nbformat.v4.new_markdown_cell(
                "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                          for line in text.splitlines())))
        elif chunk:
            cells.append(nbformat.v4.new_code_cell(chunk))
    return cells


def build(name: str, source: str) -> Path:
    """Write ``notebooks/<name>.ipynb`` from ``source`` (``# %%`` cells) and execute it."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = _cells("# %%" + source if not source.startswith("# %%") else source)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    path = NOTEBOOKS / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def main(prefixes: list[str]) -> None:
    sources = sorted((NOTEBOOKS / "src").glob("*.py"))
    for source in sources:
        if prefixes and not any(source.stem.startswith(p) for p in prefixes):
            continue
        print("built", build(source.stem, source.read_text(encoding="utf-8")))


if __name__ == "__main__":
    main(sys.argv[1:])
