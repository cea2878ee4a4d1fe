"""Few-shot warm start: a new-domain model that also leans on a fitted base model.

:class:`WarmStartClassifier` fits an ordinary :class:`~moments_nlp.model.MomentClassifier` on the
new (small) labeled data and pools its calibrated probabilities with the base model's as a
weighted geometric mean (a product of experts)::

    p(label | text)  ∝  p_new(label | text) ** (1 - w)  *  p_base(label | text) ** w

The weight ``w`` is chosen by stratified cross-validation on the new data alone (out-of-fold
macro-F1 over a small grid that includes 0; a weight above 0 must gain at least ``MIN_GAIN``),
so a base model that does not help in the new domain gets weight 0 and the result falls back to
the plain model. Everything else (``predict``,
``label``, ``evaluate``, ``save``) is inherited; the fitted base travels inside the saved file.

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["lovely staff", "rude and late", "it was a flight"] * 6
>>> clf = mn.train(texts, ["magic", "misery", "ordinary"] * 6, base=mn.load(), cv=2)
>>> clf.predict(["lovely staff"])
['magic']
>>> 0.0 <= clf.base_weight_ <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from moments_nlp._texts import as_text_list
from moments_nlp.errors import TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels
from moments_nlp.model import MomentClassifier

__all__ = ["MIN_GAIN", "WEIGHT_GRID", "WarmStartClassifier"]

#: Base-model weights tried by cross-validation when ``base_weight="auto"``.
WEIGHT_GRID: tuple[float, ...] = (0.0, 0.1, 0.2)

#: A base weight above 0 is used only if it beats weight 0 by this much out-of-fold macro-F1
#: (with a few hundred rows, smaller differences are noise; larger weights hurt on airline).
MIN_GAIN = 0.005

_FLOOR = 1e-6


def _pool(p_new: np.ndarray, p_base: np.ndarray, weight: float) -> np.ndarray:
    if weight <= 0:
        return p_new
    log = ((1 - weight) * np.log(np.clip(p_new, _FLOOR, 1))
           + weight * np.log(np.clip(p_base, _FLOOR, 1)))
    log -= log.max(axis=1, keepdims=True)
    out = np.exp(log)
    return np.asarray(out / out.sum(axis=1, keepdims=True))


class WarmStartClassifier(MomentClassifier):
    """A :class:`MomentClassifier` fitted on new data and pooled with a fitted base model.

    Parameters
    ----------
    base : MomentClassifier
        A fitted model (e.g. ``mn.load()``); it is not refitted.
    base_weight : float or "auto", default "auto"
        Weight ``w`` of the base in the pooled log-probabilities; ``"auto"`` picks it from
        :data:`WEIGHT_GRID` by ``weight_folds``-fold cross-validation on the new data.
    weight_folds : int, default 5
    **params
        Every parameter of :class:`MomentClassifier`.

    Attributes
    ----------
    base_weight_ : float
        The weight in use.
    weight_scores_ : dict
        Out-of-fold macro-F1 of each weight tried (empty when ``base_weight`` is a number).
    """

    def __init__(self, *, base: MomentClassifier | None = None, base_weight: float | str = "auto",
                 weight_folds: int = 5, **params: Any) -> None:
        super().__init__(**params)
        self.base = base
        self.base_weight = base_weight
        self.weight_folds = weight_folds

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # MomentClassifier's parameters plus ours (our __init__ takes **params, which
        # scikit-learn's signature introspection does not allow).
        own = ["base", "base_weight", "weight_folds"]
        return sorted(set(MomentClassifier._get_param_names()) | set(own))

    def _plain_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.get_params(deep=False).items()
                if k in MomentClassifier._get_param_names()}

    def fit(self, X: Iterable[object], y: Iterable[object]) -> WarmStartClassifier:
        """Fit the new-domain model, then choose the base weight. Returns ``self``.

        Raises
        ------
        TrainingDataError
            Without a fitted ``base``, or for the reasons :meth:`MomentClassifier.fit` gives.
        """
        if self.base is None or not hasattr(self.base, "pipeline_"):
            raise TrainingDataError("WarmStartClassifier needs a fitted base model, e.g. "
                                    "base=mn.load(); got "
                                    f"{type(self.base).__name__ if self.base else None}")
        texts = as_text_list(X)
        labels = normalize_labels(y)
        super().fit(texts, labels)
        if self.base_weight == "auto":
            self.weight_scores_ = self._score_weights(texts, labels)
            best = max(self.weight_scores_, key=lambda w: (self.weight_scores_[w], -w))
            gain = self.weight_scores_[best] - self.weight_scores_.get(0.0, float("nan"))
            self.base_weight_ = best if gain >= MIN_GAIN else 0.0
        else:
            self.weight_scores_ = {}
            self.base_weight_ = float(self.base_weight)
        return self

    def _score_weights(self, texts: Sequence[str], labels: Sequence[str]) -> dict[float, float]:
        y = np.asarray(labels, dtype=object)
        smallest = min(int((y == label).sum()) for label in LABELS)
        folds = min(self.weight_folds, smallest)
        if folds < 2:
            return {0.0: float("nan")}
        p_new = np.zeros((len(texts), len(LABELS)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        params = self._plain_params()
        params["cv"] = min(params["cv"], max(2, smallest * (folds - 1) // folds))
        for fit_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            model = MomentClassifier(**params).fit([texts[i] for i in fit_idx], y[fit_idx])
            p_new[test_idx] = model._proba_array([texts[i] for i in test_idx])
        p_base = self.base._proba_array(list(texts))  # type: ignore[union-attr]
        names = np.asarray(LABELS, dtype=object)
        return {w: round(float(f1_score(y, names[_pool(p_new, p_base, w).argmax(axis=1)],
                                         average="macro")), 4)
                for w in WEIGHT_GRID}

    def _proba_array(self, texts: Sequence[str]) -> np.ndarray:
        p_new = super()._proba_array(texts)
        weight = getattr(self, "base_weight_", 0.0)
        if weight <= 0 or not len(texts):
            return p_new
        return _pool(p_new, self.base._proba_array(texts), weight)  # type: ignore[union-attr]

    def base_info_(self) -> dict[str, Any]:
        """What the card records about the base: its card summary, weight and CV scores."""
        card = dict(getattr(self.base, "card_", {}) or {})
        training = card.get("training", {})
        return {
            "name": card.get("name", "unnamed"),
            "estimator_sha256": card.get("estimator", {}).get("sha256"),
            "training_rows": training.get("rows"),
            "training_sha256": training.get("sha256"),
            "sources": [s.get("name") for s in card.get("sources", [])],
            "weight": getattr(self, "base_weight_", None),
            "weight_scores": {str(k): v for k, v in getattr(self, "weight_scores_", {}).items()},
            "method": "geometric pooling of calibrated probabilities, weight chosen by CV",
        }
