"""The README is the front door: its code blocks run, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_blocks_run(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = _blocks("python")[index]
    code = code.replace('"labeled.csv"', repr(str(tmp_path / "labeled.csv")))
    code = code.replace('"report.html"', repr(str(tmp_path / "report.html")))
    exec(compile(code, f"README.md python block {index}", "exec"), {"__name__": "readme"})


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    shell = "\n".join(_blocks("bash"))
    assert ci in shell, f"the last line of .ci/run ({ci!r}) is not a README command"
    assert "python -m pytest" in ci
