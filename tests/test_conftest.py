"""The test suite's own conventions (tests/conftest.py): the ``shared_data`` marker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def test_only_the_fixture_knows_where_shared_data_is() -> None:
    """A test reaches ``../shared/data`` only through the ``shared_data`` fixture (so it is
    marked and skips cleanly): no other test file spells out the path."""
    spelled = re.compile(r"""["']shared["']|["']\.\./shared/data""")
    offenders = [path.name for path in sorted(TESTS.glob("test_*.py"))
                 if path.name != Path(__file__).name
                 and spelled.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_tests_using_shared_data_carry_the_marker(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            assert item.get_closest_marker("shared_data") is not None, item.nodeid
