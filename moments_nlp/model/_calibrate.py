"""Temperature calibration on out-of-fold decision values; the share sample from the same folds.

A calibrated :class:`~moments_nlp.MomentClassifier` needs two things from held-out data:
a temperature (so that its probabilities mean what they say) and held-out probabilities on its
own training rows (the share sample of :mod:`moments_nlp.model._held_out`). Scikit-learn's
``CalibratedClassifierCV(ensemble=False)`` fits the linear model ``cv`` times for the first, and
:func:`moments_nlp.model._held_out.held_out_proba` refitted it ``cv`` more times for the second.
:class:`TemperatureCalibratedClassifier` uses one set of folds for both: the out-of-fold decision
values are held-out predictions, so the temperature is fitted on them and the same values,
through the fitted temperature, are the held-out probabilities. That is ``cv + 1`` fits instead
of ``2 cv + 1``.

* The full fit comes first; each fold model starts from its weights (``warm_start``) and so
  needs a fraction of the iterations of a fit from scratch. The objective is convex: the fold
  model converges to the same weights whatever it starts from.
* Folds are stratified, shuffled with ``random_state``, and keep the rows of one group (the same
  text repeated) together, so a copy of a comment is never scored by a model that saw it.
  When that is impossible (a few texts repeated many times), the folds ignore the groups and
  no held-out sample is returned.
* With ``n_jobs > 1`` the fold fits run in parallel in joblib threads (sparse products in
  SciPy and the solver's BLAS calls release the GIL; threads share ``X`` instead of copying it
  to worker processes). Every fit uses one BLAS thread (sparse logistic regression gains
  nothing from more and loses a lot on a busy machine). Each fold's fit is the same sequence of
  operations whatever runs beside it, so the result does not depend on ``n_jobs``.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(90, 4)); y = np.repeat(["a", "b", "c"], 30); X[:, 0] += y == "a"
>>> clf = TemperatureCalibratedClassifier(LogisticRegression(), cv=3).fit(X, y)
>>> clf.predict_proba(X[:2]).shape, bool(clf.beta_ > 0)
((2, 3), True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from moments_nlp.labels import LABELS
from moments_nlp.model._held_out import held_out_proba
from moments_nlp.model._newton import is_plain_logit

__all__ = ["Companions", "TemperatureCalibratedClassifier", "fit_classifier", "fit_progress",
           "fold_splits", "is_plain_logit"]

Splits = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class Companions:
    """Extra rows scored out-of-fold along with the training row each belongs to.

    The sentences of each long training text: a fold model scores the sentences of the texts it
    did not see, so the sentence vote can be calibrated on held-out data
    (:meth:`moments_nlp.MomentClassifier.fit`). ``proba`` is filled in by the fit: the
    calibrated out-of-fold probabilities (``classes_`` order), or None without a held-out sample.
    """

    X: Any
    owner: np.ndarray
    proba: np.ndarray | None = None


def fold_splits(y: np.ndarray, *, cv: int, random_state: int,
                groups: Sequence[object] | None = None) -> tuple[Splits, bool]:
    """Stratified, shuffled folds; rows of one group stay in one fold where possible.

    Returns
    -------
    splits : list of (fit indices, held-out indices)
    held_out_ok : bool
        False when grouping had to be given up because a fold's training part would miss a
        class: the folds are then fine for a calibration but not for a held-out sample.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    zeros = np.zeros(len(y))
    n_classes = len(np.unique(y))
    if groups is not None and len(set(groups)) < len(y):
        splits = list(StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state
                                           ).split(zeros, y, groups))
        if all(len(np.unique(y[fit])) == n_classes for fit, _ in splits):
            return splits, True
        plain = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        return list(plain.split(zeros, y)), False
    plain = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return list(plain.split(zeros, y)), True


def _fit_one(estimator: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None,
             start: Any = None) -> Any:
    model = clone(estimator)
    if start is not None and "warm_start" in model.get_params():
        model.set_params(warm_start=True)
        model.coef_, model.intercept_ = start.coef_.copy(), start.intercept_.copy()
    if sample_weight is None:
        return model.fit(X, y)
    return model.fit(X, y, sample_weight=sample_weight)


