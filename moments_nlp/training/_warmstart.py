"""Few-shot warm start: a new-domain model that starts from a fitted base model.

:class:`WarmStartEstimator` fits a logistic regression on the new (small) labeled data whose
logits start from the base model's (prior-regularized transfer, a MAP adaptation)::

    z(text) = base_weight * z_base(text) + [x_new(text), x_base(text)] @ W + b

* ``z_base`` are the base model's logits (a fixed offset, not a feature with a learned weight);
* ``x_base`` are the base model's own features (its fitted vocabulary, not refitted) and
  ``x_new`` the features of a vocabulary fitted on the new texts;
* ``W`` is L2-penalized toward 0 (strength ``1 / C``), so the base's weights are the prior the
  new data moves away from only as far as it has evidence to: on the base's vocabulary the
  effective weights are ``base_weight * W_base + W``, and new-domain words get their own.

Probabilities are calibrated like :class:`~moments_nlp.MomentClassifier`'s (temperature
scaling on held-out folds). ``base_weight=0`` fits the plain model. ``predict`` is inherited,
and the public :class:`moments_nlp.classifier.WarmStartClassifier` adds ``label``, ``evaluate``,
``save`` and the other public methods; the base's vocabulary and weights travel inside the
saved file (the base model itself is kept as the ``base`` parameter).

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["lovely staff", "rude and late", "it was a flight"] * 6
>>> clf = mn.train(texts, ["magic", "misery", "ordinary"] * 6, base=mn.load(), cv=2)
>>> clf.predict(["lovely staff"])
['magic']
>>> clf.base_weight_
1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from moments_nlp._texts import as_text_list
from moments_nlp.errors import InputError, TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels
from moments_nlp.model.estimator import MomentEstimator, linear_weights
from moments_nlp.model.features import TokenFeatures

__all__ = ["WarmStartEstimator"]

_CLASSES = tuple(sorted(LABELS))  # the order scikit-learn gives the classifier's classes_


def _base_parts(base: MomentEstimator) -> tuple[TokenFeatures, np.ndarray, np.ndarray]:
    """The base's fitted features and its linear weights, rows in ``_CLASSES`` order."""
    coef, intercept, scale = linear_weights(base)  # rows in LABELS order
    order = [LABELS.index(label) for label in _CLASSES]
    features = base.pipeline_.named_steps["features"]
    return features, coef[order] * scale, intercept[order] * scale


class _TransferFeatures(TransformerMixin, BaseEstimator):
    """``[new-vocabulary features, base features, base_weight * base logits]`` of token lists.

    Only the new vocabulary (a clone of ``features``) is fitted; the base parts are fitted
    already. The last ``len(LABELS)`` columns are the offset read by
    :class:`_OffsetLogisticRegression`.
    """

    def __init__(self, *, features: TokenFeatures | None = None,
                 base_features: TokenFeatures | None = None,
                 base_coef: np.ndarray | None = None, base_intercept: np.ndarray | None = None,
                 base_weight: float = 1.0) -> None:
        self.features = features
        self.base_features = base_features
        self.base_coef = base_coef
        self.base_intercept = base_intercept
        self.base_weight = base_weight

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X: Sequence[Sequence[str]], y: object = None) -> _TransferFeatures:
        template = self.features if self.features is not None else TokenFeatures()
        self.features_ = clone(template).fit(X)
        return self

    def familiarity(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        """Familiarity (see :meth:`TokenFeatures.familiarity`) under the new or the base
        vocabulary, whichever knows more of the text."""
        check_is_fitted(self, "features_")
        own = self.features_.familiarity(X)
        base = getattr(self.base_features, "familiarity", None)
        return own if base is None else np.fmax(own, base(X))

    def transform(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        check_is_fitted(self, "features_")
        if self.base_features is None or self.base_coef is None or self.base_intercept is None:
            raise InputError("_TransferFeatures needs base_features, base_coef and "
                             "base_intercept from a fitted base model; got None")
        on_base = self.base_features.transform(X)
        offset = self.base_weight * (on_base @ np.asarray(self.base_coef).T
                                     + np.asarray(self.base_intercept))
        return sp.hstack([self.features_.transform(X), on_base, offset], format="csr",
                         dtype=np.float64)


class _OffsetLogisticRegression(ClassifierMixin, BaseEstimator):
    """Multinomial L2 logistic regression whose last ``n_classes`` columns are a fixed offset.

    Equivalent to a linear model with the offset columns' coefficients fixed to the identity
    (``coef_`` holds that block too, so it is an ordinary linear model for explanations).
    """

    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced",
                 max_iter: int = 3000) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: sp.spmatrix, y: Sequence[str]) -> _OffsetLogisticRegression:
        labels = np.asarray(y, dtype=object)
        self.classes_ = np.unique(labels)
        k = len(self.classes_)
        X = sp.csr_matrix(X, dtype=np.float64)
        features, offset = X[:, :-k], X[:, -k:].toarray()
        onehot = (labels[:, None] == self.classes_[None, :]).astype(np.float64)
        weight = (compute_sample_weight(self.class_weight, labels) if self.class_weight
                  else np.ones(len(labels)))[:, None]
        p = features.shape[1]

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            coef, intercept = theta[:p * k].reshape(p, k), theta[p * k:]
            z = features @ coef + intercept + offset
            log_p = z - logsumexp(z, axis=1, keepdims=True)
            resid = weight * (np.exp(log_p) - onehot)
            value = -float((weight * onehot * log_p).sum()) * self.C + 0.5 * float(
                (coef * coef).sum())
            grad = np.concatenate([(self.C * (features.T @ resid) + coef).ravel(),
                                   self.C * resid.sum(axis=0)])
            return value, grad

        result = minimize(loss, np.zeros(p * k + k), jac=True, method="L-BFGS-B",
                          options={"maxiter": self.max_iter})
        self.coef_ = np.hstack([result.x[:p * k].reshape(p, k).T, np.eye(k)])
        self.intercept_ = result.x[p * k:]
        self.n_iter_ = np.array([result.nit])
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return np.asarray(X @ self.coef_.T + self.intercept_)

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        z = self.decision_function(X)
        return np.exp(z - logsumexp(z, axis=1, keepdims=True))

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        return np.asarray(self.classes_[self.decision_function(X).argmax(axis=1)])


