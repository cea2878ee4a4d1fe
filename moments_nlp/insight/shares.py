"""How many: the share of each label in a population, corrected for the model's errors.

Counting predicted labels is biased: a model trained on data where most comments are Magic
sees Magic too often in data where most are Misery, and the other way round.
:func:`estimate_shares` corrects for it in one of two ways, both assuming that comments of one
label read alike in the training data and in the new data (a shift of class balance, not of
domain):

``method="kde"`` (the default for every model trained with this version)
    KDEy-ML (:mod:`moments_nlp.insight.shares`): the mixture of the label-wise distributions of
    the model's held-out probabilities that best explains the new probabilities. It needs
    the held-out sample every fit stores (``shares_proba_`` / ``shares_labels_``) and no
    calibration.
``method="em"`` (models saved before, or when you pass ``reference=``)
    EM prior adjustment (Saerens, Latinne & Decaestecker 2002, *Neural Computation* 14(1)):
    the calibrated probabilities ``p(y|x)`` were learned under the *reference* shares
    ``pi_ref``; under new shares ``pi`` they become ``p(y|x) * pi(y) / pi_ref(y)``
    (renormalized), and ``pi`` is the mean of these adjusted probabilities, iterated.

The reference of EM must be the class balance the probabilities are calibrated to, which is
not the training label counts (``class_weight="balanced"`` learns as if the classes were equally
frequent). It is, in order: ``reference=`` given to :func:`estimate_shares` (e.g. from
:func:`fit_reference` on a few hundred labeled comments of the domain you estimate, a bias
calibration as in Alexandari et al. 2020); ``card_["shares_reference"]``, fitted by
:func:`moments_nlp.train.train` on out-of-fold probabilities when it cross-validates
(``cv_folds >= 2``); ``clf.shares_reference_``, the same fit on the held-out sample; uniform
shares for a ``class_weight="balanced"`` model saved before that existed (the shipped default
model); else the training label shares ``card_["training"]["label_counts"]``.

Measured by ``python bench/shares.py`` (a model trained with :func:`moments_nlp.train.train`
on a train split; its test split and 6 class-balance shifts of it; mean absolute error over
the 7 sets): clothing reviews KDE 0.022, EM 0.045, counting 0.083; airline tweets KDE 0.016,
EM 0.013, counting 0.049. For another domain every method errs, since words behave
differently there (clothing model on airline tweets: KDE 0.104, counting 0.141; airline model
on clothing reviews: KDE 0.180, counting 0.175): label a few hundred comments of that domain
and pass ``reference=`` from :func:`fit_reference`.

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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list
from moments_nlp.errors import InputError
from moments_nlp.insight.kde_shares import cell_densities, mixture_shares
from moments_nlp.labels import LABELS, labeled_texts
from moments_nlp.model._held_out import reference_from_proba
from moments_nlp.text._non_answers import is_non_answer

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["em_shares", "estimate_shares", "fit_reference", "held_out_sample",
           "reference_array", "reference_from_proba", "reference_prior", "shares_from_proba",
           "training_prior", "with_non_answers"]

_FLOOR = 1e-6


def fit_reference(model: MomentEstimator, texts: Iterable[object],
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
    pairs = [(text, label) for text, label in zip(kept, truth) if not is_non_answer(text)]
    if not pairs:  # non-answers are labeled by a rule; the model's probabilities do not apply
        raise InputError("fit_reference needs texts the model reads; got only non-answers")
    return reference_from_proba(model._proba_array([t for t, _ in pairs]),
                                [label for _, label in pairs])


def reference_prior(model: MomentEstimator) -> np.ndarray | None:
    """The reference shares :func:`estimate_shares` uses for ``model`` (see the module notes).

    Examples
    --------
    >>> import moments_nlp as mn
    >>> reference_prior(mn.load()).round(3).tolist()  # fitted on its held-out predictions
    [0.298, 0.456, 0.246]
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