def _fold_decision(estimator: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None,
                   fit: np.ndarray, held: np.ndarray, start: Any,
                   companions: Companions | None = None
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The fold model's decision values on the held-out rows, and the positions of their
    companions with the decision values there (None and None when they have none)."""
    weight = None if sample_weight is None else sample_weight[fit]
    model = _fit_one(estimator, X[fit], y[fit], weight, start)
    decision = _logits(model.decision_function(X[held]))
    if companions is None:
        return decision, None, None
    mine = np.flatnonzero(np.isin(companions.owner, held))
    if not len(mine):
        return decision, None, None
    return decision, mine, _logits(model.decision_function(companions.X[mine]))


def _logits(decision: Any) -> np.ndarray:
    """Decision values as one column per class (a binary model's ``z`` becomes ``(0, z)``)."""
    z = np.asarray(decision, dtype=np.float64)
    return np.column_stack([np.zeros(len(z)), z]) if z.ndim == 1 else z


def _temperature(decision: np.ndarray, index: np.ndarray,
                 sample_weight: np.ndarray | None) -> float:
    """Inverse temperature minimizing the (weighted) log loss of ``softmax(beta * decision)``."""
    weight = np.ones(len(index)) if sample_weight is None else np.asarray(sample_weight, float)
    true = decision[np.arange(len(index)), index]

    def log_loss(log_beta: float) -> float:
        beta = np.exp(log_beta)
        return float(weight @ (logsumexp(beta * decision, axis=1) - beta * true)) / weight.sum()

    found = minimize_scalar(log_loss, bounds=(-10.0, 10.0), method="bounded",
                            options={"xatol": 1e-6})
    return float(np.exp(found.x))


class TemperatureCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier whose decision values are scaled by one temperature fitted out-of-fold.

    ``predict_proba(X) = softmax(beta_ * estimator_.decision_function(X))``, as
    ``CalibratedClassifierCV(method="temperature", ensemble=False)`` computes it; the
    temperature is fitted on the decision values of ``cv`` fold models on the rows they did
    not see (see the module notes for how the folds are drawn and started).

    Parameters
    ----------
    estimator : classifier with ``decision_function``, optional
        Default: ``LogisticRegression()``. Fold fits are warm-started from the full fit when
        it has a ``warm_start`` parameter.
    cv : int, default 5
    random_state : int, default 0
        Seed of the folds.
    n_jobs : int, default 1
        Threads for the fold fits (see the module notes).

    Attributes
    ----------
    estimator_ : classifier
        Fitted on all rows.
    classes_ : numpy.ndarray
    beta_ : float
        Inverse temperature.
    """

    def __init__(self, estimator: Any = None, *, cv: int = 5, random_state: int = 0,
                 n_jobs: int = 1) -> None:
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, sample_weight: Any = None, *,
            groups: Sequence[object] | None = None,
            calibration_weight: Any = None) -> TemperatureCalibratedClassifier:
        """Fit on all rows and on each fold, then the temperature. Returns ``self``.

        ``calibration_weight`` weights the rows in the temperature fit only (default: the
        ``sample_weight``); a zero leaves a row out of it, e.g. rows unlike the texts the model
        will label."""
        self._fit(X, y, sample_weight, groups=groups, calibration_weight=calibration_weight)
        return self

    def _fit(self, X: Any, y: Any, sample_weight: Any = None, *,
             groups: Sequence[object] | None = None, calibration_weight: Any = None,
             step: Callable[[str], None] | None = None,
             companions: Companions | None = None) -> np.ndarray | None:
        """Fit; return the held-out probabilities of the training rows (``classes_`` order),
        or None when the folds could not keep groups together. ``step`` is told each fit;
        ``companions`` get their out-of-fold probabilities."""
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=None)
        check_classification_targets(y)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        base = LogisticRegression() if self.estimator is None else self.estimator
        splits, held_out_ok = fold_splits(y, cv=self.cv, random_state=self.random_state,
                                          groups=groups)
        tell = step or (lambda _: None)
        # one BLAS thread for every fit, set once (threadpoolctl limits are process-wide, so
        # threads must not set and restore them one by one)
        with threadpool_limits(1):
            tell("full fit")
            self.estimator_ = _fit_one(base, X, y, weight)
            self.classes_ = np.asarray(self.estimator_.classes_)
            decision = np.zeros((len(y), len(self.classes_)))
            extra = (None if companions is None
                     else np.zeros((len(companions.owner), len(self.classes_))))
            start = self.estimator_ if hasattr(self.estimator_, "coef_") else None

            def keep(held: np.ndarray,
                     part: tuple[np.ndarray, np.ndarray | None, np.ndarray | None]) -> None:
                decision[held] = part[0]
                if extra is not None and part[1] is not None:
                    extra[part[1]] = part[2]

            if self.n_jobs == 1 or len(splits) == 1:
                for k, (fit, held) in enumerate(splits, start=1):
                    tell(f"fold {k}/{len(splits)}")
                    keep(held, _fold_decision(base, X, y, weight, fit, held, start, companions))
            else:
                from joblib import Parallel, delayed

                # the folds share the cores: each fits on one thread
                single = (clone(base).set_params(n_threads=1)
                          if "n_threads" in base.get_params() else base)
                parts = Parallel(n_jobs=self.n_jobs, prefer="threads", return_as="generator")(
                    delayed(_fold_decision)(single, X, y, weight, fit, held, start, companions)
                    for fit, held in splits)
                tell(f"{len(splits)} folds, {self.n_jobs} threads")
                for k, ((_, held), part) in enumerate(zip(splits, parts), start=1):
                    keep(held, part)
                    if k < len(splits):  # one step per fold in all, as in the serial loop
                        tell(f"fold {k}/{len(splits)} done")
        tell("temperature")
        index = np.searchsorted(self.classes_, y)
        self.beta_ = _temperature(decision, index, weight if calibration_weight is None
                                  else np.asarray(calibration_weight, dtype=np.float64))
        if not held_out_ok:
            return None
        if companions is not None and extra is not None:
            companions.proba = softmax(self.beta_ * extra, axis=1)
        return softmax(self.beta_ * decision, axis=1)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def decision_function(self, X: Any) -> np.ndarray:
        """The linear model's decision values (before the temperature)."""
        from sklearn.utils.validation import validate_data

        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=None, reset=False)
        return np.asarray(self.estimator_.decision_function(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes_`` order."""
        z = _logits(self.decision_function(X))  # checks that it is fitted
        return np.asarray(softmax(self.beta_ * z, axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest probability."""
        best = self.predict_proba(X).argmax(axis=1)
        return np.asarray(self.classes_[best])


def fit_classifier(classifier: Any, features: Any, targets: Any, sample_weight: Any = None, *,
                   groups: Sequence[object] | None = None, calibration_weight: Any = None,
                   cv: int = 5, random_state: int = 0,
                   step: Callable[[str], None] | None = None,
                   companions: Companions | None = None) -> np.ndarray | None:
    """Fit a model's last step on its features; return held-out probabilities of the rows.

    Parameters
    ----------
    classifier : TemperatureCalibratedClassifier or sklearn.calibration.CalibratedClassifierCV
        Fitted in place.
    features, targets : the training rows and their labels
    sample_weight : array-like, optional
        Passed to every fit and to the temperature.
    groups : sequence, optional
        Group of each row (its text): rows of one group are held out together.
    calibration_weight : array-like, optional
        Weights of the rows in the temperature fit (default: ``sample_weight``); only for a
        :class:`TemperatureCalibratedClassifier`.
    cv, random_state : int
        Folds of the held-out sample (for a ``CalibratedClassifierCV``, which has its own).
    step : callable, optional
        Called with a short description before each fit (a progress bar).
    companions : Companions, optional
        Rows to score out-of-fold with their owners' fold models (temperature calibration
        only; their ``proba`` stays None otherwise).

    Returns
    -------
    ndarray of shape (n, n_classes) or None
        Held-out probabilities in the classifier's ``classes_`` order; None when there are
        none (another kind of linear model, or too few distinct texts of a label).
    """
    if isinstance(classifier, TemperatureCalibratedClassifier):
        held = classifier._fit(features, targets, sample_weight, groups=groups,
                               calibration_weight=calibration_weight, step=step,
                               companions=companions)
        # only a plain logistic regression has its sample (as before: a warm-start model's
        # offset regression is estimated with EM)
        return held if is_plain_logit(classifier.estimator_) else None
    if calibration_weight is not None:
        raise ValueError("calibration_weight needs calibration='temperature' (sigmoid and "
                         "isotonic calibration weight rows by sample_weight)")
    if step is not None:
        step("calibration folds")
    if sample_weight is None:
        classifier.fit(features, targets)
    else:
        classifier.fit(features, targets, sample_weight=sample_weight)
    if step is not None:
        step("held-out folds")
    proba = held_out_proba(classifier, features, list(targets), cv=cv,
                           random_state=random_state, groups=groups)
    if proba is None:
        return None
    # held_out_proba answers in LABELS order; this function answers in classes_ order
    return proba[:, [list(LABELS).index(c) for c in classifier.classes_]]


@contextmanager
def fit_progress(cv: int, show_progress: bool | None) -> Iterator[Callable[[str], None]]:
    """A tqdm bar over the stages of a fit; yields ``step(description)``, called as each starts.

    ``show_progress=None`` shows it on a terminal only, and only once the fit has taken two
    seconds; True shows it at once, False never.
    """
    from tqdm import tqdm  # tqdm.auto warns in notebooks without ipywidgets

    disable = None if show_progress is None else not show_progress
    with tqdm(total=cv + 4, desc="fitting", unit="step", disable=disable,
              delay=0 if show_progress else 2) as bar:
        started = False

        def step(what: str) -> None:
            nonlocal started
            if started:
                bar.update(1)
            started = True
            bar.set_postfix_str(what)

        yield step
        if started:
            bar.update(1)
            bar.total = bar.n
            bar.refresh()
