"""Scoring labeled data: accuracy, macro-F1, per-class figures, confusion matrix and ECE.

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.2, 0.7]])
>>> report = evaluate_predictions(["magic", "misery"], proba)
>>> report.accuracy, report.macro_f1
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from moments_nlp.labels import LABELS

__all__ = ["EvaluationReport", "evaluate_predictions", "expected_calibration_error"]


def expected_calibration_error(truth: Sequence[str], proba: np.ndarray, *, bins: int = 15) -> float:
    """Expected calibration error of the top-label confidence (equal-width bins).

    Parameters
    ----------
    truth : sequence of str
        True labels.
    proba : ndarray of shape (n, 3)
        Probabilities in ``LABELS`` order.
    bins : int, default 15

    Returns
    -------
    float
        Weighted mean gap between confidence and accuracy, from 0 (perfect) to 1.

    Examples
    --------
    >>> round(expected_calibration_error(["magic"], np.array([[0.8, 0.1, 0.1]])), 3)
    0.2
    """
    if len(truth) == 0:
        return float("nan")
    confidence = proba.max(axis=1)
    predicted = np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)]
    correct = predicted == np.asarray(truth, dtype=object)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


@dataclass(frozen=True)
class EvaluationReport:
    """Figures of a model on labeled data.

    Attributes
    ----------
    accuracy, macro_f1, ece : float
    n : int
        Number of texts scored.
    per_class : pandas.DataFrame
        Index ``LABELS``; columns ``precision``, ``recall``, ``f1``, ``support``.
    confusion : pandas.DataFrame
        Rows = true label, columns = predicted label, both in ``LABELS`` order.
    """

    accuracy: float
    macro_f1: float
    ece: float
    n: int
    per_class: pd.DataFrame = field(repr=False)
    confusion: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as stored in a model card."""
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "ece": round(self.ece, 4),
            "per_class": {
                label: {k: (int(v) if k == "support" else round(float(v), 4))
                        for k, v in row.items()}
                for label, row in self.per_class.iterrows()
            },
            "confusion": {str(k): {str(c): int(v) for c, v in row.items()}
                          for k, row in self.confusion.iterrows()},
        }

    def __str__(self) -> str:
        lines = [
            f"texts scored     {self.n}",
            f"accuracy         {self.accuracy:.4f}",
            f"macro-F1         {self.macro_f1:.4f}",
            f"calibration ECE  {self.ece:.4f}",
            "",
            "per class:",
            self.per_class.to_string(float_format=lambda v: f"{v:.4f}"),
            "",
            "confusion (rows = true, columns = predicted):",
            self.confusion.to_string(),
        ]
        return "\n".join(lines)


def evaluate_predictions(truth: Sequence[str], proba: np.ndarray) -> EvaluationReport:
    """Build an :class:`EvaluationReport` from true labels and predicted probabilities.

    Parameters
    ----------
    truth : sequence of str
        True labels from ``LABELS``.
    proba : ndarray of shape (n, 3)
        Predicted probabilities in ``LABELS`` order.

    Returns
    -------
    EvaluationReport
    """
    truth = list(truth)
    proba = np.asarray(proba, dtype=float).reshape(len(truth), len(LABELS))
    predicted = [LABELS[i] for i in proba.argmax(axis=1)]
    labels = list(LABELS)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support}, index=labels
    )
    confusion = pd.DataFrame(
        confusion_matrix(truth, predicted, labels=labels), index=labels, columns=labels
    )
    confusion.index.name = "true"
    return EvaluationReport(
        accuracy=float(accuracy_score(truth, predicted)) if truth else float("nan"),
        # macro-F1 over the labels that occur (in truth or predictions): a label absent from both
        # says nothing about the model and would count as an F1 of 0
        macro_f1=float(f1_score(truth, predicted, average="macro", zero_division=0,
                                labels=[x for x in labels if x in set(truth) | set(predicted)]))
        if truth else float("nan"),
        ece=expected_calibration_error(truth, proba),
        n=len(truth),
        per_class=per_class,
        confusion=confusion,
    )