def training_prior(model: MomentEstimator) -> np.ndarray | None:
    """Label shares of the training data from the model card, in ``LABELS`` order, or None.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> training_prior(mn.load()).round(2).tolist()
    [0.49, 0.4, 0.11]
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
    # p(y|x) / pi_ref(y) is proportional to p(x|y): the same mixture-weight problem as KDE,
    # started from the mean probability
    return mixture_shares(proba / np.asarray(prior, dtype=np.float64), start=proba.mean(axis=0),
                          max_iter=max_iter, tol=tol)


def held_out_sample(model: MomentEstimator) -> tuple[np.ndarray, np.ndarray] | None:
    """The held-out probabilities and label indices a fitted model keeps for KDE, or None.

    Models saved before this sample existed (the shipped default model) have none.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> held_out_sample(mn.load()) is None
    False
    """
    proba = getattr(model, "shares_proba_", None)
    labels = getattr(model, "shares_labels_", None)
    if proba is None or labels is None:
        return None
    return np.asarray(proba), np.asarray(labels)


def shares_from_proba(proba: np.ndarray, prior: np.ndarray | None, *, n_boot: int = 200,
                      confidence: float = 0.95, random_state: int | None = 0,
                      held_out: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """Shares with bootstrap intervals from a matrix of probabilities.

    See :func:`estimate_shares`; this is the part that needs no model. With ``held_out``
    (held-out probabilities and label indices, :func:`held_out_sample`) the shares are KDEy-ML
    ones, else EM with reference ``prior`` (None: the mean probability, i.e. no adjustment).

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
    if held_out is not None:
        cells, where = cell_densities(proba, *held_out)
        per_cell = np.bincount(where, minlength=len(cells))
        share = mixture_shares(cells, weights=per_cell)

        def resample(rng: np.random.Generator) -> np.ndarray:
            # resampling rows = resampling counts per cell (a cell's rows share densities);
            # each resample starts near the full estimate (not on it: a zero share would stay)
            counts = rng.multinomial(n, per_cell / n)
            return mixture_shares(cells, weights=counts, start=0.9 * share + 0.1 / len(share),
                                  max_iter=300, tol=1e-6)
    else:
        reference = prior if prior is not None else proba.mean(axis=0)
        share = em_shares(proba, reference)

        def resample(rng: np.random.Generator) -> np.ndarray:
            rows = rng.integers(0, n, n)
            boot_ref = prior if prior is not None else proba[rows].mean(axis=0)
            return em_shares(proba[rows], boot_ref, max_iter=300, tol=1e-6)

    frame["share"] = share
    if n_boot:
        rng = np.random.default_rng(random_state)
        boots = np.asarray([resample(rng) for _ in range(n_boot)])
        alpha = (1 - confidence) / 2
        frame["ci_low"] = np.quantile(boots, alpha, axis=0)
        frame["ci_high"] = np.quantile(boots, 1 - alpha, axis=0)
    return frame


def reference_array(reference: dict[str, float]) -> np.ndarray:
    """A ``reference`` dict (label -> share) as an array in ``LABELS`` order, summing to 1.

    Shares are floored at a tiny positive value so that EM can divide by them.

    Raises
    ------
    InputError
        For a label outside ``LABELS`` or shares that do not add up to a positive total.

    Examples
    --------
    >>> reference_array({"magic": 2, "ordinary": 1, "misery": 1}).tolist()
    [0.5, 0.25, 0.25]
    """
    unknown = sorted(set(reference) - set(LABELS))
    if unknown:
        raise InputError(f"reference has unknown labels {unknown}; expected {list(LABELS)}")
    ref = np.asarray([float(reference.get(label, 0.0)) for label in LABELS])
    if ref.sum() <= 0:
        raise InputError(f"reference must have a positive total, got {reference}")
    return np.clip(ref / ref.sum(), _FLOOR, None)


def with_non_answers(frame: pd.DataFrame, non_answers: int) -> pd.DataFrame:
    """Shares of all texts from shares of the answers and a count of non-answers.

    Non-answers (:mod:`moments_nlp.text._non_answers`) are ``ordinary`` by rule, with no model error
    to correct, so they are added as a known ordinary mass: with ``f`` the non-answers' share of
    all texts, every share and interval bound becomes ``(1 - f) * value + f * [label ==
    ordinary]``. Returns a new frame (``attrs["n"]`` counts both, ``attrs["non_answer"]`` the
    non-answers).

    Examples
    --------
    >>> answers = shares_from_proba(np.tile([[0.6, 0.2, 0.2]], (3, 1)), None, n_boot=0)
    >>> with_non_answers(answers, 1)["share"].round(3).tolist()
    [0.45, 0.4, 0.15]
    """
    out = frame.copy()
    answers = int(frame.attrs.get("n", 0))
    total = answers + non_answers
    out.attrs = {**frame.attrs, "n": total, "non_answer": non_answers}
    if non_answers == 0:
        return out
    fraction = non_answers / total
    ordinary = (out.index == "ordinary").astype(np.float64)
    for column in ("share", "ci_low", "ci_high"):
        values = out[column].to_numpy(dtype=np.float64)
        # nothing but non-answers: all ordinary, with no uncertainty
        out[column] = ordinary if answers == 0 else (1 - fraction) * values + fraction * ordinary
    return out


