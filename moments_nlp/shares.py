"""How many: the share of each label in a population, corrected for the model's errors.

Counting predicted labels is biased: a model trained on data where most comments are Magic
sees Magic too often in data where most are Misery, and the other way round. This module
estimates the shares with the EM prior adjustment of Saerens, Latinne & Decaestecker (2002,
*Neural Computation* 14(1)): the calibrated probabilities ``p(y|x)`` of the model were learned
under the training shares ``pi_train``; under new shares ``pi`` they become
``p(y|x) * pi(y) / pi_train(y)`` (renormalized), and ``pi`` is the mean of these adjusted
probabilities. Iterating the two steps is an EM algorithm for the maximum-likelihood shares.

The *reference* ``pi_train`` must be the class balance the probabilities are calibrated to.
That is not simply the training label counts: with ``class_weight="balanced"`` the logistic
regression learns as if the classes were equally frequent, and temperature scaling has no
per-class bias to undo it. So the reference is, in order:

1. ``reference=`` given to :func:`estimate_shares`, e.g. from :func:`fit_reference` on a few
   hundred labeled comments of the domain you estimate (a bias calibration, as in
   Alexandari et al. 2020, "Maximum likelihood with bias-corrected calibration ...");
2. ``card_["shares_reference"]`` when the model card holds one: the same fit, made by
   :func:`moments_nlp.train.train` on the out-of-fold probabilities of complete refits when it
   cross-validates (``cv_folds >= 2``; the CLI's default);
3. ``clf.shares_reference_``, which every :meth:`~moments_nlp.model.MomentClassifier.fit`
   stores: the same fit on held-out predictions of the linear model (see
   :func:`held_out_reference`; it adds a third to a half to the fit's time).

   Both are right for new data *from the training domain* (``python bench/shares.py``, test
   split and 6 class-balance shifts, mean error over 7 sets: airline 0.013 with 3., 0.010
   with 2., against 0.049 for counting; clothing 0.046 with 3. against 0.083) and wrong for
   another domain, whose words behave differently (airline model on clothing 0.197, counting
   0.175): pass ``reference=`` there;
4. uniform shares for a model trained with ``class_weight="balanced"`` (the shipped default
   model, saved before 3. existed), else the training label shares
   ``card_["training"]["label_counts"]``; else the mean predicted probability (then the
   estimate stays the mean probability).

Confidence intervals are percentile intervals of the same estimate on bootstrap resamples of
the texts (they cover sampling noise, not the model's bias on a new domain).

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.9, 0.05, 0.05], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
>>> em_shares(proba, np.array([1 / 3, 1 / 3, 1 / 3])).round(2).tolist()
[0.41, 0.0, 0.59]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError
from moments_nlp.labels import LABELS, labeled_texts

if TYPE_CHECKING:
    from moments_nlp.model import MomentClassifier

__all__ = ["em_shares", "estimate_shares", "fit_reference", "held_out_reference",
           "reference_from_proba", "reference_prior", "shares_from_proba", "training_prior"]

_FLOOR = 1e-6


def fit_reference(model: MomentClassifier, texts: Iterable[object],
                  labels: Iterable[object]) -> dict[str, float]:
    """The reference shares that make EM exact on labeled comments: a per-class bias calibration.

    Finds ``reference`` such that EM on these comments' probabilities returns their true label
    shares. Fit it on a few hundred labeled comments from the domain you estimate (not the
    ones you evaluate on) and pass it to :func:`estimate_shares`.

    Returns
    -------
    dict
        Label -> reference share (sums to 1), in ``LABELS`` order.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> ref = fit_reference(mn.load(), ["Loved it!", "Awful.", "It's ok."] * 3,
    ...                     ["magic", "misery", "ordinary"] * 3)
    >>> sorted(ref) == sorted(mn.LABELS)
    True
    """
    kept, truth = labeled_texts(texts, labels, purpose="for fit_reference")
    return reference_from_proba(model._proba_array(kept), truth)


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
    >>> em_shares(p, np.array(list(ref.values()))).round(3).tolist()
    [0.333, 0.333, 0.333]
    """
    counts = np.bincount([LABELS.index(label) for label in labels], minlength=len(LABELS))
    missing = [label for label, n in zip(LABELS, counts) if n == 0]
    if missing:
        raise InputError(f"every label needs at least one example; none for {missing}")
    reference = _reference_from_proba(proba, counts / counts.sum())  # clips the floor
    return dict(zip(LABELS, reference.round(8).tolist()))


