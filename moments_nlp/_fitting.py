"""How a :class:`~moments_nlp.model.MomentClassifier` fit runs, stage by stage.

0. :func:`build` makes the unfitted pipeline of the model's parameters;
1. the rows are checked and put in a canonical order (:func:`moments_nlp._fit_rows.fit_rows`),
   so the fit does not depend on the order of the training rows;
2. ``tokenize``: spaCy + normalization, once, with each text's sentence ends;
3. ``features``: vocabulary, TF-IDF and lexicon columns; the sentences of long texts become
   companion rows when the model votes over sentences;
4. the linear model, its ``cv`` calibration folds and the temperature
   (:func:`moments_nlp._calibrate.fit_classifier`), shown on the progress bar fold by fold;
5. the sentence vote's own temperature, fitted on the folds' held-out sentence scores, and the
   held-out sample kept for share estimates (:func:`moments_nlp._fit_rows.share_sample`).

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
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from moments_nlp._calibrate import TemperatureCalibratedClassifier, fit_classifier, fit_progress
from moments_nlp._fit_rows import fit_rows, share_sample
from moments_nlp._locks import gc_paused
from moments_nlp._newton import SparseNewtonLogit
from moments_nlp._sentence_vote import vote_companions, vote_temperature
from moments_nlp.features import TokenFeatures
from moments_nlp.preprocess import SpacyPreprocessor

if TYPE_CHECKING:
    from moments_nlp.model import MomentClassifier

__all__ = ["build", "fit_model", "fold_threads"]


def build(model: MomentClassifier) -> Pipeline:
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


def fold_threads(model: MomentClassifier) -> int:
    """Threads for the ``cv`` fold fits (and the full fit's sparse products): ``n_process``
    when set, else one per core."""
    if model.n_process > 1:
        return min(model.n_process, model.cv)
    from joblib import cpu_count

    return max(1, min(model.cv, cpu_count()))


def fit_model(model: MomentClassifier, X: Iterable[object], y: Iterable[object],
              sample_weight: Iterable[float] | None, *, groups: Iterable[object] | None,
              calibration_weight: Iterable[float] | None,
              show_progress: bool | None) -> None:
    """Fit ``model`` in place: sets ``pipeline_``, ``vote_temperature_`` and the ``shares_*``
    attributes (the caller sets ``classes_``). The arguments are those of
    :meth:`~moments_nlp.model.MomentClassifier.fit`."""
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
    model.pipeline_ = Pipeline([*prepare.steps, ("classifier", classifier)])
    model.vote_temperature_ = 1.0
    if held_out is not None and companions is not None and companions.proba is not None:
        # the voted texts' held-out probabilities, calibrated, go into the share sample
        model.vote_temperature_, held_out = vote_temperature(
            held_out, companions.owner, companions.proba, model.sentence_vote,
            np.searchsorted(classifier.classes_, targets),
            row_weights if row_calibration is None else row_calibration)
    model.shares_proba_, model.shares_labels_, model.shares_reference_ = share_sample(
        held_out, list(classifier.classes_), texts, labels, row_calibration,
        random_state=model.random_state)
