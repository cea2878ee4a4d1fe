"""Counting n-grams in numpy: fitting the vocabulary, and counting a fitted one's columns.

:func:`fit_tfidf` learns what ``TfidfVectorizer.fit_transform`` learns, with array operations.
``TokenFeatures`` counts word n-grams and subword pieces with a ``TfidfVectorizer`` whose
analyzer (:class:`moments_nlp.model.features._NgramAnalyzer`) is Python, called once per text:
on the 43k Reddit comments its ``fit`` spends most of its time building and looking up term
strings. :func:`fit_tfidf` learns the same vocabulary (every term in at least ``min_df`` texts,
columns in sorted term order), the same IDF weights and the same TF-IDF matrix:

* tokens are numbered once (``pandas.factorize``); a bigram is a pair of token numbers, and only
  distinct pairs become strings; subword pieces are made once per distinct token;
* equal strings of different kinds (a token spelled like a piece) are one term, as in the
  vectorizer;
* document frequencies and counts come from the distinct ``(text, term)`` pairs.

Settings it does not cover (trigrams, ``max_features``, a fractional ``min_df``, ``max_df``
below 1, no term left) return None, and the caller fits the vectorizer itself.

:class:`_FastCounter` gives :class:`~moments_nlp.model.features.TokenFeatures` its count matrix
of a fitted vocabulary without building n-gram strings: each distinct token gets a number once,
with its columns, its number among the bigram words and its lexicon scores
(:func:`moments_nlp.text._lexicon._lexicon_entry`); a batch is then arrays of numbers. The fast
predict path (:mod:`moments_nlp.model._scoring`) hands it numbers directly.

Examples
--------
>>> from sklearn.feature_extraction.text import TfidfVectorizer
>>> from moments_nlp.model.features import _NgramAnalyzer
>>> vectorizer = TfidfVectorizer(analyzer=_NgramAnalyzer(2, 4), sublinear_tf=True)
>>> docs = [["lovely", "crew"], ["lovely", "seats", "!"]]
>>> matrix = fit_tfidf(vectorizer, docs)
>>> sorted(vectorizer.vocabulary_)[:4], matrix.shape
(['!', '<love', '<seat', 'crew'], (2, 11))
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from moments_nlp.text._chunks import _ranges
from moments_nlp.text._lexicon import _lexicon_entry
from moments_nlp.text._locks import ForkSafeLock
from moments_nlp.text._table import _Numbering

__all__ = ["fit_tfidf"]

_PUNCTUATION = frozenset({"!", "?", "..."})

# The counters' token tables are shared by every thread using a model; encoding a batch holds
# this lock.
_COUNTER_LOCK = ForkSafeLock()


def _supported(vectorizer: Any) -> bool:
    analyzer = vectorizer.analyzer
    return (getattr(analyzer, "ngram_max", 3) <= 2 and hasattr(analyzer, "pieces")
            and vectorizer.max_features is None and vectorizer.vocabulary is None
            and isinstance(vectorizer.min_df, numbers.Integral)
            and vectorizer.max_df in (1.0, 1) and not vectorizer.binary)


def _pieces(analyzer: Any, words: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which distinct words have subword pieces, and their head and tail pieces."""
    if not analyzer.subword:
        empty = np.zeros(0, dtype=object)
        return np.zeros(len(words), dtype=bool), empty, empty
    made = [analyzer.pieces(word) for word in words.tolist()]
    has = np.fromiter(map(bool, made), dtype=bool, count=len(made))
    heads = np.asarray([p[0] for p in made if p], dtype=object)
    tails = np.asarray([p[1] for p in made if p], dtype=object)
    return has, heads, tails


