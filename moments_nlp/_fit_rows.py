"""The rows :meth:`MomentClassifier.fit <moments_nlp.model.MomentClassifier.fit>` learns from.

The texts, labels and per-row inputs (``sample_weight``, ``groups``, ``calibration_weight``) are
checked (one value per text, no blank text, enough examples of every label) and put in one
canonical order: the folds of the calibration and of the share sample are drawn over row
positions, so fitting on sorted rows makes the model a function of the rows, not of the order
they came in.

Examples
--------
>>> rows = fit_rows(["b", "a", "c", "d"], ["magic", "misery", "ordinary", "magic"],
...                 sample_weight=[1, 3, 1, 1], min_per_label=1)
>>> rows.texts, rows.labels, rows.weights.tolist(), rows.groups
(['a', 'b', 'c', 'd'], ['misery', 'magic', 'ordinary', 'magic'], [2.0, 0.6666666666666666, \
0.6666666666666666, 0.6666666666666666], ['a', 'b', 'c', 'd'])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels

__all__ = ["FitRows", "fit_rows", "share_sample"]


@dataclass
class FitRows:
    """Checked training rows in canonical order.

    Attributes
    ----------
    texts, labels : list of str
    weights : numpy.ndarray or None
        ``sample_weight`` scaled to mean 1.
    calibration : numpy.ndarray or None
        ``calibration_weight`` as given (the temperature fit does not depend on its scale).
    groups : list
        The group of each row; by default its text (copies of a text are held out together).
    """

    texts: list[str]
    labels: list[str]
    weights: np.ndarray | None
    calibration: np.ndarray | None
    groups: list[object]


def _row_weights(name: str, values: Iterable[float] | None, n: int) -> np.ndarray | None:
    """One non-negative weight per text, not all zero (None stays None)."""
    if values is None:
        return None
    weights = np.asarray(list(values), dtype=float)
    if weights.shape != (n,) or not np.all(weights >= 0) or not weights.sum() > 0:
        raise TrainingDataError(
            f"{name} needs one non-negative number per text ({n}), not all zero; got "
            f"{weights.shape[0]} values, min {weights.min() if weights.size else 'n/a'}, "
            f"sum {weights.sum() if weights.size else 'n/a'}")
    return weights


def fit_rows(X: Iterable[object], y: Iterable[object],
             sample_weight: Iterable[float] | None = None, *,
             groups: Iterable[object] | None = None,
             calibration_weight: Iterable[float] | None = None,
             min_per_label: int = 2) -> FitRows:
    """Check the training rows and sort them (see the module docstring).

    Raises
    ------
    TrainingDataError
        If lengths differ, a weight is negative (or all are zero), a text is blank, or a label
        has fewer than ``min_per_label`` examples.
    UnknownLabelError
        For label values outside the vocabulary (listed with counts).
    """
    texts = as_text_list(X)
    labels = normalize_labels(y)
    if len(texts) != len(labels):
        raise TrainingDataError(f"got {len(texts)} texts but {len(labels)} labels")
    weights = _row_weights("sample_weight", sample_weight, len(texts))
    calibration = _row_weights("calibration_weight", calibration_weight, len(texts))
    group_of = None if groups is None else list(groups)
    if group_of is not None and len(group_of) != len(texts):
        raise TrainingDataError(f"groups needs one value per text ({len(texts)}); got "
                                f"{len(group_of)}")
    blank = [i for i, text in enumerate(texts) if is_blank(text)]
    if blank:
        raise TrainingDataError(
            f"{len(blank)} blank texts at rows {blank[:10]}; drop them before fitting "
            "(mn.train drops and counts them for you)"
        )
    counts = pd.Series(labels).value_counts()
    short = {label: int(counts.get(label, 0)) for label in LABELS
             if counts.get(label, 0) < min_per_label}
    if short:
        raise TrainingDataError(
            f"every label needs at least {min_per_label} examples; too few for {short}"
        )
    order = sorted(range(len(texts)), key=lambda i: (
        texts[i], labels[i], 0.0 if weights is None else float(weights[i]),
        "" if group_of is None else str(group_of[i]),
        0.0 if calibration is None else float(calibration[i])))
    sorted_texts = [texts[i] for i in order]
    return FitRows(
        texts=sorted_texts, labels=[labels[i] for i in order],
        weights=None if weights is None else weights[order] / weights.mean(),
        calibration=None if calibration is None else calibration[order],
        groups=list(sorted_texts) if group_of is None else [group_of[i] for i in order])


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
    from moments_nlp.kde_shares import validation_sample
    from moments_nlp.shares import reference_from_proba

    held_out = held_out[:, [classes.index(label) for label in LABELS]]
    kept = np.ones(len(texts), bool) if calibration is None else calibration > 0
    first = np.flatnonzero(~pd.Series(texts).duplicated().to_numpy() & kept)
    proba, sample_labels = validation_sample(held_out[first], [labels[i] for i in first],
                                             random_state=random_state)
    rows = np.flatnonzero(kept)
    reference = np.asarray(list(reference_from_proba(
        held_out[rows], [labels[i] for i in rows]).values()))
    return proba, sample_labels, reference
