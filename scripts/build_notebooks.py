"""Write the notebooks in ``notebooks/`` from the cell sources below, then execute them in place.

Run from the repo root after changing a notebook's cells::

    python scripts/build_notebooks.py            # all notebooks
    python scripts/build_notebooks.py 01         # only those whose name starts with 01

The test suite (tests/test_notebooks.py) executes the committed notebooks again on every run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


_CELL = re.compile(r"^# %%", flags=re.MULTILINE)


def cells(source: str) -> list[nbformat.NotebookNode]:
    r"""Split a ``# %%`` script into notebook cells; ``# %% [markdown]`` cells become markdown.

    A cell starts at every line that begins with ``# %%``, the first line of the file included.
    The ``# `` in front of each line of a markdown cell is removed.

    Examples
    --------
    >>> [(c.cell_type, c.source) for c in cells("# %% [markdown]\n# # Title\n#\n# Text\n"
    ...                                           "\n# %%\nx = 1\n")]
    [('markdown', '# Title\n\nText'), ('code', 'x = 1')]
    """
    out = []
    for chunk in _CELL.split(source):
        chunk = chunk.strip()
        if chunk.startswith("[markdown]"):
            text = chunk[len("[markdown]"):].strip()
            out.append(nbformat.v4.new_markdown_cell(
                "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                          for line in text.splitlines())))
        elif chunk:
            out.append(nbformat.v4.new_code_cell(chunk))
    return out


def build(name: str, source: str) -> Path:
    """Write ``notebooks/<name>.ipynb`` from ``source`` (``# %%`` cells) and execute it."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = cells(source)
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
