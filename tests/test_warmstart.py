"""Tests of moments_nlp.training._warmstart: prior-regularized warm start from a fitted base
model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

import moments_nlp as mn
from moments_nlp.classifier import WarmStartClassifier
from moments_nlp.errors import TrainingDataError
from moments_nlp.training._warmstart import _OffsetLogisticRegression

TEXTS = ["great crew, thank you", "lost my bag again", "flight leaves at 9",
         "lovely staff", "rude agent and late", "which gate is it"] * 4
LABELS = ["magic", "misery", "ordinary"] * 8


def test_offset_lr_without_offset_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.array(["a", "b", "c"] * 20, dtype=object)
    ours = _OffsetLogisticRegression(C=2.0).fit(sp.csr_matrix(np.hstack([X, np.zeros((60, 3))])), y)
    ref = LogisticRegression(C=2.0, class_weight="balanced", max_iter=3000).fit(X, y)
    np.testing.assert_allclose(ours.coef_[:, :5], ref.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.coef_[:, 5:], np.eye(3))


def test_offset_lr_keeps_a_strong_offset() -> None:
    y = np.array(["a", "b", "c"] * 10, dtype=object)
    offset = 5.0 * (y[:, None] == np.array(["a", "b", "c"])[None, :])
    X = sp.csr_matrix(np.hstack([np.zeros((30, 2)), offset]))
    clf = _OffsetLogisticRegression(C=0.01).fit(X, y)
    assert list(clf.predict(X)) == list(y)


def test_warm_start_fits_saves_and_loads(tmp_path: Path) -> None:
    clf = WarmStartClassifier(base=mn.load(), cv=2).fit(TEXTS, LABELS)
    assert clf.base_weight_ == 1.0
    proba = clf.predict_proba(["the crew was wonderful", "my bag is gone"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    clf.save(tmp_path / "warm")
    again = mn.load(tmp_path / "warm")
    assert isinstance(again, WarmStartClassifier)
    np.testing.assert_allclose(again.predict_proba(["my bag is gone"]),
                               clf.predict_proba(["my bag is gone"]))


def test_weight_zero_is_the_plain_model() -> None:
    plain = mn.MomentClassifier(cv=2).fit(TEXTS, LABELS)
    warm = WarmStartClassifier(base=mn.load(), base_weight=0.0, cv=2).fit(TEXTS, LABELS)
    np.testing.assert_allclose(warm.predict_proba(["ok I guess"]),
                               plain.predict_proba(["ok I guess"]))


def test_params_follow_sklearn_conventions() -> None:
    clf = WarmStartClassifier(base=mn.load(), base_weight=0.5, C=2.0)
    params = clf.get_params(deep=False)
    assert params["base_weight"] == 0.5 and params["C"] == 2.0
    assert clone(clf).get_params(deep=False)["base_weight"] == 0.5


def test_negative_weight_is_refused() -> None:
    with pytest.raises(TrainingDataError, match="base_weight must be >= 0, got -1"):
        WarmStartClassifier(base=mn.load(), base_weight=-1, cv=2).fit(TEXTS, LABELS)


def test_needs_fitted_base() -> None:
    with pytest.raises(TrainingDataError, match="needs a fitted base model"):
        WarmStartClassifier(base=mn.MomentClassifier()).fit(TEXTS, LABELS)


@pytest.mark.slow
def test_warm_start_beats_plain_on_few_airline_tweets(shared_data: Path) -> None:
    # the acceptance sample of bench/retraining.py (seed 0): 100 airline tweets per class
    import pandas as pd

    train = pd.read_csv(shared_data / "airline_tweets_train.csv", keep_default_na=False)
    test = pd.read_csv(shared_data / "airline_tweets_test.csv", keep_default_na=False)
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.choice(np.flatnonzero(train["label"].to_numpy() == label), 100,
                                     replace=False) for label in mn.LABELS])
    texts, labels = train["text"].iloc[idx].tolist(), train["label"].iloc[idx].tolist()
    plain = mn.train(texts, labels).evaluate(test["text"], test["label"]).macro_f1
    warm = mn.train(texts, labels, base=mn.load()).evaluate(test["text"], test["label"]).macro_f1
    assert warm >= 0.70
    assert warm > plain
