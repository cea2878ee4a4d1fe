"""Tests for moments_nlp.insight.shares: EM prior adjustment and bootstrap intervals."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

import moments_nlp as mn
from moments_nlp.errors import InputError
from moments_nlp.insight.shares import (
    em_shares,
    reference_prior,
    shares_from_proba,
)
from moments_nlp.model._held_out import held_out_proba, reference_from_proba
from moments_nlp.model.persist import save_model


def _simulate(shares: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Calibrated probabilities under a uniform training prior for data with ``shares``."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, size=n, p=shares)
    centers = np.eye(3) * 2.0
    logits = centers[labels] + rng.normal(0, 1.0, (n, 3))
    # exact posterior under the uniform prior: p(y|x) proportional to N(x; center_y, 1)
    log_lik = -0.5 * ((logits[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    proba = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))
    return proba / proba.sum(axis=1, keepdims=True)


def test_em_recovers_shifted_shares_better_than_counting() -> None:
    truth = np.array([0.7, 0.2, 0.1])
    proba = _simulate(truth, 4000, 0)
    counted = np.bincount(proba.argmax(axis=1), minlength=3) / len(proba)
    estimate = em_shares(proba, np.full(3, 1 / 3))
    assert np.abs(estimate - truth).mean() < 0.02
    assert np.abs(estimate - truth).mean() < np.abs(counted - truth).mean()


def test_intervals_hold_the_estimate_and_are_reproducible() -> None:
    proba = _simulate(np.array([0.2, 0.3, 0.5]), 500, 1)
    first = shares_from_proba(proba, np.full(3, 1 / 3), n_boot=50, random_state=3)
    again = shares_from_proba(proba, np.full(3, 1 / 3), n_boot=50, random_state=3)
    pd.testing.assert_frame_equal(first, again)
    assert list(first.index) == list(mn.LABELS)
    assert first["share"].sum() == pytest.approx(1.0)
    assert ((first["ci_low"] <= first["share"]) & (first["share"] <= first["ci_high"])).all()


def test_estimate_shares_on_the_model(default_model: mn.MomentClassifier) -> None:
    texts = ["Loved it, thank you!", "Awful, rude and slow.", "", "It was fine."] * 5
    out = default_model.estimate_shares(texts, n_boot=20)
    assert list(out.columns) == ["share", "ci_low", "ci_high"]
    assert out.attrs["n"] == 15 and out.attrs["blank"] == 5
    assert out["share"].sum() == pytest.approx(1.0)


def test_empty_and_bad_input(default_model: mn.MomentClassifier) -> None:
    empty = default_model.estimate_shares(["", None], n_boot=5)
    assert empty["share"].isna().all()
    with pytest.raises(InputError, match="expected probabilities of shape"):
        shares_from_proba(np.ones((3, 2)), None)
    with pytest.raises(InputError, match="confidence must be between"):
        shares_from_proba(np.ones((3, 3)) / 3, None, confidence=1.5)
    with pytest.raises(InputError, match="single str"):
        default_model.estimate_shares("one text")


def test_fit_stores_the_held_out_reference(small_model: mn.MomentClassifier, seed: pd.DataFrame,
                                           tmp_path: Path) -> None:
    # what it approximates: the reference from held-out probabilities of the calibrated
    # classifier refitted from scratch on each fold of the same features
    texts = list(seed["text"])
    labels = np.asarray(mn.normalize_labels(seed["label"]), dtype=object)
    features = small_model.pipeline_[:-1].transform(texts)
    calibrated = small_model.pipeline_.named_steps["classifier"]
    folds = StratifiedKFold(n_splits=small_model.cv, shuffle=True, random_state=0)
    proba = cross_val_predict(clone(calibrated), features, labels, cv=folds,
                              method="predict_proba")
    order = [list(calibrated.classes_).index(label) for label in mn.LABELS]
    expected = list(reference_from_proba(proba[:, order], list(labels)).values())
    stored = small_model.shares_reference_
    assert stored.shape == (3,) and stored.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(stored, expected, atol=0.01)
    np.testing.assert_allclose(reference_prior(small_model), stored)
    # it is saved with the model, and a reference in the card takes precedence
    save_model(small_model, tmp_path / "m")
    loaded = mn.load(tmp_path / "m")
    np.testing.assert_allclose(reference_prior(loaded), stored)
    loaded.card_["shares_reference"] = {"magic": 0.5, "ordinary": 0.25, "misery": 0.25}
    np.testing.assert_allclose(reference_prior(loaded), [0.5, 0.25, 0.25])


def test_models_without_the_reference_fall_back(default_model: mn.MomentClassifier) -> None:
    # a model saved before fit stored a reference and a sample: balanced weights -> uniform
    old = copy.copy(default_model)
    for name in ("shares_reference_", "shares_proba_", "shares_labels_"):
        old.__dict__.pop(name, None)
    np.testing.assert_allclose(reference_prior(old), np.full(3, 1 / 3))
    assert held_out_proba(object(), None, []) is None
    with pytest.raises(InputError, match="held-out probabilities"):
        old.estimate_shares(["Great!"], method="kde")
    assert old.estimate_shares(["Great!"], n_boot=0).attrs["method"] == "em"
    # the retrained default keeps both
    assert default_model.shares_reference_ is not None
    assert default_model.estimate_shares(["Great!"], n_boot=0).attrs["method"] == "kde"