def estimate_shares(model: MomentEstimator, texts: Iterable[object], *, n_boot: int = 200,
                    confidence: float = 0.95, random_state: int | None = 0,
                    reference: dict[str, float] | None = None,
                    method: str = "auto") -> pd.DataFrame:
    """Estimated share of each label among ``texts``, with bootstrap confidence intervals.

    Parameters
    ----------
    model : MomentClassifier
        A fitted model with calibrated probabilities.
    texts : iterable of str
        Blank texts are left out (their count is in ``attrs["blank"]``). Non-answers
        (``"n/a"``, ``"No comment"``: :mod:`moments_nlp.text._non_answers`) count as ``ordinary``
        without correction (:func:`with_non_answers`; their count is in
        ``attrs["non_answer"]``); the correction is estimated on the other texts.
    n_boot : int, default 200
        Bootstrap resamples for the intervals (0: no intervals, NaN).
    confidence : float, default 0.95
        Coverage of the intervals.
    random_state : int or None, default 0
        Seed of the resampling.
    reference : dict, optional
        Label shares the probabilities are calibrated to (see :func:`fit_reference`); implies
        ``method="em"``. Default: :func:`reference_prior`.
    method : {"auto", "kde", "em"}, default "auto"
        ``"kde"`` when the model keeps a held-out sample and no ``reference`` is given, else
        ``"em"`` (see the module notes). For the shipped default model, whose held-out sample
        mixes its training sources, pass a ``reference`` fitted on labeled comments of your
        kind: without one its estimate erred more than counting labels in
        ``bench/shares.py`` (airline 0.141 vs 0.080, clothing 0.166 vs 0.093).

    Returns
    -------
    pandas.DataFrame
        Index ``LABELS`` (named ``label``), columns ``share``, ``ci_low``, ``ci_high``;
        ``attrs`` holds ``n`` (texts used), ``blank``, ``non_answer``, ``counted`` (shares of
        predicted labels, for comparison), ``method`` and ``reference`` (EM's, else None).

    Raises
    ------
    InputError
        For an unknown ``method``, ``"kde"`` on a model without a held-out sample or with a
        ``reference``, or a malformed ``reference``.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> out = mn.load().estimate_shares(["Loved it!", "Awful service", "ok"], n_boot=10)
    >>> list(out.columns), list(out.index), out.attrs["method"]
    (['share', 'ci_low', 'ci_high'], ['magic', 'ordinary', 'misery'], 'kde')
    """
    if method not in ("auto", "kde", "em"):
        raise InputError(f"method must be 'auto', 'kde' or 'em', got {method!r}")
    held_out = held_out_sample(model)
    if method == "kde" and (held_out is None or reference is not None):
        raise InputError("method='kde' needs a model that keeps held-out probabilities "
                         "(shares_proba_; models fitted before fits stored them, like the "
                         "shipped default, lack them) and no reference=; use method='em' here")
    use_kde = held_out is not None and reference is None and method != "em"
    text_list = as_text_list(texts)
    # the rows predict_proba gives: NaN for blank texts, (0, 1, 0) for non-answers
    scores, blank, non_answer = model._answer_scores(text_list, familiar=False)
    proba = scores[~blank & ~non_answer]
    ref: Any = None
    if reference is not None:
        ref = reference_array(reference)
    elif not use_kde:
        ref = reference_prior(model)
    frame = shares_from_proba(proba, ref, n_boot=n_boot, confidence=confidence,
                              random_state=random_state, held_out=held_out if use_kde else None)
    frame = with_non_answers(frame, int(non_answer.sum()))
    frame.attrs["blank"] = int(blank.sum())
    predicted = scores[~blank].argmax(axis=1)  # a non-answer's row picks ordinary
    counted = np.bincount(predicted, minlength=len(LABELS)) / max(len(predicted), 1)
    frame.attrs["counted"] = dict(zip(LABELS, counted.round(6).tolist()))
    frame.attrs["method"] = "kde" if use_kde else "em"
    frame.attrs["reference"] = (dict(zip(LABELS, np.round(ref, 6).tolist()))
                                if ref is not None else None)
    return frame
