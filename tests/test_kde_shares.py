"""Tests for moments_nlp.insight.shares: KDEy-ML shares from held-out probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import InputError
from moments_nlp.insight.kde_shares import (
    cell_densities,
    class_densities,
    kde_shares,
    mixture_shares,
)
from moments_nlp.insight.shares import em_shares, held_out_sample, shares_from_proba
from moments_nlp.model._held_out import held_out_proba, validation_sample
from moments_nlp.model.persist import save_model


def _miscalibrated(shares: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of a model that overrates the first label: right on average under a
    uniform prior, wrong class by class (what a single temperature cannot fix)."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, size=n, p=shares)
    logits = np.eye(3)[labels] * np.array([3.0, 1.0, 2.0]) + rng.normal(0, 1.0, (n, 3))
    logits[:, 0] += 0.8
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    return proba / proba.sum(axis=1, keepdims=True), labels


def test_kde_recovers_shifted_shares_where_em_is_off() -> None:
    held, held_labels = _miscalibrated(np.full(3, 1 / 3), 6000, 0)
    truth = np.array([0.1, 0.3, 0.6])
    new, _ = _miscalibrated(truth, 4000, 1)
    kde = kde_shares(new, held, held_labels)
    em = em_shares(new, np.full(3, 1 / 3))
    counted = np.bincount(new.argmax(axis=1), minlength=3) / len(new)
    assert np.abs(kde - truth).mean() < 0.02
    assert np.abs(kde - truth).mean() < np.abs(em - truth).mean() / 2
    assert np.abs(kde - truth).mean() < np.abs(counted - truth).mean() / 2


def test_mixture_and_densities_are_consistent() -> None:
    held, labels = _miscalibrated(np.full(3, 1 / 3), 900, 2)
    densities = class_densities(held[:10], held, labels)
    assert densities.shape == (10, 3) and (densities >= 0).all()
    assert np.allclose(densities.max(axis=1), 1.0)  # scaled per row
    assert mixture_shares(np.tile([[2.0, 1.0, 0.0]], (5, 1))).round(3).tolist() == [1.0, 0, 0]
    # per grid cell with counts = per row
    new, _ = _miscalibrated(np.array([0.5, 0.3, 0.2]), 3000, 3)
    cells, where = cell_densities(new, held, labels)
    assert len(cells) < len(new)
    np.testing.assert_allclose(mixture_shares(cells, weights=np.bincount(where)),
                               mixture_shares(class_densities(new, held, labels)), atol=1e-6)
    with pytest.raises(InputError, match=r"no example of \['misery'\]"):
        class_densities(held, held[labels < 2], labels[labels < 2])


def test_validation_sample_caps_each_label() -> None:
    proba = np.random.default_rng(0).dirichlet([1, 1, 1], 50)
    labels = ["magic"] * 30 + ["ordinary"] * 15 + ["misery"] * 5
    sample, index = validation_sample(proba, labels, per_class=10)
    assert sample.dtype == np.float32 and index.dtype == np.int8
    assert np.bincount(index).tolist() == [10, 10, 5]
    rows = [i for i in range(50) if any(np.allclose(proba[i], s) for s in sample)]
    assert len(rows) == 25  # rows of the input, none made up


def test_held_out_folds_keep_copies_together(small_model: mn.MomentClassifier,
                                             seed: pd.DataFrame) -> None:
    texts = list(seed["text"][:300]) * 2
    labels = mn.normalize_labels(list(seed["label"][:300]) * 2)
    calibrated = small_model.pipeline_.named_steps["classifier"]
    features = small_model.pipeline_[:-1].transform(texts)
    grouped = held_out_proba(calibrated, features, labels, cv=3, groups=texts)
    split = held_out_proba(calibrated, features, labels, cv=3)
    assert grouped is not None and split is not None
    # a copy is scored by the same fold model as its twin, never by one that saw it
    np.testing.assert_allclose(grouped[:300], grouped[300:])
    assert not np.allclose(split[:300], split[300:])
    true = np.asarray([mn.LABELS.index(label) for label in labels])
    assert grouped[np.arange(600), true].mean() < split[np.arange(600), true].mean()


def test_fit_keeps_a_held_out_sample(small_model: mn.MomentClassifier, seed: pd.DataFrame,
                                     tmp_path: Path) -> None:
    held = held_out_sample(small_model)
    assert held is not None
    proba, index = held
    assert proba.shape == (len(seed), 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    true = np.asarray([mn.LABELS.index(label) for label in mn.normalize_labels(seed["label"])])
    assert sorted(index.tolist()) == sorted(true.tolist())
    # held-out, so less sure of the right label than on the rows it was fitted on
    fitted = np.asarray(small_model.predict_proba(list(seed["text"])))[np.arange(len(seed)), true]
    assert proba[np.arange(len(index)), index].mean() < fitted.mean()
    texts = ["Loved it, thank you!", "Awful, rude and slow.", "It was fine."] * 5
    out = small_model.estimate_shares(texts, n_boot=20)
    assert out.attrs["method"] == "kde" and out.attrs["reference"] is None
    assert out["share"].sum() == pytest.approx(1.0)
    assert ((out["ci_low"] <= out["share"]) & (out["share"] <= out["ci_high"])).all()
    em = small_model.estimate_shares(texts, n_boot=0, method="em")
    assert em.attrs["method"] == "em" and em.attrs["reference"] is not None
    with pytest.raises(InputError, match="method must be"):
        small_model.estimate_shares(texts, method="counting")
    # saved and loaded with the model: the same estimate
    save_model(small_model, tmp_path / "m")
    again = mn.load(tmp_path / "m").estimate_shares(texts, n_boot=20)
    pd.testing.assert_frame_equal(out, again)
    frame = shares_from_proba(np.asarray(small_model.predict_proba(texts)), None, n_boot=0,
                              held_out=held)
    np.testing.assert_allclose(frame["share"], out["share"])


def test_few_distinct_texts_fit_without_a_sample() -> None:
    # 3 texts repeated: no fold can hold a text out and keep every label, so no KDE sample,
    # and the fit still works, estimating with EM
    clf = mn.train(["great", "awful", "fine"] * 6, ["magic", "misery", "ordinary"] * 6, cv=2)
    assert held_out_sample(clf) is None and clf.shares_reference_ is None
    assert clf.estimate_shares(["great", "fine"], n_boot=0).attrs["method"] == "em"
