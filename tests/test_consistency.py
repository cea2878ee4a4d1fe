"""Same text, same label: a text's probabilities never depend on its neighbours, their order,
the chunking, the process count, the cluster or what the model labeled before.

Checked on thousands of real texts (the project's own corpora, and the 2,881 airline test tweets
when ``../shared/data`` is there), not on a handful: the bug this pins (a token cache keyed
without spaCy's per-occurrence NORM) showed only on a few texts in a thousand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn

REPO = Path(__file__).resolve().parents[1]
PRIMERS = ["nt", "pm", "’ve", "u", "im", "dont", "11:20 pm", "I’ve", "cant", "ur"]
TOLERANCE = 1e-9


def _shipped_texts() -> list[str]:
    """Every text the project ships: seed corpus, sample survey, clear cases."""
    seed = pd.read_csv(REPO / "data" / "seed_feedback.csv")["text"]
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv")["comment"].dropna()
    clear = pd.read_csv(REPO / "tests" / "data" / "clear_cases.csv")["text"]
    texts = [str(t) for t in pd.concat([seed, survey, clear]) if str(t).strip()]
    return texts


@pytest.fixture(scope="module",
                params=["shipped", pytest.param("airline", marks=pytest.mark.shared_data),
                        pytest.param("clothing", marks=pytest.mark.shared_data)])
def texts(request: Any) -> list[str]:
    if request.param == "shipped":
        return _shipped_texts()
    shared_data: Path = request.getfixturevalue("shared_data")  # skips when it is absent
    if request.param == "clothing":  # long reviews: the sentence vote is at work
        reviews = pd.read_csv(shared_data / "clothing_reviews_test.csv")["text"].dropna()
        return reviews.astype(str).tolist()[:3000]
    return pd.read_csv(shared_data / "airline_tweets_test.csv")["text"].astype(str).tolist()


@pytest.fixture(scope="module")
def expected(texts: list[str]) -> np.ndarray:
    """One fresh model, one call."""
    return mn.load().predict_proba(texts).to_numpy()


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    diff = np.abs(got - want).max(axis=1)
    assert diff.max() <= TOLERANCE, (
        f"{int((diff > TOLERANCE).sum())} texts differ, max {diff.max():.3g}")
    assert (got.argmax(axis=1) == want.argmax(axis=1)).all()


def test_reversed_order(texts: list[str], expected: np.ndarray) -> None:
    got = mn.load().predict_proba(texts[::-1]).to_numpy()[::-1]
    _same(got, expected)


def test_chunks_of_480(texts: list[str], expected: np.ndarray) -> None:
    model = mn.load()
    got = np.vstack([model.predict_proba(texts[i:i + 480]).to_numpy()
                     for i in range(0, len(texts), 480)])
    _same(got, expected)


def test_one_text_at_a_time(texts: list[str], expected: np.ndarray) -> None:
    model = mn.load()
    got = np.vstack([model.predict_proba([text]).to_numpy() for text in texts[:300]])
    _same(got, expected[:300])


def test_after_labeling_short_tokens_first(texts: list[str], expected: np.ndarray) -> None:
    model = mn.load()
    model.predict_proba(PRIMERS)
    model.predict_proba(texts[::7])  # and other texts, in another order
    _same(model.predict_proba(texts).to_numpy(), expected)


def test_two_processes(texts: list[str], expected: np.ndarray) -> None:
    model = mn.load().set_n_process(2)
    _same(model.predict_proba(texts).to_numpy(), expected)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    # ":0": a free port for the scheduler's HTTP server (with None it tries 8787 and leaks a
    # socket, a ResourceWarning, when another cluster on the machine holds 8787)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


def test_dask_local_cluster(client: Any, texts: list[str], expected: np.ndarray) -> None:
    import dask.dataframe as dd

    frame = pd.DataFrame({"comment": texts})
    lazy = mn.load().label(dd.from_pandas(frame, npartitions=6), text_column="comment")
    got = client.compute(lazy).result()
    _same(got[[f"p_{label}" for label in mn.LABELS]].to_numpy(), expected)


def test_training_on_shuffled_rows_gives_the_same_model() -> None:
    seed = pd.read_csv(REPO / "data" / "seed_feedback.csv")
    probe = _shipped_texts()
    rng = np.random.default_rng(0)
    models = []
    for shuffle in (False, True):
        rows = seed.iloc[rng.permutation(len(seed))] if shuffle else seed
        model = mn.MomentClassifier(cv=3).fit(rows["text"].tolist(), rows["label"].tolist())
        models.append(model.predict_proba(probe).to_numpy())
    _same(models[1], models[0])


def test_training_after_the_preprocessor_saw_other_texts() -> None:
    """A preprocessor's cache warmed on other texts changes nothing in what it outputs."""
    from moments_nlp.text.preprocess import SpacyPreprocessor

    texts = _shipped_texts()
    fresh = SpacyPreprocessor().transform(texts)
    primed = SpacyPreprocessor()
    primed.transform(PRIMERS)
    primed.transform(texts[::-1])
    assert primed.transform(texts) == fresh
