"""Tests for moments_nlp.shares: EM prior adjustment and bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import InputError
from moments_nlp.shares import em_shares, shares_from_proba


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
