"""Clear-cases check (issue #14, point 4).

``tests/data/clear_cases.csv`` holds hand-written feedback that any careful reader labels at
once: short praise (``magic``), short complaints (``misery``) and neutral facts and questions
(``ordinary``), across many industries. None of it may occur in a training file, so the
accuracy check measures the model on text it has never seen.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import moments_nlp as mn

REPO = Path(__file__).resolve().parents[1]
CLEAR_CASES = REPO / "tests" / "data" / "clear_cases.csv"
SEED = REPO / "data" / "seed_feedback.csv"
SHARED_PATTERNS = ("clothing_reviews*.csv", "reddit_emotions_*.csv")

MIN_ROWS = 200
MIN_INDUSTRIES = 15
MIN_ACCURACY = 0.95
KIND_LABEL = {
    "short_praise": "magic",
    "longer_praise": "magic",
    "short_complaint": "misery",
    "longer_complaint": "misery",
    "plain_fact": "ordinary",
    "question": "ordinary",
}


def _norm(text: object) -> str:
    """Lower-case and collapse whitespace, so trivial variants still count as the same text."""
    return re.sub(r"\s+", " ", str(text)).strip().lower()


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    return pd.read_csv(CLEAR_CASES, dtype=str, keep_default_na=False)


def _overlap(cases: pd.DataFrame, path: Path) -> list[str]:
    train = pd.read_csv(path, usecols=["text"], dtype=str, keep_default_na=False)
    seen = {_norm(t) for t in train["text"]}
    return [t for t in cases["text"] if _norm(t) in seen]


def test_shape_and_labels(cases: pd.DataFrame) -> None:
    assert list(cases.columns) == ["text", "label", "industry", "kind"]
    assert len(cases) >= MIN_ROWS, f"only {len(cases)} clear cases"
    assert cases["industry"].nunique() >= MIN_INDUSTRIES, sorted(cases["industry"].unique())
    assert set(cases["label"]) <= set(mn.LABELS), set(cases["label"]) - set(mn.LABELS)
    assert set(cases["kind"]) <= set(KIND_LABEL), set(cases["kind"]) - set(KIND_LABEL)
    wrong = cases[cases["label"] != cases["kind"].map(KIND_LABEL)]
    assert wrong.empty, f"label does not match kind:\n{wrong.to_string()}"
    assert (cases["text"].str.strip() != "").all()
    dupes = cases["text"].map(_norm)
    assert not dupes.duplicated().any(), cases.loc[dupes.duplicated(), "text"].tolist()
    words = cases["text"].str.split().str.len()
    assert words.between(2, 25).all(), cases.loc[~words.between(2, 25), "text"].tolist()


def test_not_in_seed(cases: pd.DataFrame) -> None:
    hits = _overlap(cases, SEED)
    assert not hits, f"clear cases found in {SEED.name}: {hits}"


def test_not_in_shared_training_data(cases: pd.DataFrame, shared_data: Path) -> None:
    files = sorted(p for pattern in SHARED_PATTERNS for p in shared_data.glob(pattern))
    if not files:
        pytest.skip("no clothing_reviews / reddit_emotions files in ../shared/data")
    hits = {p.name: found for p in files if (found := _overlap(cases, p))}
    assert not hits, f"clear cases found in shared data: {hits}"


def test_default_model_gets_clear_cases_right(
    cases: pd.DataFrame, default_model: mn.MomentClassifier
) -> None:
    predicted = list(default_model.predict(cases["text"].tolist()))
    right = cases["label"].to_numpy() == pd.Series(predicted).to_numpy()
    accuracy = right.mean()
    if accuracy >= MIN_ACCURACY:
        return
    per_kind = pd.Series(right).groupby(cases["kind"].to_numpy()).agg(["mean", "size"])
    kinds = "\n".join(
        f"  {kind:<17} {row['mean']:6.1%} of {int(row['size'])}"
        for kind, row in per_kind.iterrows()
    )
    confusion = Counter(
        f"{want}->{got}" for want, got, ok in zip(cases["label"], predicted, right) if not ok
    )
    misses = "\n".join(
        f"  [{kind}] want {want}, got {got}: {text}"
        for text, want, kind, got, ok in zip(
            cases["text"], cases["label"], cases["kind"], predicted, right
        )
        if not ok
    )
    pytest.fail(
        f"accuracy {accuracy:.1%} on {len(cases)} clear cases (need {MIN_ACCURACY:.0%})\n"
        f"per kind:\n{kinds}\n"
        f"errors: {dict(confusion.most_common())}\n"
        f"misses:\n{misses}",
        pytrace=False,
    )