def held_out_reference(calibrated: Any, features: Any, labels: Sequence[str], *, cv: int = 5,
                       random_state: int = 0) -> np.ndarray | None:
    """Reference shares of a fitted calibrated logistic regression, from held-out predictions.

    :meth:`MomentClassifier.fit <moments_nlp.model.MomentClassifier.fit>` calls this so that
    every trained model knows the class balance its probabilities are calibrated to. The linear
    model is refitted on each of ``cv`` stratified folds' training part, warm-started from the
    full fit (a fraction of the cost of fitting from scratch), and scores the held-out part; a
    temperature fitted on those held-out logits turns them into probabilities, and
    :func:`reference_from_proba` fits the reference to them. This matches the reference from
    the out-of-fold probabilities of ``cv`` complete refits (airline train split: 0.233 / 0.281
    / 0.486 both ways, 3 decimals).

    Parameters
    ----------
    calibrated : sklearn.calibration.CalibratedClassifierCV
        Fitted, with ``ensemble=False`` around a :class:`~sklearn.linear_model.LogisticRegression`.
    features : array or sparse matrix of shape (n, d)
        The rows it was fitted on.
    labels : sequence of str
        Their labels, from ``LABELS``.
    cv : int, default 5
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (3,) or None
        In ``LABELS`` order; None for another kind of classifier (then
        :func:`reference_prior` falls back to its other sources).
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax, softmax
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    fitted = getattr(calibrated, "calibrated_classifiers_", None)
    linear: Any = getattr(fitted[0], "estimator", None) if fitted and len(fitted) == 1 else None
    if type(linear) is not LogisticRegression:
        return None
    classes = list(calibrated.classes_)
    y = np.asarray([classes.index(label) for label in labels])
    targets = np.asarray(linear.classes_)[y]  # the inner model's own class values
    logits = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    for fit_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        part = clone(linear).set_params(warm_start=True)
        part.coef_, part.intercept_ = linear.coef_.copy(), linear.intercept_.copy()
        part.fit(features[fit_idx], targets[fit_idx])
        logits[test_idx] = part.decision_function(features[test_idx])

    def loss(temperature: float) -> float:
        return float(-log_softmax(logits / temperature, axis=1)[np.arange(len(y)), y].mean())

    temperature = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x
    proba = softmax(logits / temperature, axis=1)[:, [classes.index(lab) for lab in LABELS]]
    return np.asarray(list(reference_from_proba(proba, labels).values()))


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


def reference_prior(model: MomentClassifier) -> np.ndarray | None:
    """The reference shares :func:`estimate_shares` uses for ``model`` (see the module notes).

    Examples
    --------
    >>> import moments_nlp as mn
    >>> reference_prior(mn.load()).round(3).tolist()  # balanced class weights: uniform
    [0.333, 0.333, 0.333]
    """
    card = getattr(model, "card_", None) or {}
    stored = card.get("shares_reference")
    if isinstance(stored, dict) and all(label in stored for label in LABELS):
        values = np.asarray([float(stored[label]) for label in LABELS])
        return np.clip(values / values.sum(), _FLOOR, None)
    held_out = getattr(model, "shares_reference_", None)  # absent on older saved models
    if held_out is not None:
        return np.clip(np.asarray(held_out, dtype=np.float64), _FLOOR, None)
    if getattr(model, "class_weight", None) == "balanced":
        return np.full(len(LABELS), 1.0 / len(LABELS))
    return training_prior(model)


def training_prior(model: MomentClassifier) -> np.ndarray | None:
    """Label shares of the training data from the model card, in ``LABELS`` order, or None.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> training_prior(mn.load()).round(2).tolist()
    [0.61, 0.2, 0.19]
    """
    card = getattr(model, "card_", None) or {}
    counts = (card.get("training") or {}).get("label_counts")
    if not isinstance(counts, dict):
        return None
    values = np.asarray([float(counts.get(label, 0) or 0) for label in LABELS])
    if values.sum() <= 0:
        return None
    return np.clip(values / values.sum(), _FLOOR, None)


def em_shares(proba: np.ndarray, prior: np.ndarray, *, max_iter: int = 1000,
              tol: float = 1e-8) -> np.ndarray:
    """EM prior adjustment (Saerens et al. 2002) of calibrated probabilities.

    Parameters
    ----------
    proba : numpy.ndarray of shape (n, k)
        Calibrated probabilities, learned under ``prior``.
    prior : numpy.ndarray of shape (k,)
        Class shares of the training data.
    max_iter, tol : int, float
        Stop after this many steps or when no share moves more than ``tol``.

    Returns
    -------
    numpy.ndarray of shape (k,)
        Estimated shares, summing to 1.
    """
    proba = np.clip(np.asarray(proba, dtype=np.float64), _FLOOR, None)
    prior = np.asarray(prior, dtype=np.float64)
    shares = proba.mean(axis=0)
    shares /= shares.sum()
    ratio_base = proba / prior
    for _ in range(max_iter):
        adjusted = ratio_base * shares
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        new = adjusted.mean(axis=0)
        if np.max(np.abs(new - shares)) < tol:
            shares = new
            break
        shares = new
    return np.asarray(shares / shares.sum())


def shares_from_proba(proba: np.ndarray, prior: np.ndarray | None, *, n_boot: int = 200,
                      confidence: float = 0.95, random_state: int | None = 0) -> pd.DataFrame:
    """Shares with bootstrap intervals from a matrix of calibrated probabilities.

    See :func:`estimate_shares`; this is the part that needs no model.

    Examples
    --------
    >>> proba = np.tile([[0.7, 0.2, 0.1]], (50, 1))
    >>> shares_from_proba(proba, None, n_boot=20)["share"].round(2).tolist()
    [0.7, 0.2, 0.1]
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] != len(LABELS):
        raise InputError(f"expected probabilities of shape (n, {len(LABELS)}), "
                         f"got {proba.shape}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, got {confidence}")
    if n_boot < 0:
        raise InputError(f"n_boot must be 0 or more, got {n_boot}")
    frame = pd.DataFrame(np.nan, index=pd.Index(LABELS, name="label"),
                         columns=["share", "ci_low", "ci_high"])
    n = len(proba)
    frame.attrs["n"] = n
    if n == 0:
        return frame
    reference = prior if prior is not None else proba.mean(axis=0)
    frame["share"] = em_shares(proba, reference)
    if n_boot:
        rng = np.random.default_rng(random_state)
        boots = np.empty((n_boot, len(LABELS)))
        for b in range(n_boot):
            rows = rng.integers(0, n, n)
            boot_ref = reference if prior is not None else proba[rows].mean(axis=0)
            boots[b] = em_shares(proba[rows], boot_ref, max_iter=300, tol=1e-6)
        alpha = (1 - confidence) / 2
        frame["ci_low"] = np.quantile(boots, alpha, axis=0)
        frame["ci_high"] = np.quantile(boots, 1 - alpha, axis=0)
    return frame


