"""The pages of ``docs/`` are reachable from the README, and their code blocks run.

The README keeps the front door (what it is, the set-up commands, the API, the CLI, the headline
figures, the known limits); the details live in ``docs/*.md``. Their blocks are checked as
``tests/test_readme.py`` checks the README's:

* ``python`` blocks are executed in this process, from the repository root, and a
  ``# LITERAL`` comment line under a ``print(EXPR)`` line must equal what it prints;
* ``shell`` and ``bash`` blocks run in order, with bash, in one empty temporary folder per page
  that holds a copy of ``data/`` (as a fresh clone has);
* an inline `moments-nlp COMMAND ...` example is a line of a ``shell`` block of its page or of
  the README, so it runs too.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted((REPO / "docs").glob("*.md"))
README = (REPO / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(REPO / "scripts"))
from readme_blocks import printed_with_their_output, readme_blocks  # noqa: E402

MOVED_FROM_THE_README = ("benchmarks", "default-model", "trust-model", "shares", "known-limits")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _python_blocks() -> list[tuple[str, int, str]]:
    return [(page.name, index, code) for page in DOCS
            for index, code in enumerate(readme_blocks(_text(page), "python"))]


def _shell_blocks(page: Path) -> list[str]:
    """The page's ``shell`` and ``bash`` blocks, in page order."""
    text = _text(page)
    return [match.group(2) for match in re.finditer(r"```(shell|bash)\n(.*?)```", text,
                                                    flags=re.DOTALL)]


def test_the_moved_sections_have_their_pages() -> None:
    names = {page.stem for page in DOCS}
    assert set(MOVED_FROM_THE_README) <= names


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_page_is_linked_from_the_readme(page: Path) -> None:
    assert f"](docs/{page.name})" in README or f"](docs/{page.name}#" in README


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", _text(page), flags=re.DOTALL)
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", [REPO / "README.md", *DOCS], ids=lambda page: page.name)
def test_relative_links_resolve(page: Path) -> None:
    """Every relative link of the README and of the pages names a file (and heading) that exist."""
    text = re.sub(r"```.*?```", "", _text(page), flags=re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md"
                                   and anchor not in _anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_pages_have_blocks_that_run() -> None:
    assert _python_blocks() and any(_shell_blocks(page) for page in DOCS)
    assert sum(len(printed_with_their_output(code)) for _, _, code in _python_blocks()) >= 1


@pytest.mark.parametrize(("name", "index", "code"), _python_blocks(),
                         ids=[f"{name}-{index}" for name, index, _ in _python_blocks()])
def test_python_blocks_run(name: str, index: int, code: str,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "docs"}
    exec(compile(code, f"docs/{name} python block {index}", "exec"), namespace)
    for expression, literal in printed_with_their_output(code):  # "# output" lines are true
        assert eval(expression, namespace) == ast.literal_eval(literal), expression


def _shell_prelude() -> str:
    """Run ``moments-nlp`` as installed, else through this interpreter (same code either way)."""
    if shutil.which("moments-nlp"):
        return "set -euo pipefail\n"
    return (f'set -euo pipefail\nmoments-nlp() {{ "{sys.executable}" -m moments_nlp.cli "$@"; }}'
            "\n")


@pytest.mark.slow
@pytest.mark.parametrize("page", [page for page in DOCS if _shell_blocks(page)],
                         ids=lambda page: page.name)
def test_shell_blocks_run_in_a_fresh_folder(page: Path, tmp_path: Path) -> None:
    shutil.copytree(REPO / "data", tmp_path / "data")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    for index, block in enumerate(_shell_blocks(page)):
        result = subprocess.run(["bash", "-c", _shell_prelude() + block], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, (
            f"docs/{page.name} shell block {index} failed:\n{block}\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-3000:]}")


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_cli_example_is_a_shell_block_line(page: Path) -> None:
    """Inline examples (`moments-nlp label ...` in the prose) are lines of a block that runs."""
    lines = [line for block in [*_shell_blocks(page), *readme_blocks(README, "shell")]
             for line in block.splitlines()]
    inline = re.findall(r"`(moments-nlp [a-z]+ [^`]+)`", _text(page))
    missing = [example for example in inline if not any(example in line for line in lines)]
    assert missing == []
