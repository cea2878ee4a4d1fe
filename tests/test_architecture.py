"""The package's shape: imports flow one way (no cycle), modules and wings stay small.

The order of the wings is import-linter's job (``lint-imports``, contracts in
``pyproject.toml``); this test builds the same import graph with grimp, imports inside
functions and under ``TYPE_CHECKING`` included, and looks for any cycle at all, also inside a
wing.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "moments_nlp"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("moments_nlp", include_external_packages=False,
                             exclude_type_checking_imports=False, cache_dir=None)


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle of the graph (its modules in order), or None (a depth-first search)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in imports[module]:
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[module] = 2
        path.pop()
        return None

    for module in sorted(imports):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_import_graph_has_no_cycle(graph: grimp.ImportGraph) -> None:
    assert len(graph.modules) > 50
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_function_level_imports_are_in_the_graph(graph: grimp.ImportGraph) -> None:
    # the CLI imports the commands' modules inside the functions that run them
    assert "moments_nlp.train" in graph.find_modules_directly_imported_by(
        "moments_nlp.cli._commands")


def test_the_cycle_finder_finds_a_cycle() -> None:
    toy = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        toy.add_module(name)
    toy.add_import(importer="pkg.a", imported="pkg.b")
    toy.add_import(importer="pkg.b", imported="pkg.c")
    assert _cycle(toy) is None
    toy.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycle(toy) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]


def test_modules_and_wings_stay_small() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"modules over 400 lines: {long}"
    wings = [p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    assert {p.name for p in wings} == {"text", "model", "training", "insight", "io", "cli"}
    # a wing's modules: its .py files besides the package's own __init__.py
    crowded = {p.name: n for p in wings
               if (n := len([f for f in p.glob("*.py") if f.name != "__init__.py"])) > 12}
    assert not crowded, f"wings over 12 modules: {crowded}"
