"""The sentence vote: a long text's label also hears what each of its sentences says.

A long review often praises the brand and then reports the problem ("I love this shop, but the
dress arrived torn"); read whole, its many positive words win. With ``sentence_vote = a > 0``
(:class:`~moments_nlp.MomentClassifier`), a text of at least :data:`MIN_WORDS` words and
:data:`MIN_SENTENCES` sentences gets

    log p = (1 - a) * log p(whole text) + a * log mean_s p(sentence s)

(renormalized), where the sentences are its token list cut after ``.``, ``!`` or ``?``
(:meth:`~moments_nlp.text.preprocess.SpacyPreprocessor.transform_sentences`); shorter texts keep the
whole-text probabilities. It reads only the text itself, so a text's output never depends on its
neighbours. ``python bench/sentence_vote.py`` measures it by leave-one-domain-out: with ``a=0.5``
the held-out clothing reviews go from 0.473 to 0.492 macro-F1 (recipe ``sentences_both``),
tweets and short comments do not move.

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.8, 0.1, 0.1]])
>>> def score(pieces):  # one sentence praises, one complains
...     return np.array([[0.9, 0.05, 0.05], [0.05, 0.15, 0.8]])
>>> text = "I love this brand and I have bought from it for years, " * 3 + ". It tore."
>>> tokens = [["love", "brand", "years", "tore"]]
>>> sentence_vote([text], tokens, [[3]], proba, score, 0.5).round(3).tolist()
[[0.668, 0.108, 0.223]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import softmax

from moments_nlp.model._calibrate import Companions, _temperature

__all__ = ["MIN_SENTENCES", "MIN_WORDS", "blend", "list_spans", "pieces", "sentence_spans",
           "sentence_vote", "vote_companions", "vote_temperature"]

#: Texts shorter than this (in whitespace-separated words) keep the whole-text answer: the
#: sentences of a tweet are fragments, and voting them lowered the held-out airline tweets.
MIN_WORDS = 30
#: A text needs at least this many sentences to vote.
MIN_SENTENCES = 2


def sentence_vote(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                  ends: Sequence[Sequence[int]], proba: np.ndarray,
                  score: Callable[[list[list[str]]], np.ndarray], alpha: float, *,
                  min_words: int = MIN_WORDS, min_sentences: int = MIN_SENTENCES,
                  temperature: float = 1.0) -> np.ndarray:
    """Blend each long text's probabilities with the mean of its sentences' (see above).

    Parameters
    ----------
    texts, tokens, ends
        The texts, their token lists and the token positions where their sentences end.
    proba : ndarray of shape (n, k)
        Whole-text probabilities.
    score : callable
        Probabilities (same columns) of a list of token lists.
    alpha : float
        Weight of the sentences, 0 to 1.
    min_words, min_sentences : int
        The gate: shorter texts keep the whole-text probabilities (``bench/sentence_vote.py``
        tries other gates).
    temperature : float, default 1.0
        See :func:`blend`.

    Returns
    -------
    ndarray of shape (n, k)
        A new array; rows of short texts are unchanged.
    """
    owner, start, stop = list_spans(texts, tokens, ends, min_words=min_words,
                                    min_sentences=min_sentences)
    if not len(owner):
        return np.array(proba, dtype=np.float64)
    return blend(proba, owner, score(pieces(tokens, owner, start, stop)), alpha,
                 temperature=temperature)


def list_spans(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               ends: Sequence[Sequence[int]], *, min_words: int = MIN_WORDS,
               min_sentences: int = MIN_SENTENCES) -> tuple[np.ndarray, ...]:
    """:func:`sentence_spans` of token lists and their per-text sentence ends."""
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    end_text = np.repeat(np.arange(len(ends), dtype=np.int64), [len(e) for e in ends])
    end_at = np.fromiter(itertools.chain.from_iterable(ends), dtype=np.int64,
                         count=len(end_text))
    return sentence_spans(texts, lengths, end_text, end_at, min_words=min_words,
                          min_sentences=min_sentences)


def pieces(tokens: Sequence[Sequence[str]], owner: np.ndarray, start: np.ndarray,
           stop: np.ndarray) -> list[list[str]]:
    """The token lists of the sentences :func:`sentence_spans` found."""
    return [list(tokens[i][a:b]) for i, a, b in zip(owner.tolist(), start.tolist(),
                                                     stop.tolist())]


def sentence_spans(texts: Sequence[str], lengths: np.ndarray, end_text: np.ndarray,
                   end_at: np.ndarray, *, min_words: int = MIN_WORDS,
                   min_sentences: int = MIN_SENTENCES) -> tuple[np.ndarray, ...]:
    """The sentences of the texts that vote, as ``(owner, start, stop)`` token ranges.

    ``lengths`` are the texts' token counts; sentence ``j`` of the input ends at token
    ``end_at[j]`` of text ``end_text[j]``. A text votes when it has ``min_words`` words and at
    least ``min_sentences`` non-empty sentences.

    Examples
    --------
    >>> spans = sentence_spans(["a b c d"], np.array([4]), np.array([0]), np.array([2]),
    ...                        min_words=1)
    >>> [s.tolist() for s in spans]
    [[0, 0], [0, 2], [2, 4]]
    """
    n = len(lengths)
    texts_at = np.concatenate([end_text, np.arange(n), np.arange(n)]).astype(np.int64)
    points = np.concatenate([end_at, np.zeros(n, dtype=np.int64), lengths]).astype(np.int64)
    order = np.lexsort((points, texts_at))
    texts_at, points = texts_at[order], points[order]
    ok = (texts_at[1:] == texts_at[:-1]) & (points[1:] > points[:-1])
    owner, start, stop = texts_at[:-1][ok], points[:-1][ok], points[1:][ok]
    words = np.fromiter((len(text.split()) for text in texts), dtype=np.int64, count=n)
    votes = (words >= min_words) & (np.bincount(owner, minlength=n) >= min_sentences)
    keep = votes[owner]
    return owner[keep], start[keep], stop[keep]


def blend(proba: np.ndarray, owner: np.ndarray, each: np.ndarray, alpha: float, *,
          temperature: float = 1.0) -> np.ndarray:
    """``proba`` with the rows in ``owner`` blended with the mean of their sentences' ``each``.

    ``temperature`` (an inverse temperature, fitted out-of-fold by ``MomentClassifier.fit``:
    ``vote_temperature_``) scales the blended log-probabilities: the mean of a text's sentences
    is less sure than either part. Returns a new float64 array.
    """
    out = np.array(proba, dtype=np.float64)
    each = np.asarray(each, dtype=np.float64)
    rows, position = np.unique(owner, return_inverse=True)
    count = np.bincount(position)
    mean = np.column_stack([np.bincount(position, weights=each[:, j])
                            for j in range(each.shape[1])]) / count[:, None]
    tiny = np.finfo(np.float64).tiny
    log_p = ((1 - alpha) * np.log(np.maximum(out[rows], tiny))
             + alpha * np.log(np.maximum(mean, tiny)))
    out[rows] = softmax(temperature * log_p, axis=1)
    return out


def vote_temperature(held_out: np.ndarray, owner: np.ndarray, each: np.ndarray, alpha: float,
                     index: np.ndarray, weight: np.ndarray | None) -> tuple[float, np.ndarray]:
    """The vote's inverse temperature, fitted on held-out data, and the voted held-out rows.

    ``held_out`` are the training texts' out-of-fold probabilities, ``each`` their sentences'
    (``owner``: the text of each sentence), ``index`` the column of each text's label and
    ``weight`` the rows' calibration weights. The temperature minimizes the log loss of the
    voted texts' blended probabilities. Returns it and ``held_out`` with those rows voted.

    Examples
    --------
    >>> held = np.array([[0.6, 0.4], [0.7, 0.3]])
    >>> beta, voted = vote_temperature(held, np.array([0, 0]), np.array([[0.9, 0.1], [0.8, 0.2]]),
    ...                                0.5, np.array([0, 0]), None)
    >>> bool(beta > 1), voted[1].tolist()
    (True, [0.7, 0.3])
    """
    rows = np.unique(owner)
    log_p = np.log(np.maximum(blend(held_out, owner, each, alpha)[rows],
                              np.finfo(np.float64).tiny))
    weights = None if weight is None else np.asarray(weight, dtype=np.float64)[rows]
    if weights is not None and not (weights > 0).any():
        return 1.0, np.array(held_out, dtype=np.float64)
    beta = _temperature(log_p, np.asarray(index)[rows], weights)
    return beta, blend(held_out, owner, each, alpha, temperature=beta)


def vote_companions(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                    ends: Sequence[Sequence[int]], featurize: Any) -> Companions | None:
    """The sentences of the training texts that vote, as their texts' companions in the
    calibration folds (:class:`moments_nlp.model._calibrate.Companions`; None when no text votes).

    ``featurize`` is the fitted features step (``transform`` of token lists).
    """
    owner, start, stop = list_spans(texts, tokens, ends)
    if not len(owner):
        return None
    return Companions(featurize.transform(pieces(tokens, owner, start, stop)), owner)
