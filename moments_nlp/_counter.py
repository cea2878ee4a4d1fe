"""The feature counter: a fitted vocabulary's columns of token lists, counted in numpy.

:class:`_FastCounter` gives :class:`~moments_nlp.features.TokenFeatures` its count matrix
without building n-gram strings: each distinct token gets a number once, with its columns, its
number among the bigram words and its lexicon scores; a batch is then arrays of numbers. The
fast predict path (:mod:`moments_nlp._fused`) hands it numbers directly. Also here: the VADER
lexicon (:func:`lexicon`) and one token's lexicon share.

Examples
--------
>>> lexicon()["horrible"] < 0 < lexicon()["wonderful"]
True
>>> _lexicon_entry("not_good")[:2]
(0.0, 0.95)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from moments_nlp._locks import ForkSafeLock

if TYPE_CHECKING:
    from moments_nlp.features import _NgramAnalyzer

__all__ = ["lexicon"]

_PUNCTUATION = frozenset({"!", "?", "..."})

# The counters' token tables are shared by every thread using a model; encoding a batch holds
# this lock.
_COUNTER_LOCK = ForkSafeLock()


@lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """The VADER word lexicon: token -> valence from -4 to +4.

    Examples
    --------
    >>> lexicon()["horrible"] < 0 < lexicon()["wonderful"]
    True
    """
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                table[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return table



class _Numbering:
    """Token strings numbered as first met, restarted as a whole (``_reset``). Tables built on
    the numbers (:mod:`moments_nlp._fused`) hang on ``fused`` and check ``generation``."""

    _LIMIT = 500_000  # tokens kept; past it the numbering starts again (memory is bounded)

    def _reset(self) -> None:
        self.generation: int = getattr(self, "generation", -1) + 1
        self.fused: Any = None
        self.tokens: dict[str, int] = {}

    def _add(self, token: str) -> int:
        raise NotImplementedError

    def number(self, token: str) -> int:
        """The token's number, given now if it has none yet."""
        found = self.tokens.get(token)
        return self._add(token) if found is None else found


