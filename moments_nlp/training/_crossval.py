"""Cross-validated scores of a training recipe: the report, the learning curve, their text.

:func:`moments_nlp.train.train` with ``cv_folds=k`` stores :func:`cross_validate`'s report (and,
when asked, :func:`learning_curve`'s points) in the model card; :func:`format_cv_report` prints
it for the CLI. Each fold refits the same recipe from its parameters (a warm start keeps its
fitted base model).

Examples
--------
>>> texts = ["great", "awful", "fine"] * 6
>>> report, proba = cross_validate(texts, ["magic", "misery", "ordinary"] * 6, folds=2, cv=2)
>>> proba.shape
(18, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from moments_nlp.labels import LABELS
from moments_nlp.model.estimator import MomentEstimator
from moments_nlp.model.persist import load_model
from moments_nlp.training._warmstart import WarmStartEstimator
from moments_nlp.training.evaluate import EvaluationReport, evaluate_predictions

__all__ = ["cross_validate", "format_cv_report", "learning_curve", "make_estimator"]


def make_estimator(base: Any, options: dict[str, Any], *,
                   plain: type[MomentEstimator] = MomentEstimator,
                   warm: type[WarmStartEstimator] = WarmStartEstimator) -> MomentEstimator:
    """The unfitted estimator of a recipe: a ``plain`` one, or a ``warm`` start from ``base``.

    The cross-validation folds fit the estimator cores; :func:`moments_nlp.train` passes the
    public classes (:class:`moments_nlp.MomentClassifier` and its warm start), so the model it
    returns has the public methods.
    """
    if base is None:
        return plain(**options)
    return warm(base=_resolve_base(base), **options)


def _resolve_base(base: Any) -> MomentEstimator:
    if isinstance(base, MomentEstimator):
        return base
    return load_model(base)


def _fresh(estimator: MomentEstimator) -> MomentEstimator:
    # not sklearn.clone: that would also clone (and so un-fit) a warm start's base model
    return type(estimator)(**estimator.get_params(deep=False))


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, base: Any = None,
    random_state: int = 0, show_progress: bool | None = False, **options: Any,
) -> tuple[EvaluationReport, np.ndarray]:
    """Stratified k-fold out-of-fold predictions of the training recipe.

    Parameters
    ----------
    texts, labels : sequence of str
        Clean data (labels from ``LABELS``; see :func:`validate_training_data`).
    folds : int, default 5
    base : MomentClassifier, path or "default", optional
        Score the warm-started recipe instead.
    random_state : int, default 0
    show_progress : bool, optional
        A bar over the folds, and each fold's fit bar over its stages, so the display keeps
        moving: None shows them on a terminal once a fit has taken two seconds; True always;
        False (default) never.
    **options
        Parameters of :class:`~moments_nlp.MomentClassifier`.

    Returns
    -------
    report : EvaluationReport
        Of the out-of-fold predictions.
    proba : ndarray of shape (n, 3)
        Out-of-fold probabilities in ``LABELS`` order (reused by
        :func:`moments_nlp.training.quality.find_label_issues`).
    """
    estimator = make_estimator(base, options)
    y = np.asarray(labels, dtype=object)
    proba = np.zeros((len(texts), len(LABELS)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    from tqdm import tqdm  # tqdm.auto warns in notebooks without ipywidgets

    disable = None if show_progress is None else not show_progress
    with tqdm(total=folds, desc="cross-validating", unit="fold", disable=disable,
              delay=0 if show_progress else 2) as bar:
        for fit_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            bar.set_postfix_str(f"fitting fold {bar.n + 1} of {folds}")
            model = _fresh(estimator).fit([texts[i] for i in fit_idx], y[fit_idx],
                                          show_progress=show_progress)
            proba[test_idx] = model._proba_array([texts[i] for i in test_idx])
            bar.update(1)
    return evaluate_predictions(list(y), proba), proba


def learning_curve(texts: Sequence[str], labels: Sequence[str], *, folds: int = 5,
                   fractions: Sequence[float] = (0.1, 0.25, 0.5), base: Any = None,
                   random_state: int = 0, **options: Any) -> list[dict[str, float]]:
    """Cross-validated macro-F1 when training on fractions of each fold's training part.

    Returns a list of ``{"rows": mean training rows, "macro_f1": ...}``, smallest first
    (the full-data point is the cross-validated report itself).
    """
    estimator = make_estimator(base, options)
    y = np.asarray(labels, dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    rng = np.random.default_rng(random_state)
    points = []
    for fraction in fractions:
        proba = np.zeros((len(texts), len(LABELS)))
        sizes = []
        for fit_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            chosen = np.concatenate([
                rng.choice(part, size=max(round(fraction * len(part)),
                                          min(len(part), max(estimator.cv, 2))), replace=False)
                for part in (fit_idx[y[fit_idx] == label] for label in LABELS)
            ])
            sizes.append(len(chosen))
            model = _fresh(estimator).fit([texts[i] for i in chosen], y[chosen])
            proba[test_idx] = model._proba_array([texts[i] for i in test_idx])
        report = evaluate_predictions(list(y), proba)
        points.append({"rows": float(np.mean(sizes)), "macro_f1": round(report.macro_f1, 4)})
    return points


def format_cv_report(metrics: dict[str, Any]) -> str:
    """A cross-validated report from a card (``card["metrics"]["cross_validated"]``) as text.

    Examples
    --------
    >>> m = {"folds": 5, "n": 9, "accuracy": 0.9, "macro_f1": 0.8, "ece": 0.05,
    ...      "per_class": {"magic": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}},
    ...      "confusion": {"magic": {"magic": 1, "misery": 1}}}
    >>> print(format_cv_report(m))
    cross-validated (5 folds, 9 texts): macro-F1 0.8000, accuracy 0.9000, ECE 0.0500
    <BLANKLINE>
    per class:
           precision  recall     f1  support
    magic     1.0000  0.5000 0.6670        2
    ...
    """
    lines = [f"cross-validated ({metrics.get('folds')} folds, {metrics.get('n')} texts): "
             f"macro-F1 {metrics['macro_f1']:.4f}, accuracy {metrics['accuracy']:.4f}, "
             f"ECE {metrics.get('ece', float('nan')):.4f}"]
    per_class = pd.DataFrame(metrics.get("per_class", {})).T
    if "support" in per_class:  # a count: printed as an integer, not as 13954.0000
        per_class["support"] = per_class["support"].astype(int)
    if not per_class.empty:
        lines += ["", "per class:", per_class.to_string(float_format=lambda v: f"{v:.4f}")]
    confusion = pd.DataFrame(metrics.get("confusion", {})).T.fillna(0).astype(int)
    if not confusion.empty:
        lines += ["", "confusion (rows = true, columns = predicted):", confusion.to_string()]
    return "\n".join(lines)
