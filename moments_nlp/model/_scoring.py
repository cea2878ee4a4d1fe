"""How a fitted pipeline turns texts into probabilities (``MomentClassifier._scores``).

Two paths give the same numbers:

* the **fast path**, for the default kind of model (a blank spaCy tokenizer, word uni- and
  bigrams): spaCy's token ids go through the token table (:mod:`moments_nlp.text._table`)
  straight to the feature counter's numbers (:func:`encode`), and the features, the sentences
  and the familiarity are array arithmetic on them (:func:`fused_scores`);
* the **string path**, for any other pipeline (trigrams, lemmas, a spaCy pipeline with
  components): :meth:`SpacyPreprocessor.transform` gives token strings, the features step turns
  them into a matrix.

``tests/test_fused.py`` compares the two paths' feature matrices, sentence ends and
probabilities on thousands of real texts. Both apply the sentence vote
(:mod:`moments_nlp.model._sentence_vote`) when its weight is above 0, and renormalize the
calibrated probabilities in float64. Python's cyclic garbage collector is paused meanwhile
(:func:`moments_nlp.text._locks.gc_paused`).

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> scores = pipeline_scores(clf.pipeline_, clf._column_order(), ["Lovely crew"], 0.5, 1.0,
...                          familiar=True)
>>> scores.shape, bool(scores[0, :3].argmax() == 0)
((1, 4), True)
>>> steps = clf.pipeline_.named_steps
>>> encoded = encode(steps["preprocess"], steps["features"], ["Not good. Great crew!"])
>>> encoded.lengths.tolist(), encoded.end_at.tolist()
([5], [2, 5])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from moments_nlp.model._sentence_vote import blend, sentence_spans, sentence_vote
from moments_nlp.model.features import _COUNTER_LOCK, TokenFeatures
from moments_nlp.text._chunks import _ranges
from moments_nlp.text._locks import gc_paused
from moments_nlp.text._normalize import _NLP_LOCK
from moments_nlp.text._table import Encoded, _encode, _table
from moments_nlp.text.preprocess import SpacyPreprocessor

__all__ = ["encode", "fused_scores", "pipeline_scores", "supports"]


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
        if supports(preprocess, features):
            return fused_scores(preprocess, features, proba_of, texts, alpha,
                                       familiar=familiar, temperature=temperature)
        return _string_scores(preprocess, features, proba_of, texts, alpha, temperature,
                              familiar=familiar)


def _string_scores(preprocess: Any, features: Any, proba_of: Any, texts: Sequence[str],
                   alpha: float, temperature: float, *, familiar: bool) -> np.ndarray:
    def score(token_lists: list[list[str]]) -> np.ndarray:
        return np.asarray(proba_of(features.transform(token_lists)))

    if alpha > 0:
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


def supports(preprocess: Any, features: Any) -> bool:
    """Whether the fast path gives exactly the string path's output for these two steps."""
    if type(preprocess) is not SpacyPreprocessor or not isinstance(features, TokenFeatures):
        return False
    return preprocess._tokenizer_only() and features._fast_counter() is not None


def encode(preprocess: SpacyPreprocessor, features: TokenFeatures,
           texts: Sequence[str]) -> Encoded:
    """Tokenize ``texts`` and encode them for ``features`` (see the module docstring).

    Call :func:`supports` first. Holds the tokenizer lock and the counter lock throughout: the
    numbers are only valid for the counter's table as it is now, so use them while still
    holding ``_COUNTER_LOCK`` (as :func:`fused_scores` does).
    """
    with _NLP_LOCK, _COUNTER_LOCK:
        counter = features._fast_counter()
        if counter is None:  # pragma: no cover - supports() was checked
            raise ValueError("this model's features have no fast counter")
        return _encode(preprocess, _table(preprocess, counter), texts)


def fused_scores(preprocess: SpacyPreprocessor, features: TokenFeatures,
                 proba_of: Callable[[Any], np.ndarray], texts: Sequence[str], alpha: float, *,
                 familiar: bool, temperature: float = 1.0) -> np.ndarray:
    """``MomentClassifier._scores`` on the fast path: the probabilities of ``texts`` (with the
    sentence vote when ``alpha > 0``) and, with ``familiar=True``, familiarity as a fourth
    column. ``proba_of`` turns a feature matrix into probabilities; ``temperature`` is the
    vote's (see :func:`moments_nlp.model._sentence_vote.blend`)."""
    with _NLP_LOCK, _COUNTER_LOCK:
        encoded = encode(preprocess, features, texts)
        rows = encoded.rows()
        matrix = features._transform_encoded(encoded.numbers, rows, len(texts))
        none = np.zeros(0, dtype=np.int64)
        owner, start, stop = (sentence_spans(texts, encoded.lengths, encoded.end_text,
                                             encoded.end_at) if alpha > 0 else (none,) * 3)
        if len(owner):
            size = stop - start
            at = _ranges((np.cumsum(encoded.lengths) - encoded.lengths)[owner] + start, size)
            pieces = features._transform_encoded(
                encoded.numbers[at], np.repeat(np.arange(len(owner), dtype=np.int64), size),
                len(owner))
        known = (features._counter.familiarity(encoded.numbers, rows, len(texts))
                 if familiar else None)
    proba = proba_of(matrix)
    if len(owner):
        proba = blend(proba, owner, proba_of(pieces), alpha, temperature=temperature)
    return proba if known is None else np.column_stack([proba, known])
