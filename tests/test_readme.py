"""The README is the front door: its code blocks run, and CI runs its test command.

(The pages of ``docs/`` that it links to are checked the same way in ``tests/test_docs.py``.)

* ``python`` blocks are executed in this process.
* ``shell`` blocks are the command-line examples: they run, in README order, with bash in one
  empty temporary folder that holds a copy of ``data/`` (as a fresh clone has), so every example
  works without anything the README does not create first.
* The ``text`` synopsis under "Command line" lists every option of every command.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moments_nlp.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(REPO / "scripts"))
from readme_blocks import printed_with_their_output, readme_blocks  # noqa: E402


def _blocks(language: str) -> list[str]:
    return readme_blocks(README, language)


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_blocks_run(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = _blocks("python")[index]
    code = code.replace('"labeled.csv"', repr(str(tmp_path / "labeled.csv")))
    code = code.replace('"report.html"', repr(str(tmp_path / "report.html")))
    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(code, f"README.md python block {index}", "exec"), namespace)
    for expression, literal in printed_with_their_output(code):  # "# output" lines are true
        assert eval(expression, namespace) == ast.literal_eval(literal), expression


def test_outputs_written_under_python_blocks_are_checked() -> None:
    """test_python_blocks_run compares them with what they print; there is one at least."""
    assert sum(len(printed_with_their_output(code)) for code in _blocks("python")) >= 1


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    shell = "\n".join(_blocks("bash"))
    assert ci in shell, f"the last line of .ci/run ({ci!r}) is not a README command"
    assert "python -m pytest" in ci


def _shell_prelude() -> str:
    """Run ``moments-nlp`` as installed, else through this interpreter (same code either way)."""
    if shutil.which("moments-nlp"):
        return "set -euo pipefail\n"
    return (f'set -euo pipefail\nmoments-nlp() {{ "{sys.executable}" -m moments_nlp.cli "$@"; }}'
            "\n")


@pytest.mark.slow
def test_shell_blocks_run_in_a_fresh_folder(tmp_path: Path) -> None:
    blocks = _blocks("shell")
    assert len(blocks) >= 2
    shutil.copytree(REPO / "data", tmp_path / "data")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    for index, block in enumerate(blocks):
        result = subprocess.run(["bash", "-c", _shell_prelude() + block], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, (
            f"README shell block {index} failed:\n{block}\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-3000:]}")
    for made in ("labeled.csv", "labeled.xlsx", "moments.csv", "report.html", "to_label.csv",
                 "models/ours/card.json", "models/current/card.json"):
        assert (tmp_path / made).is_file(), made


def test_every_cli_example_is_a_shell_block_line() -> None:
    """Inline examples (`moments-nlp label ...` in the prose and the bash set-up block) are
    run too: each is part of a line of a ``shell`` block."""
    lines = [line for block in _blocks("shell") for line in block.splitlines()]
    inline = re.findall(r"`(moments-nlp [a-z]+ [^`]+)`", README)
    setup = [part.strip() for block in _blocks("bash") for part in block.split("&&")
             if part.strip().startswith("moments-nlp ")]
    assert setup  # inline examples are optional; docs/ pages have theirs (tests/test_docs.py)
    missing = [ex for ex in inline + setup if not any(ex in line for line in lines)]
    assert missing == []


def _synopsis() -> dict[str, str]:
    block = README.split("## Command line", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    commands: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        if line.startswith("moments-nlp "):
            current = line.split()[1]
            commands[current] = line
        elif line.startswith("READING"):
            current = "READING"
            commands[current] = line
        elif current:
            commands[current] += " " + line.strip()
    return commands


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions
                  if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_readme_synopsis_lists_every_option() -> None:
    synopsis = _synopsis()
    subparsers = _subparsers()
    assert set(synopsis) - {"READING"} == set(subparsers)
    missing = []
    for name, parser in subparsers.items():
        for action in parser._actions:
            if not action.option_strings or action.dest == "help":
                continue
            reading = any(g.title == "reading the input file" and action in g._group_actions
                          for g in parser._action_groups)
            text = synopsis["READING"] if reading and "[READING]" in synopsis[name] else (
                synopsis[name])
            if not any(re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)
                       for flag in action.option_strings):
                missing.append(f"{name} {action.option_strings[-1]}")
    assert missing == []
