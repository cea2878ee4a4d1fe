"""How a :class:`~moments_nlp.MomentClassifier` fit runs, stage by stage.

0. :func:`build` makes the unfitted pipeline of the model's parameters;
1. the rows are checked and put in a canonical order (:func:`fit_rows`), so the fit does not
   depend on the order of the training rows (see below);
2. ``tokenize``: spaCy + normalization, once, with each text's sentence ends;
3. ``features``: vocabulary, TF-IDF and lexicon columns; the sentences of long texts become
   companion rows when the model votes over sentences;
4. the linear model, its ``cv`` calibration folds and the temperature
   (:func:`moments_nlp.model._calibrate.fit_classifier`), shown on the progress bar fold by fold;
5. the sentence vote's own temperature, fitted on the folds' held-out sentence scores, and the
   held-out sample kept for share estimates (:func:`moments_nlp.model._held_out.share_sample`).

The texts, labels and per-row inputs (``sample_weight``, ``groups``, ``calibration_weight``)
are checked (one value per text, no blank text, enough examples of every label) and put in one
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
>>> import moments_nlp as mn
>>> texts = ["Loved it", "Great crew", "Rude staff", "Lost my bag", "It was fine", "On time"] * 3
>>> labels = ["magic", "magic", "misery", "misery", "ordinary", "ordinary"] * 3
>>> model = mn.MomentClassifier(cv=2)
>>> fit_model(model, texts, labels, None, groups=None, calibration_weight=None,
...           show_progress=False)
>>> model.pipeline_.steps[-1][0], model.vote_temperature_
('classifier', 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels
from moments_nlp.model._calibrate import (
    TemperatureCalibratedClassifier,
    fit_classifier,
    fit_progress,
)
from moments_nlp.model._held_out import share_sample
from moments_nlp.model._newton import SparseNewtonLogit
from moments_nlp.model._sentence_vote import vote_companions, vote_temperature
from moments_nlp.model.encoder import pool_log_space
from moments_nlp.model.features import TokenFeatures
from moments_nlp.text._locks import gc_paused
from moments_nlp.text.preprocess import SpacyPreprocessor

__all__ = ["FitRows", "build", "fit_model", "fit_rows", "fold_threads"]

# ``model`` below is a MomentEstimator (moments_nlp.model.estimator), which imports this module:
# it is typed Any here so that the import runs one way.


def build(model: Any) -> Pipeline:
    """The unfitted pipeline of ``model``'s parameters: preprocess, features, classifier."""
    calibrated: Any
    if model.calibration == "temperature":  # one set of folds for calibration and shares
        # preconditioned Newton-CG on threads: lbfgs' optimum (same macro-F1 and ECE) in a
        # fraction of its time, and a fold started from the full fit's weights needs few steps
        threads = fold_threads(model)
        newton = SparseNewtonLogit(C=model.C, class_weight=model.class_weight, tol=1e-4,
                                   max_iter=3000, n_threads=threads)
        calibrated = TemperatureCalibratedClassifier(
            newton, cv=model.cv, random_state=model.random_state, n_jobs=threads)
    else:
        linear = LogisticRegression(C=model.C, class_weight=model.class_weight, max_iter=3000,
                                    random_state=model.random_state)
        calibrated = CalibratedClassifierCV(linear, method=model.calibration, cv=model.cv,
                                            ensemble=False)
    return Pipeline([
        ("preprocess", SpacyPreprocessor(model.pipeline, negation_scope=model.negation_scope,
                                         batch_size=model.batch_size,
                                         n_process=model.n_process)),
        ("features", TokenFeatures(ngram_max=model.ngram_max, subword=model.subword,
                                   lexicon_features=model.lexicon_features,
                                   min_df=model.min_df)),
        ("classifier", calibrated),
    ])


def fold_threads(model: Any) -> int:
    """Threads for the ``cv`` fold fits (and the full fit's sparse products): ``n_process``
    when set, else one per core."""
    if model.n_process > 1:
        return min(model.n_process, model.cv)
    from joblib import cpu_count

    return max(1, min(model.cv, cpu_count()))


def fit_model(model: Any, X: Iterable[object], y: Iterable[object],
              sample_weight: Iterable[float] | None, *, groups: Iterable[object] | None,
              calibration_weight: Iterable[float] | None,
              show_progress: bool | None) -> None:
    """Fit ``model`` in place: sets ``pipeline_``, ``vote_temperature_`` and the ``shares_*``
    attributes (the caller sets ``classes_``). The arguments are those of
    :meth:`~moments_nlp.MomentClassifier.fit`."""
    checked = fit_rows(X, y, sample_weight, groups=groups,
                       calibration_weight=calibration_weight, min_per_label=max(model.cv, 2))
    texts, labels, fold_groups = checked.texts, checked.labels, checked.groups
    row_weights, row_calibration = checked.weights, checked.calibration
    targets = np.asarray(labels, dtype=object)
    steps = model._build().steps  # a subclass may build its own
    prepare = Pipeline(steps[:-1])
    with fit_progress(model.cv, show_progress) as step:
        with gc_paused():  # millions of small lists, none in a reference cycle
            step("tokenize")
            tokens, ends = prepare.steps[0][1].fit(texts).transform_sentences(texts)
            step("features")
            featurize = Pipeline(prepare.steps[1:])
            features = featurize.fit_transform(tokens, targets)
            companions = (vote_companions(texts, tokens, ends, featurize)
                          if model._vote_weight() and model.calibration == "temperature"
                          else None)
            del tokens, ends
        classifier = steps[-1][1]
        held_out = fit_classifier(classifier, features, targets, row_weights,
                                  groups=fold_groups, calibration_weight=row_calibration,
                                  cv=model.cv, random_state=model.random_state, step=step,
                                  companions=companions)
        fit_encoder = getattr(model, "_fit_encoder", None)
        encoder_held_out = (fit_encoder(texts, labels, row_weights, row_calibration, step)
                            if fit_encoder is not None else None)
    model.pipeline_ = Pipeline([*prepare.steps, ("classifier", classifier)])
    model.vote_temperature_ = 1.0
    if held_out is not None and companions is not None and companions.proba is not None:
        # the voted texts' held-out probabilities, calibrated, go into the share sample
        model.vote_temperature_, held_out = vote_temperature(
            held_out, companions.owner, companions.proba, model.sentence_vote,
            np.searchsorted(classifier.classes_, targets),
            row_weights if row_calibration is None else row_calibration)
    if held_out is not None and encoder_held_out is not None:
        # the accurate tier: the share sample holds the pooled held-out probabilities
        columns = [list(LABELS).index(str(c)) for c in classifier.classes_]
        held_out = pool_log_space(held_out, encoder_held_out[:, columns],
                                  float(model.encoder_weight))
    model.shares_proba_, model.shares_labels_, model.shares_reference_ = share_sample(
        held_out, list(classifier.classes_), texts, labels, row_calibration,
        random_state=model.random_state)


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