def estimate_shares(model: MomentClassifier, texts: Iterable[object], *, n_boot: int = 200,
                    confidence: float = 0.95, random_state: int | None = 0,
                    reference: dict[str, float] | None = None) -> pd.DataFrame:
    """Estimated share of each label among ``texts``, with bootstrap confidence intervals.

    Parameters
    ----------
    model : MomentClassifier
        A fitted model with calibrated probabilities.
    texts : iterable of str
        Blank texts are left out (their count is in ``attrs["blank"]``).
    n_boot : int, default 200
        Bootstrap resamples for the intervals (0: no intervals, NaN).
    confidence : float, default 0.95
        Coverage of the intervals.
    random_state : int or None, default 0
        Seed of the resampling.
    reference : dict, optional
        Label shares the probabilities are calibrated to (see :func:`fit_reference`);
        default: :func:`reference_prior`.

    Returns
    -------
    pandas.DataFrame
        Index ``LABELS`` (named ``label``), columns ``share``, ``ci_low``, ``ci_high``;
        ``attrs`` holds ``n`` (texts used), ``blank``, ``counted`` (shares of predicted labels,
        for comparison) and ``reference``.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> out = mn.load().estimate_shares(["Loved it!", "Awful service", "ok"], n_boot=10)
    >>> list(out.columns), list(out.index)
    (['share', 'ci_low', 'ci_high'], ['magic', 'ordinary', 'misery'])
    """
    text_list = as_text_list(texts)
    kept = [text for text in text_list if not is_blank(text)]
    proba = model._proba_array(kept) if kept else np.zeros((0, len(LABELS)))
    if reference is not None:
        unknown = sorted(set(reference) - set(LABELS))
        if unknown:
            raise InputError(f"reference has unknown labels {unknown}; expected {list(LABELS)}")
        ref: Any = np.asarray([float(reference.get(label, 0.0)) for label in LABELS])
        if ref.sum() <= 0:
            raise InputError(f"reference must have a positive total, got {reference}")
        ref = np.clip(ref / ref.sum(), _FLOOR, None)
    else:
        ref = reference_prior(model)
    frame = shares_from_proba(proba, ref, n_boot=n_boot, confidence=confidence,
                              random_state=random_state)
    frame.attrs["blank"] = len(text_list) - len(kept)
    counted = np.bincount(proba.argmax(axis=1), minlength=len(LABELS)) / max(len(kept), 1)
    frame.attrs["counted"] = dict(zip(LABELS, counted.round(6).tolist()))
    frame.attrs["reference"] = (dict(zip(LABELS, np.round(ref, 6).tolist()))
                                if ref is not None else None)
    return frame