def fit_tfidf(vectorizer: Any, docs: Sequence[Sequence[str]]) -> sp.csr_matrix | None:
    """Fit ``vectorizer`` on token lists as its ``fit_transform`` would; return the matrix.

    Parameters
    ----------
    vectorizer : sklearn.feature_extraction.text.TfidfVectorizer
        Not fitted, with an ``_NgramAnalyzer``; gets ``vocabulary_``, ``fixed_vocabulary_``,
        ``stop_words_`` and its fitted TF-IDF weights.
    docs : sequence of sequence of str

    Returns
    -------
    scipy.sparse.csr_matrix or None
        The TF-IDF matrix (sorted indices, the vectorizer's ``dtype``), or None when the
        settings are not covered (the vectorizer is then left as it was).
    """
    if not _supported(vectorizer) or len(docs) < vectorizer.min_df:
        return None
    analyzer = vectorizer.analyzer
    n_docs = len(docs)
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
    flat = np.fromiter(itertools.chain.from_iterable(docs), dtype=object, count=lengths.sum())
    codes, words = pd.factorize(flat)
    words = np.asarray(words, dtype=object)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # candidate term strings, and each occurrence as (text, index into the candidates)
    strings, occ_doc, occ_term = [words], [doc_of], [codes.astype(np.int64)]
    offset = len(words)
    if analyzer.ngram_max >= 2 and len(codes) > 1:
        same = doc_of[1:] == doc_of[:-1]
        pair = codes[:-1][same].astype(np.int64) * len(words) + codes[1:][same]
        distinct, which = np.unique(pair, return_inverse=True)
        left, right = np.divmod(distinct, len(words))
        strings.append(np.asarray([f"{a} {b}" for a, b in zip(words[left].tolist(),
                                                                words[right].tolist())],
                                  dtype=object))
        occ_doc.append(doc_of[1:][same])
        occ_term.append(which.ravel() + offset)
        offset += len(distinct)
    has, heads, tails = _pieces(analyzer, words)
    if len(heads):
        rank = np.cumsum(has) - 1  # a word's place among the words that have pieces
        at = np.flatnonzero(has[codes])
        strings.extend([heads, tails])
        occ_doc.extend([doc_of[at], doc_of[at]])
        occ_term.extend([rank[codes[at]] + offset, rank[codes[at]] + offset + len(heads)])
    term_of, terms = pd.factorize(np.concatenate(strings))  # equal strings: one term
    terms = np.asarray(terms, dtype=object)
    doc = np.concatenate(occ_doc)
    term = term_of[np.concatenate(occ_term)]
    pairs, count = np.unique(doc * len(terms) + term, return_counts=True)
    pair_doc, pair_term = np.divmod(pairs, len(terms))
    kept = np.flatnonzero(np.bincount(pair_term, minlength=len(terms)) >= vectorizer.min_df)
    if not len(kept):
        return None  # the vectorizer raises its own "no terms remain" error
    kept = kept[np.argsort(terms[kept])]  # columns in term order, as the vectorizer sorts
    column = np.full(len(terms), -1, dtype=np.int64)
    column[kept] = np.arange(len(kept))
    col = column[pair_term]
    sel = col >= 0
    order = np.lexsort((col[sel], pair_doc[sel]))
    indices, values = col[sel][order], count[sel][order]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_doc[sel], minlength=n_docs), out=indptr[1:])
    counts = sp.csr_matrix((values.astype(vectorizer.dtype), indices, indptr),
                           shape=(n_docs, len(kept)))
    vectorizer.vocabulary_ = dict(zip(terms[kept].tolist(), range(len(kept))))
    vectorizer.fixed_vocabulary_ = False
    vectorizer.stop_words_ = None
    vectorizer._tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                         smooth_idf=vectorizer.smooth_idf,
                                         sublinear_tf=vectorizer.sublinear_tf).fit(counts)
    return vectorizer._tfidf.transform(counts, copy=False)


class _FastCounter(_Numbering):
    """Counts a fitted analyzer's n-grams and pieces by column number, without building strings.

    Gives exactly the count matrix of ``TfidfVectorizer`` (before TF-IDF weighting) for
    ``ngram_max <= 2``, and the lexicon columns of :func:`_lexicon_rows`. Each distinct token
    gets a number once (its columns, its number among the bigram words and its lexicon scores
    are computed then); a batch is then one dictionary lookup per token, and the rest is numpy:
    the token's columns gathered, bigrams found as pairs of numbers in a sorted array.
    """

    _LIMIT = 200_000  # distinct tokens kept; past it the table starts again (memory is bounded)

    def __init__(self, analyzer: Any, vocabulary: dict[str, int]) -> None:
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
