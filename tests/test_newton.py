"""The threaded Newton-CG logistic regression against scikit-learn's (issue 17)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from moments_nlp.labels import normalize_labels
from moments_nlp.model._newton import SparseNewtonLogit, _cuts
from moments_nlp.model.features import TokenFeatures
from moments_nlp.text.preprocess import SpacyPreprocessor

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_feedback.csv"


@parametrize_with_checks([SparseNewtonLogit(), SparseNewtonLogit(n_threads=2)])
def test_sklearn_api_checks(estimator: object, check: object) -> None:
    check(estimator)  # type: ignore[operator]


def _features(path: Path, limit: int | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    frame = pd.read_csv(path, keep_default_na=False)
    frame = frame[frame["text"].str.strip().ne("")].head(limit)
    y = np.asarray(normalize_labels(frame["label"]), dtype=object)
    tokens = SpacyPreprocessor().fit_transform(frame["text"].tolist())
    # float64: scikit-learn fits float32 input in float32, this model always in float64
    return TokenFeatures().fit_transform(tokens, y).astype(np.float64), y


@pytest.fixture(scope="module")
def seed() -> tuple[sp.csr_matrix, np.ndarray]:
    return _features(SEED)


def _tight(model: object) -> object:
    return clone(model).set_params(tol=1e-8, max_iter=200)  # type: ignore[attr-defined]


def test_reaches_the_optimum_of_sklearns_newton_cg(seed: tuple[sp.csr_matrix, np.ndarray]
                                                   ) -> None:
    X, y = seed
    ours = _tight(SparseNewtonLogit(C=4.0, class_weight="balanced")).fit(X, y)
    theirs = _tight(LogisticRegression(C=4.0, class_weight="balanced",
                                       solver="newton-cg")).fit(X, y)
    assert ours.coef_.shape == theirs.coef_.shape == (3, X.shape[1])
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


def test_two_classes_are_sklearns_binary_model(seed: tuple[sp.csr_matrix, np.ndarray]) -> None:
    X, y = seed
    keep = y != "ordinary"
    weight = np.linspace(0.5, 2.0, int(keep.sum()))
    ours = _tight(SparseNewtonLogit(C=2.0)).fit(X[keep], y[keep], sample_weight=weight)
    theirs = _tight(LogisticRegression(C=2.0, solver="newton-cg")).fit(
        X[keep], y[keep], sample_weight=weight)
    assert ours.coef_.shape == (1, X.shape[1])
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)  # both stop at |g| 1e-8
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)


def test_at_the_default_tolerance_it_predicts_as_sklearn(seed: tuple[sp.csr_matrix, np.ndarray]
                                                         ) -> None:
    X, y = seed
    ours = SparseNewtonLogit(C=4.0, class_weight="balanced").fit(X, y)
    theirs = LogisticRegression(C=4.0, class_weight="balanced", solver="newton-cg").fit(X, y)
    assert np.mean(ours.predict(X) == theirs.predict(X)) > 0.995
    assert np.abs(ours.predict_proba(X) - theirs.predict_proba(X)).max() < 0.05


def test_class_weight_is_a_sample_weight(seed: tuple[sp.csr_matrix, np.ndarray]) -> None:
    X, y = seed
    classes, counts = np.unique(y, return_counts=True)
    balanced = (len(y) / (len(classes) * counts))[np.searchsorted(classes, y)]
    a = SparseNewtonLogit(class_weight="balanced").fit(X, y)
    b = SparseNewtonLogit().fit(X, y, sample_weight=balanced)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)


def _same_for_every_thread_count(X: sp.csr_matrix, y: np.ndarray) -> None:
    fits = [SparseNewtonLogit(C=4.0, class_weight="balanced", n_threads=k).fit(X, y)
            for k in (1, 2, 3, 7)]
    for other in fits[1:]:
        assert np.array_equal(other.coef_, fits[0].coef_)  # to the last bit
        assert np.array_equal(other.intercept_, fits[0].intercept_)
        assert other.n_iter_[0] == fits[0].n_iter_[0]


def test_the_weights_do_not_depend_on_the_thread_count(seed: tuple[sp.csr_matrix, np.ndarray]
                                                       ) -> None:
    _same_for_every_thread_count(*seed)


def test_the_weights_do_not_depend_on_the_thread_count_on_public_tweets(shared_data: Path
                                                                       ) -> None:
    _same_for_every_thread_count(*_features(shared_data / "airline_tweets_train.csv", 6000))


def test_a_warm_start_at_the_optimum_takes_no_step(seed: tuple[sp.csr_matrix, np.ndarray]
                                                   ) -> None:
    X, y = seed
    model = SparseNewtonLogit(C=4.0).fit(X, y)
    first = model.coef_.copy()
    model.set_params(warm_start=True).fit(X, y)
    assert model.n_iter_[0] == 0
    assert np.array_equal(model.coef_, first)
    cold = SparseNewtonLogit(C=4.0).fit(X[: len(y) // 2], y[: len(y) // 2])
    warm = SparseNewtonLogit(C=4.0, warm_start=True)
    warm.coef_, warm.intercept_ = first.copy(), model.intercept_.copy()
    warm.fit(X[: len(y) // 2], y[: len(y) // 2])
    assert warm.n_iter_[0] < cold.n_iter_[0]
    assert np.mean(warm.predict(X) == cold.predict(X)) > 0.99


def test_too_few_steps_warn_and_bad_params_are_refused() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.repeat(["a", "b", "c"], 30)
    X[:, 0] += 3 * (y == "a")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SparseNewtonLogit(C=1e4, max_iter=1).fit(X, y)
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    with pytest.raises(ValueError, match="C must be positive"):
        SparseNewtonLogit(C=0.0).fit(X, y)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        SparseNewtonLogit().fit(X, y, sample_weight=-np.ones(90))
    with pytest.raises(ValueError, match="needs at least two classes"):
        SparseNewtonLogit().fit(X, np.repeat("a", 90))


def test_row_blocks_cover_every_row_once() -> None:
    indptr = np.cumsum([0, 5, 0, 0, 9, 1, 1, 30, 2])
    for parts in (1, 2, 3, 8, 20):
        blocks = _cuts(indptr, parts)
        assert blocks[0][0] == 0 and blocks[-1][1] == len(indptr) - 1
        assert all(a < b for a, b in blocks)
        assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(blocks))
        assert len(blocks) <= parts