def _ranges(first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The positions ``first[i] .. first[i] + size[i] - 1`` for every ``i``, one flat array.

    >>> _ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    return np.repeat(first - (np.cumsum(size) - size), size) + np.arange(size.sum())


class _FastCounter(_Numbering):
    """Counts a fitted analyzer's n-grams and pieces by column number, without building strings.

    Gives exactly the count matrix of ``TfidfVectorizer`` (before TF-IDF weighting) for
    ``ngram_max <= 2``, and the lexicon columns of :func:`_lexicon_rows`. Each distinct token
    gets a number once (its columns, its number among the bigram words and its lexicon scores
    are computed then); a batch is then one dictionary lookup per token, and the rest is numpy:
    the token's columns gathered, bigrams found as pairs of numbers in a sorted array.
    """

    _LIMIT = 200_000  # distinct tokens kept; past it the table starts again (memory is bounded)

    def __init__(self, analyzer: _NgramAnalyzer, vocabulary: dict[str, int]) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.size = len(vocabulary)
        self.words: dict[str, int] = {}  # bigram word -> its number
        pairs: list[tuple[int, int, int]] = []
        if analyzer.ngram_max >= 2:
            for term, column in vocabulary.items():
                if term.count(" ") == 1:
                    first, second = term.split(" ")
                    a = self.words.setdefault(first, len(self.words))
                    b = self.words.setdefault(second, len(self.words))
                    pairs.append((a, b, column))
        table = np.asarray(pairs, dtype=np.int64).reshape(-1, 3)
        keys = table[:, 0] * max(len(self.words), 1) + table[:, 1]
        order = np.argsort(keys)
        self.pair_keys, self.pair_columns = keys[order], table[order, 2]
        # a hash index finds a batch's bigrams about 3x faster than searchsorted
        self.pair_index = pd.Index(self.pair_keys)
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._new: list[str] = []
        self.starts = np.zeros(1, dtype=np.int64)  # token t's columns: columns[starts[t]:...]
        self.columns = np.zeros(0, dtype=np.int64)
        self.word_of = np.zeros(0, dtype=np.int64)  # number among the bigram words, or -1
        self.lexicon = np.zeros((0, 6))  # pos, neg, is_pos, is_neg, is "!", is "?"
        self.known = np.zeros(0, dtype=np.int8)  # 1 known word, 0 new word, -1 punctuation

    def _add(self, token: str) -> int:
        number = self.tokens[token] = len(self.tokens)
        self._new.append(token)
        return number

    def _grow(self) -> None:
        if not self._new:
            return
        get = self.vocabulary.get
        found = [[get(f) for f in (t, *self.analyzer.pieces(t))] for t in self._new]
        columns = [[c for c in cols if c is not None] for cols in found]
        lengths = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
        self.starts = np.concatenate([self.starts, self.starts[-1] + np.cumsum(lengths)])
        self.columns = np.concatenate([self.columns, np.fromiter(
            itertools.chain.from_iterable(columns), dtype=np.int64, count=int(lengths.sum()))])
        self.word_of = np.concatenate([self.word_of, np.fromiter(
            (self.words.get(t, -1) for t in self._new), dtype=np.int64, count=len(self._new))])
        self.lexicon = np.vstack([self.lexicon, [_lexicon_entry(t) for t in self._new]])
        self.known = np.concatenate([self.known, np.fromiter(
            (_known(t, self.vocabulary) for t in self._new), dtype=np.int8, count=len(self._new))])
        self._new = []

    def encode(self, docs: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The number of each token of ``docs`` (one flat array) and the row it belongs to."""
        if len(self.tokens) > self._LIMIT:
            self._reset()
        flat = list(itertools.chain.from_iterable(docs))
        numbers = list(map(self.tokens.get, flat))
        if None in numbers:
            for i, number in enumerate(numbers):
                if number is None:
                    numbers[i] = self.number(flat[i])
            self._grow()
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return (np.asarray(numbers, dtype=np.int64).reshape(-1),
                np.repeat(np.arange(len(docs), dtype=np.int64), lengths))

    def counts(self, encoded: tuple[np.ndarray, np.ndarray], n_docs: int,
               dtype: Any) -> sp.csr_matrix:
        numbers, row_of = encoded
        first = self.starts[numbers]
        n = self.starts[numbers + 1] - first
        rows = [np.repeat(row_of, n)]
        cols = [self.columns[_ranges(first, n)]]
        if len(self.pair_keys) and len(numbers) > 1:
            word = self.word_of[numbers]
            left, right = word[:-1], word[1:]
            ok = np.flatnonzero((row_of[1:] == row_of[:-1]) & (left >= 0) & (right >= 0))
            keys = left[ok] * len(self.words) + right[ok]
            at = self.pair_index.get_indexer(keys)
            hit = at >= 0
            rows.append(row_of[ok[hit]])
            cols.append(self.pair_columns[at[hit]])
        row, col = np.concatenate(rows), np.concatenate(cols)
        matrix = sp.csr_matrix((np.ones(len(row), dtype=dtype), (row, col)),
                               shape=(n_docs, self.size))
        matrix.sum_duplicates()
        return matrix

    def familiarity(self, numbers: np.ndarray, row_of: np.ndarray, n_docs: int) -> np.ndarray:
        """Share of known words per row (see ``TokenFeatures.familiarity``)."""
        known = self.known[numbers]
        words = np.bincount(row_of, weights=known >= 0, minlength=n_docs)
        hits = np.bincount(row_of, weights=known == 1, minlength=n_docs)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(words > 0, hits / np.maximum(words, 1), np.nan)

    def lexicon_rows(self, encoded: tuple[np.ndarray, np.ndarray], n_docs: int) -> sp.csr_matrix:
        """:func:`_lexicon_rows` of the encoded documents (the same numbers, summed in numpy)."""
        numbers, row_of = encoded  # row_of never decreases: each row's numbers are together
        return _lexicon_matrix(self.lexicon[numbers], np.bincount(row_of, minlength=n_docs))


def _lexicon_matrix(per_token: np.ndarray, lengths: np.ndarray) -> sp.csr_matrix:
    """The lexicon columns of documents from their tokens' :func:`_lexicon_entry` rows
    (``per_token``: each document's tokens together, in order; ``lengths``: tokens per
    document): strengths / 4, shares of positive and negative words, ``!`` / ``?`` capped at 3.
    """
    sums = np.zeros((len(lengths), 6))
    filled = lengths > 0
    if filled.any():
        starts = (np.cumsum(lengths) - lengths)[filled]
        sums[filled] = np.add.reduceat(per_token, starts, axis=0)
    size = lengths + 1.0
    rows = np.column_stack([sums[:, 0] / 4.0, sums[:, 1] / 4.0, 3.0 * sums[:, 2] / size,
                            3.0 * sums[:, 3] / size, np.minimum(sums[:, 4], 3) / 3.0,
                            np.minimum(sums[:, 5], 3) / 3.0])
    return sp.csr_matrix(rows)


def _known(word: str, vocabulary: dict[str, int]) -> int:
    """1 if a word (negation mark ignored) is a vocabulary column, 0 if not, -1 for punctuation."""
    if word in _PUNCTUATION or word.startswith(".."):
        return -1
    return int((word[4:] if word.startswith("not_") else word) in vocabulary)


def _lexicon_entry(word: str) -> tuple[float, float, float, float, float, float]:
    """One token's share of the lexicon columns (see :func:`_lexicon_rows`)."""
    if word in ("!", "?"):
        return (0.0, 0.0, 0.0, 0.0, float(word == "!"), float(word == "?"))
    negated = word.startswith("not_")
    score = lexicon().get(word[4:] if negated else word)
    if score is None:
        return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    if negated:
        score = -0.5 * score
    if score > 0:
        return (score, 0.0, 1.0, 0.0, 0.0, 0.0)
    return (0.0, -score, 0.0, 1.0, 0.0, 0.0)
