"""``moments_nlp.model._counter.fit_tfidf`` learns exactly what ``TfidfVectorizer.fit_transform``
learns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from moments_nlp.model._counter import fit_tfidf
from moments_nlp.model.features import _NgramAnalyzer
from moments_nlp.text.preprocess import SpacyPreprocessor

REPO = Path(__file__).resolve().parents[1]
# a token spelled like another token's piece, a bigram-looking token, empty lists
ODD = [["<good", "goodness", "ness>", "good"], [], ["x y", "x", "y"], ["!", "?", "!"], []]


def _vectorizer(min_df: Any = 3, ngram_max: int = 2, **options: Any) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=_NgramAnalyzer(ngram_max, 4), sublinear_tf=True,
                           min_df=min_df, dtype=np.float32, **options)


@pytest.fixture(scope="module", params=["shipped", pytest.param("airline",
                                                               marks=pytest.mark.shared_data)])
def docs(request: Any) -> list[list[str]]:
    if request.param == "shipped":
        texts = pd.read_csv(REPO / "data" / "seed_feedback.csv")["text"].astype(str).tolist()
    else:
        shared_data: Path = request.getfixturevalue("shared_data")  # skips when absent
        texts = pd.read_csv(shared_data / "airline_tweets_train.csv")["text"].astype(str).tolist()
    return SpacyPreprocessor().fit(texts).transform(texts) + ODD


@pytest.mark.parametrize("min_df", [1, 3])
def test_the_vocabulary_idf_and_matrix_equal_the_vectorizers(docs: list[list[str]],
                                                             min_df: int) -> None:
    want_vectorizer, got_vectorizer = _vectorizer(min_df), _vectorizer(min_df)
    want = want_vectorizer.fit_transform(docs)
    got = fit_tfidf(got_vectorizer, docs)
    assert got is not None and got.has_sorted_indices
    assert got_vectorizer.vocabulary_ == want_vectorizer.vocabulary_
    np.testing.assert_array_equal(got_vectorizer.idf_, want_vectorizer.idf_)
    want.sort_indices()
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    assert got.dtype == want.dtype and got.shape == want.shape
    assert (got_vectorizer.transform(docs[:200]) != want_vectorizer.transform(docs[:200])).nnz == 0


def test_settings_it_does_not_cover_are_left_to_the_vectorizer() -> None:
    docs = [["good", "crew"], ["bad", "crew"], ["good", "seat"]] * 3
    for vectorizer in (_vectorizer(ngram_max=3), _vectorizer(max_features=5),
                       _vectorizer(min_df=0.5), _vectorizer(max_df=0.9), _vectorizer(min_df=99),
                       _vectorizer(binary=True)):
        assert fit_tfidf(vectorizer, docs) is None
        assert not hasattr(vectorizer, "vocabulary_")
    assert fit_tfidf(_vectorizer(min_df=4), [["a"], ["b"], ["c"], ["d"]]) is None  # none left
