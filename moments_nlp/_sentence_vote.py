"""The sentence vote: a long text's label also hears what each of its sentences says.

A long review often praises the brand and then reports the problem ("I love this shop, but the
dress arrived torn"); read whole, its many positive words win. With ``sentence_vote = a > 0``
(:class:`~moments_nlp.model.MomentClassifier`), a text of at least :data:`MIN_WORDS` words and
:data:`MIN_SENTENCES` sentences gets

    log p = (1 - a) * log p(whole text) + a * log mean_s p(sentence s)

(renormalized), where the sentences are its token list cut after ``.``, ``!`` or ``?``
(:meth:`~moments_nlp.preprocess.SpacyPreprocessor.transform_sentences`); shorter texts keep the
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

import numpy as np
from scipy.special import softmax

__all__ = ["MIN_SENTENCES", "MIN_WORDS", "sentence_vote"]

#: Texts shorter than this (in whitespace-separated words) keep the whole-text answer: the
#: sentences of a tweet are fragments, and voting them lowered the held-out airline tweets.
MIN_WORDS = 30
#: A text needs at least this many sentences to vote.
MIN_SENTENCES = 2


def sentence_vote(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                  ends: Sequence[Sequence[int]], proba: np.ndarray,
                  score: Callable[[list[list[str]]], np.ndarray], alpha: float, *,
                  min_words: int = MIN_WORDS, min_sentences: int = MIN_SENTENCES) -> np.ndarray:
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

    Returns
    -------
    ndarray of shape (n, k)
        A new array; rows of short texts are unchanged.
    """
    pieces: list[list[str]] = []
    owner: list[int] = []
    for i, (text, words, stops) in enumerate(zip(texts, tokens, ends, strict=True)):
        if len(text.split()) < min_words:
            continue
        bounds = [0, *stops, len(words)]
        cut = [list(words[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
        if len(cut) >= min_sentences:
            pieces += cut
            owner += [i] * len(cut)
    out = np.array(proba, dtype=np.float64)
    if not pieces:
        return out
    each = np.asarray(score(pieces), dtype=np.float64)
    owners = np.asarray(owner)
    rows, position = np.unique(owners, return_inverse=True)
    count = np.bincount(position)
    mean = np.column_stack([np.bincount(position, weights=each[:, j])
                            for j in range(each.shape[1])]) / count[:, None]
    tiny = np.finfo(np.float64).tiny
    log_p = ((1 - alpha) * np.log(np.maximum(out[rows], tiny))
             + alpha * np.log(np.maximum(mean, tiny)))
    out[rows] = softmax(log_p, axis=1)
    return out
