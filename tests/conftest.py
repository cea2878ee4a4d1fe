"""Shared fixtures: the shipped default model and the optional ``../shared/data`` sets.

A test that reads ``../shared/data`` asks for the ``shared_data`` fixture: it skips when the
folder is absent, and every test using it is marked ``shared_data`` (see
:func:`pytest_collection_modifyitems`), so ``pytest -m "not shared_data"`` leaves them all out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import moments_nlp as mn

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def default_model() -> mn.MomentClassifier:
    """The default model shipped with the package (loaded once per test session)."""
    return mn.load()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the ``shared_data`` fixture with the ``shared_data`` marker."""
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder ``../shared/data``; tests using it skip when it is absent."""
    if not (SHARED_DATA / "airline_tweets_train.csv").is_file():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed() -> pd.DataFrame:
    """The project's own seed corpus (data/seed_feedback.csv)."""
    return pd.read_csv(REPO / "data" / "seed_feedback.csv")


@pytest.fixture(scope="session")
def small_model(seed: pd.DataFrame) -> mn.MomentClassifier:
    """A quick model trained on the seed corpus, for tests that need a fitted model of their own."""
    return mn.train(seed["text"], seed["label"], cv=3)