class WarmStartEstimator(MomentEstimator):
    """A :class:`MomentEstimator` fitted on new data starting from a fitted base model.

    The estimator core of :class:`moments_nlp.classifier.WarmStartClassifier`, which adds the
    public methods of :class:`moments_nlp.MomentClassifier`.

    Parameters
    ----------
    base : MomentClassifier
        A fitted model (e.g. ``mn.load()``); it is not refitted.
    base_weight : float, default 1.0
        Scale of the base's logits in the starting point (1 = the base as it is; 0 = ignore
        the base and fit the plain model).
    **params
        Every parameter of :class:`MomentClassifier` (``C`` penalizes the distance from
        the base).

    Attributes
    ----------
    base_weight_ : float
        The weight in use.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> from moments_nlp.training._warmstart import WarmStartEstimator
    >>> texts = ["great crew", "lost my bag", "flight at 9"] * 4
    >>> clf = WarmStartEstimator(base=mn.load(), cv=2).fit(texts, ["magic", "misery",
    ...                                                             "ordinary"] * 4)
    >>> clf.predict(["lost my bag"])
    ['misery']
    """

    def __init__(self, *, base: MomentEstimator | None = None, base_weight: float = 1.0,
                 **params: Any) -> None:
        super().__init__(**params)
        self.base = base
        self.base_weight = base_weight

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # MomentClassifier's parameters plus ours (our __init__ takes **params, which
        # scikit-learn's signature introspection does not allow).
        return sorted(set(MomentEstimator._get_param_names()) | {"base", "base_weight"})

    def _build(self) -> Pipeline:
        plain = super()._build()
        if float(self.base_weight) <= 0:
            return plain
        features, coef, intercept = _base_parts(self.base)  # type: ignore[arg-type]
        transfer = _TransferFeatures(features=plain.named_steps["features"],
                                     base_features=features, base_coef=coef,
                                     base_intercept=intercept,
                                     base_weight=float(self.base_weight))
        # the plain model's calibrator, with the offset regression as its estimator
        calibrated = plain.named_steps["classifier"].set_params(
            estimator=_OffsetLogisticRegression(C=self.C, class_weight=self.class_weight))
        return Pipeline([
            ("preprocess", plain.named_steps["preprocess"]),
            ("features", transfer),
            ("classifier", calibrated),
        ])

    def fit(self, X: Iterable[object], y: Iterable[object],
            sample_weight: Iterable[float] | None = None, *,
            groups: Iterable[object] | None = None,
            calibration_weight: Iterable[float] | None = None,
            show_progress: bool | None = False) -> WarmStartEstimator:
        """Fit on the new texts and labels, starting from the base. Returns ``self``.

        Raises
        ------
        TrainingDataError
            Without a fitted ``base``, for a negative ``base_weight``, or for the reasons
            :meth:`MomentClassifier.fit` gives.
        """
        if self.base is None or not hasattr(self.base, "pipeline_"):
            raise TrainingDataError("WarmStartClassifier needs a fitted base model, e.g. "
                                    "base=mn.load(); got "
                                    f"{type(self.base).__name__ if self.base else None}")
        if not float(self.base_weight) >= 0:
            raise TrainingDataError(f"base_weight must be >= 0, got {self.base_weight!r}")
        super().fit(as_text_list(X), normalize_labels(y), sample_weight=sample_weight,
                    groups=groups, calibration_weight=calibration_weight,
                    show_progress=show_progress)
        self.base_weight_ = float(self.base_weight)
        return self

    def base_info_(self) -> dict[str, Any]:
        """What the card records about the base: its card summary, weight and method."""
        card = dict(getattr(self.base, "card_", {}) or {})
        training = card.get("training", {})
        return {
            "name": card.get("name", "unnamed"),
            "estimator_sha256": card.get("estimator", {}).get("sha256"),
            "training_rows": training.get("rows"),
            "training_sha256": training.get("sha256"),
            "sources": [s.get("name") for s in card.get("sources", [])],
            "weight": getattr(self, "base_weight_", None),
            "method": "prior-regularized transfer: logistic regression on new + base features "
                      "with the base's logits as offset (L2 toward the base's weights)",
        }
