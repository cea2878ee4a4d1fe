"""How a fitted pipeline turns texts into probabilities (``MomentClassifier._scores``).

Two paths give the same numbers:

* the **fast path** (:mod:`moments_nlp._fused`), for the default kind of model (a blank spaCy
  tokenizer, word uni- and bigrams): spaCy's token ids go straight to the feature counter;
* the **string path**, for any other pipeline: :meth:`SpacyPreprocessor.transform` gives token
  strings, the features step turns them into a matrix.

Both apply the sentence vote (:mod:`moments_nlp._sentence_vote`) when its weight is above 0, and
renormalize the calibrated probabilities in float64. Python's cyclic garbage collector is paused
meanwhile (:func:`moments_nlp._locks.gc_paused`).

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> scores = pipeline_scores(clf.pipeline_, clf._column_order(), ["Lovely crew"], 0.5, 1.0,
...                          familiar=True)
>>> scores.shape, bool(scores[0, :3].argmax() == 0)
((1, 4), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moments_nlp import _fused
from moments_nlp._locks import gc_paused

__all__ = ["pipeline_scores"]


def pipeline_scores(pipeline: Any, order: np.ndarray, texts: Sequence[str], alpha: float,
                    temperature: float, *, familiar: bool) -> np.ndarray:
    """Probabilities of ``texts`` with columns in ``order``; familiarity as a fourth column.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A fitted ``preprocess`` -> ``features`` -> ``classifier`` pipeline.
    order : ndarray of int
        The classifier's column of each label, in ``LABELS`` order.
    texts : sequence of str
        Texts that are neither blank nor non-answers.
    alpha, temperature : float
        The sentence vote's weight (0: off) and its inverse temperature.
    familiar : bool
        Add each text's familiarity as a fourth column (NaN for no words).

    Returns
    -------
    ndarray of shape (n, 3) or (n, 4)
    """
    steps = pipeline.named_steps
    preprocess, features, classifier = steps["preprocess"], steps["features"], steps["classifier"]

    def proba_of(matrix: Any) -> np.ndarray:
        p = np.asarray(classifier.predict_proba(matrix), dtype=np.float64)[:, order]
        return p / p.sum(axis=1, keepdims=True)  # float32 features: renormalize exactly

    with gc_paused():  # millions of small lists and arrays, none in a reference cycle
        if _fused.supports(preprocess, features):
            return _fused.fused_scores(preprocess, features, proba_of, texts, alpha,
                                       familiar=familiar, temperature=temperature)
        return _string_scores(preprocess, features, proba_of, texts, alpha, temperature,
                              familiar=familiar)


def _string_scores(preprocess: Any, features: Any, proba_of: Any, texts: Sequence[str],
                   alpha: float, temperature: float, *, familiar: bool) -> np.ndarray:
    def score(token_lists: list[list[str]]) -> np.ndarray:
        return np.asarray(proba_of(features.transform(token_lists)))

    if alpha > 0:
        from moments_nlp._sentence_vote import sentence_vote

        tokens, ends = preprocess.transform_sentences(list(texts))
        proba = sentence_vote(texts, tokens, ends, score(tokens), score, alpha,
                              temperature=temperature)
    else:
        tokens = preprocess.transform(list(texts))
        proba = score(tokens)
    if not familiar:
        return proba
    known = getattr(features, "familiarity", None)
    return np.column_stack([proba, known(tokens) if known is not None else np.ones(len(proba))])
