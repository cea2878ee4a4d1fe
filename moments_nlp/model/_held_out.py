"""The held-out sample a fit keeps for share estimates, and the reference it is calibrated to.

Every :meth:`MomentClassifier.fit <moments_nlp.MomentClassifier.fit>` keeps what
:mod:`moments_nlp.insight.shares` needs to correct counted labels for the model's own errors:

* ``shares_proba_`` / ``shares_labels_``: a sample of held-out probabilities on the training
  rows with their labels (:func:`validation_sample`), the kernel centres of KDEy-ML. With the
  default temperature calibration they are the calibration's own out-of-fold predictions
  (:mod:`moments_nlp.model._calibrate`); other calibrations refit the folds with
  :func:`held_out_proba`.
* ``shares_reference_``: the class balance those probabilities are calibrated to
  (:func:`reference_from_proba`), the reference of EM prior adjustment.

:func:`share_sample` makes all three from a fit's held-out probabilities. The estimators that
read them live in :mod:`moments_nlp.insight.shares`.

Examples
--------
>>> p, y = validation_sample(np.full((5, 3), 1 / 3), ["magic"] * 4 + ["misery"], per_class=2)
>>> p.shape, y.tolist()
((3, 3), [0, 0, 2])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import softmax
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from moments_nlp.errors import InputError
from moments_nlp.labels import LABELS
from moments_nlp.model._newton import is_plain_logit

__all__ = ["held_out_proba", "reference_from_proba", "share_sample", "validation_sample"]

_PER_CLASS = 3000  # kernel centres kept per label: the clothing figure is the same with all
_FLOOR = 1e-6


def held_out_proba(calibrated: Any, features: Any, labels: Sequence[str], *, cv: int = 5,
                   random_state: int = 0, groups: Sequence[object] | None = None
                   ) -> np.ndarray | None:
    """Held-out probabilities of a fitted calibrated logistic regression on its training rows.

    The linear model is refitted on the training part of each of ``cv`` stratified folds,
    warm-started from the full fit (a fraction of the cost of fitting from scratch), and
    scores the held-out part through the model's own fitted calibration: what the model
    would say about comments it has not seen. Rows of one group (the same text repeated) stay
    in one fold, so a copy of a comment is never scored by a model that saw it.

    Parameters
    ----------
    calibrated : sklearn.calibration.CalibratedClassifierCV or TemperatureCalibratedClassifier
        Fitted, with ``ensemble=False`` around a :class:`~sklearn.linear_model.LogisticRegression`
        (or a :class:`moments_nlp.model._calibrate.TemperatureCalibratedClassifier` around one,
        which :meth:`~moments_nlp.MomentClassifier.fit` gets its sample from without refits).
    features : array or sparse matrix of shape (n, d)
        The rows it was fitted on.
    labels : sequence of str
        Their labels, from ``LABELS``.
    cv : int, default 5
    random_state : int, default 0
    groups : sequence, optional
        Group of each row (e.g. its text).

    Returns
    -------
    ndarray of shape (n, 3) or None
        In ``LABELS`` order; None for another kind of classifier, or when a fold would hold
        out every text of a label (a few texts repeated many times).
    """
    beta = getattr(calibrated, "beta_", None)  # a moments_nlp TemperatureCalibratedClassifier
    fitted: Any = getattr(calibrated, "calibrated_classifiers_", None)
    linear: Any = getattr(fitted[0], "estimator", None) if fitted and len(fitted) == 1 else None
    if beta is not None:
        linear = getattr(calibrated, "estimator_", None)
    if not is_plain_logit(linear):
        return None
    classes = list(calibrated.classes_)
    y = np.asarray([classes.index(label) for label in labels])
    targets = np.asarray(linear.classes_)[y]  # the inner model's own class values
    proba = np.zeros((len(y), len(classes)))
    if groups is not None and len(set(groups)) < len(y):
        splits = list(StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state
                                           ).split(np.zeros(len(y)), y, groups))
    else:
        splits = list(StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state
                                      ).split(np.zeros(len(y)), y))
    if any(len(np.unique(y[fit_idx])) < len(classes) for fit_idx, _ in splits):
        return None  # too few distinct texts of a label to hold some out (before any refit)
    for fit_idx, test_idx in splits:
        part = clone(linear).set_params(warm_start=True)
        part.coef_, part.intercept_ = linear.coef_.copy(), linear.intercept_.copy()
        part.fit(features[fit_idx], targets[fit_idx])
        if beta is not None:
            proba[test_idx] = softmax(beta * part.decision_function(features[test_idx]), axis=1)
            continue
        deployed = copy.copy(fitted[0])
        deployed.estimator = part
        proba[test_idx] = deployed.predict_proba(features[test_idx])
    return np.asarray(proba[:, [classes.index(lab) for lab in LABELS]])


def validation_sample(proba: np.ndarray, labels: Sequence[str], *, per_class: int = _PER_CLASS,
                      random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """At most ``per_class`` held-out probability vectors of each label, as stored in a model.

    Returns
    -------
    tuple of ndarray
        Probabilities (float32, shape (m, 3), ``LABELS`` order) and label indices into
        ``LABELS`` (int8, shape (m,)).

    Examples
    --------
    >>> p, y = validation_sample(np.full((5, 3), 1 / 3), ["magic"] * 4 + ["misery"], per_class=2)
    >>> p.shape, y.tolist()
    ((3, 3), [0, 0, 2])
    """
    index = np.asarray([LABELS.index(label) for label in labels])
    rng = np.random.default_rng(random_state)
    rows = np.sort(np.concatenate([rng.permutation(np.flatnonzero(index == k))[:per_class]
                                   for k in range(len(LABELS))]))
    return np.asarray(proba, dtype=np.float32)[rows], index[rows].astype(np.int8)


def share_sample(held_out: np.ndarray | None, classes: list[str], texts: list[str],
                 labels: list[str], calibration: np.ndarray | None, *,
                 random_state: int) -> tuple[np.ndarray | None, np.ndarray | None,
                                             np.ndarray | None]:
    """What a fit keeps of its held-out probabilities (``classes`` order) for share estimates:
    the KDE sample, its label indices and the reference class balance (all ``LABELS`` order;
    three Nones without held-out probabilities).

    One row per distinct text goes into the sample (copies, a way to weight rows, would skew its
    spread); rows left out of the calibration (``calibration`` 0) are left out of both.
    """
    if held_out is None:
        return None, None, None
    held_out = held_out[:, [classes.index(label) for label in LABELS]]
    kept = np.ones(len(texts), bool) if calibration is None else calibration > 0
    first = np.flatnonzero(~pd.Series(texts).duplicated().to_numpy() & kept)
    proba, sample_labels = validation_sample(held_out[first], [labels[i] for i in first],
                                             random_state=random_state)
    rows = np.flatnonzero(kept)
    reference = np.asarray(list(reference_from_proba(
        held_out[rows], [labels[i] for i in rows]).values()))
    return proba, sample_labels, reference


def reference_from_proba(proba: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """:func:`fit_reference` from probabilities you already have (e.g. out-of-fold ones).

    :func:`moments_nlp.train.train` stores this fit on its out-of-fold probabilities in
    ``card_["shares_reference"]`` when it cross-validates (``cv_folds >= 2``).

    Parameters
    ----------
    proba : ndarray of shape (n, 3)
        Probabilities in ``LABELS`` order.
    labels : sequence of str
        The true labels of the same rows, from ``LABELS``.

    Returns
    -------
    dict
        As :func:`fit_reference`.

    Examples
    --------
    >>> p = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]])
    >>> ref = reference_from_proba(p, ["magic", "ordinary", "misery"])
    >>> sorted(ref) == sorted(LABELS), round(sum(ref.values()), 6)
    (True, 1.0)
    """
    counts = np.bincount([LABELS.index(label) for label in labels], minlength=len(LABELS))
    missing = [label for label, n in zip(LABELS, counts) if n == 0]
    if missing:
        raise InputError(f"every label needs at least one example; none for {missing}")
    reference = _reference_from_proba(proba, counts / counts.sum())  # clips the floor
    return dict(zip(LABELS, reference.round(8).tolist()))


def _reference_from_proba(proba: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Reference shares for which EM on ``proba`` returns ``target`` (fixed-point iteration)."""
    proba = np.clip(np.asarray(proba, dtype=np.float64), _FLOOR, None)
    weight = np.ones(proba.shape[1])
    for _ in range(5000):
        adjusted = proba * weight
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        step = target / adjusted.mean(axis=0)
        weight *= step
        if np.max(np.abs(step - 1)) < 1e-10:
            break
    reference = target / weight
    return np.asarray(reference / reference.sum())
