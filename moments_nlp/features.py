"""Features from the preprocessed tokens: word n-grams, subword pieces and lexicon scores.

Everything here reads the token lists made by :class:`~moments_nlp.preprocess.SpacyPreprocessor`;
nothing tokenizes a second time. :class:`TokenFeatures` is a scikit-learn transformer that turns
token lists into one sparse matrix:

* word n-grams (TF-IDF with sublinear term frequency), negation-marked tokens included;
* subword pieces: the first and last ``subword`` characters of longer words, which catch
  misspellings and inflections (``delayed``, ``delays``, ``delaaay``) without character n-grams
  over the raw text;
* lexicon scores: positive and negative strength of the words found in the VADER sentiment
  lexicon (MIT licensed, shipped by the ``vaderSentiment`` package), with negation flipping them;
* optional NB weighting (``nb_weight=True``, supervised): each n-gram column is scaled by its
  largest naive-Bayes log-count ratio between one class and the rest (as in NB-SVM, Wang and
  Manning 2012), so the linear model starts from how discriminative a term is.

Examples
--------
>>> from moments_nlp.features import TokenFeatures
>>> tf = TokenFeatures().fit([["great", "crew"], ["not", "not_good"]])
>>> tf.transform([["great", "crew"]]).shape[0]
1
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from moments_nlp._locks import ForkSafeLock

__all__ = ["TokenFeatures", "lexicon"]

_PUNCTUATION = frozenset({"!", "?", "..."})

# The counters' token tables are shared by every thread using a model; encoding a batch holds
# this lock.
_COUNTER_LOCK = ForkSafeLock()
_LEXICON_NAMES = ("lex_pos", "lex_neg", "lex_pos_share", "lex_neg_share", "exclaim", "question")


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


class _NgramAnalyzer:
    """Picklable analyzer: word n-grams plus subword pieces of one token list."""

    def __init__(self, ngram_max: int, subword: int) -> None:
        self.ngram_max = ngram_max
        self.subword = subword

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        out = list(tokens)
        if self.ngram_max >= 2:
            out.extend([f"{a} {b}" for a, b in itertools.pairwise(tokens)])
        if self.ngram_max >= 3:
            out.extend([f"{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:])])
        if self.subword:
            for word in tokens:
                out.extend(self.pieces(word))
        return out

    def pieces(self, word: str) -> tuple[str, ...]:
        """The subword pieces of one token (none for short or non-alphabetic tokens)."""
        n = self.subword
        if n and len(word) > n and word[0].isalpha():
            return ("<" + word[:n], word[-n:] + ">")
        return ()


class _FastCounter:
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
        self._reset()

    def _reset(self) -> None:
        self.tokens: dict[str, int] = {}
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
            add, tokens = self._add, self.tokens
            for i, number in enumerate(numbers):
                if number is None:
                    found = tokens.get(flat[i])
                    numbers[i] = add(flat[i]) if found is None else found
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
        cols = [self.columns[np.repeat(first - (np.cumsum(n) - n), n) + np.arange(n.sum())]]
        if len(self.pair_keys) and len(numbers) > 1:
            word = self.word_of[numbers]
            left, right = word[:-1], word[1:]
            ok = np.flatnonzero((row_of[1:] == row_of[:-1]) & (left >= 0) & (right >= 0))
            keys = left[ok] * len(self.words) + right[ok]
            at = np.minimum(np.searchsorted(self.pair_keys, keys), len(self.pair_keys) - 1)
            hit = self.pair_keys[at] == keys
            rows.append(row_of[ok[hit]])
            cols.append(self.pair_columns[at[hit]])
        row, col = np.concatenate(rows), np.concatenate(cols)
        matrix = sp.csr_matrix((np.ones(len(row), dtype=dtype), (row, col)),
                               shape=(n_docs, self.size))
        matrix.sum_duplicates()
        return matrix

    def lexicon_rows(self, encoded: tuple[np.ndarray, np.ndarray], n_docs: int) -> sp.csr_matrix:
        """:func:`_lexicon_rows` of the encoded documents (the same numbers, summed in numpy)."""
        numbers, row_of = encoded
        values = self.lexicon[numbers]
        sums = [np.bincount(row_of, weights=values[:, j], minlength=n_docs) for j in range(6)]
        size = np.bincount(row_of, minlength=n_docs) + 1.0
        rows = np.column_stack([sums[0] / 4.0, sums[1] / 4.0, 3.0 * sums[2] / size,
                                3.0 * sums[3] / size, np.minimum(sums[4], 3) / 3.0,
                                np.minimum(sums[5], 3) / 3.0])
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


def _nb_weights(words: sp.spmatrix, y: Sequence[str] | None, alpha: float = 1.0) -> np.ndarray:
    """Largest one-vs-rest naive-Bayes log-count ratio of each column (binarized counts)."""
    labels = np.asarray(y, dtype=object)
    present = (words > 0).astype(np.float64).tocsr()
    best = np.zeros(present.shape[1])
    for label in np.unique(labels):
        mask = labels == label
        p = np.asarray(present[mask].sum(axis=0)).ravel() + alpha
        q = np.asarray(present[~mask].sum(axis=0)).ravel() + alpha
        best = np.maximum(best, np.abs(np.log((p / p.sum()) / (q / q.sum()))))
    return best.astype(np.float32)


def _lexicon_rows(docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
    table = lexicon()
    rows = np.zeros((len(docs), len(_LEXICON_NAMES)), dtype=np.float64)
    for i, tokens in enumerate(docs):
        pos = neg = 0.0
        n_pos = n_neg = n_excl = n_quest = 0
        for word in tokens:
            if word == "!":
                n_excl += 1
                continue
            if word == "?":
                n_quest += 1
                continue
            negated = word.startswith("not_")
            score = table.get(word[4:] if negated else word)
            if score is None:
                continue
            if negated:
                score = -0.5 * score
            if score > 0:
                pos += score
                n_pos += 1
            else:
                neg -= score
                n_neg += 1
        size = len(tokens) + 1.0
        rows[i] = (pos / 4.0, neg / 4.0, 3.0 * n_pos / size, 3.0 * n_neg / size,
                   min(n_excl, 3) / 3.0, min(n_quest, 3) / 3.0)
    return sp.csr_matrix(rows)


class TokenFeatures(TransformerMixin, BaseEstimator):
    """Turn token lists into a sparse matrix of n-gram, subword and lexicon features.

    Parameters
    ----------
    ngram_max : int, default 2
        Longest word n-gram (1, 2 or 3).
    subword : int, default 4
        Length of the word-start and word-end pieces; 0 turns them off.
    lexicon_features : bool, default True
        Add the sentiment-lexicon and punctuation columns.
    min_df : int, default 1
        Minimum document frequency of an n-gram or piece.
    max_features : int or None, default None
        Keep only the most frequent features.
    nb_weight : bool, default False
        Scale each n-gram column by its naive-Bayes log-count ratio (needs ``y`` in ``fit``).
    lexicon_scale : float, default 1.0
        Multiplier of the lexicon columns. Larger values regularize them less than the n-grams
        in an L2-penalized model, which leans it on domain-independent cues.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
        The fitted vectorizer over n-grams and pieces.
    n_features_out_ : int
        Number of output columns.
    feature_weights_ : numpy.ndarray or None
        Per n-gram column NB weights (``nb_weight=True``), else None.

    Examples
    --------
    >>> tf = TokenFeatures(subword=0, lexicon_features=False).fit([["a", "b"]])
    >>> list(tf.get_feature_names_out())
    ['a', 'a b', 'b']
    """

    def __init__(self, *, ngram_max: int = 2, subword: int = 4, lexicon_features: bool = True,
                 min_df: int = 1, max_features: int | None = None, nb_weight: bool = False,
                 lexicon_scale: float = 1.0) -> None:
        self.ngram_max = ngram_max
        self.subword = subword
        self.lexicon_features = lexicon_features
        self.min_df = min_df
        self.max_features = max_features
        self.nb_weight = nb_weight
        self.lexicon_scale = lexicon_scale

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X: Sequence[Sequence[str]], y: Sequence[str] | None = None) -> TokenFeatures:
        """Learn the n-gram vocabulary, IDF weights (and NB weights). Returns ``self``."""
        self._fit(X, y)
        del self._fitted_words
        return self

    def _fit(self, X: Sequence[Sequence[str]], y: Sequence[str] | None) -> None:
        if self.nb_weight and y is None:
            raise ValueError("nb_weight=True needs the labels: call fit(X, y)")
        self.vectorizer_ = TfidfVectorizer(
            analyzer=_NgramAnalyzer(self.ngram_max, self.subword), sublinear_tf=True,
            min_df=self.min_df, max_features=self.max_features, dtype=np.float32,
        )
        words = self.vectorizer_.fit_transform(X)
        # the terms dropped by min_df / max_features are only kept for introspection and would
        # make a saved model many times larger
        self.vectorizer_.stop_words_ = None
        self.feature_weights_ = _nb_weights(words, y) if self.nb_weight else None
        extra = len(_LEXICON_NAMES) if self.lexicon_features else 0
        self.n_features_out_ = len(self.vectorizer_.vocabulary_) + extra
        self._fitted_words = words

    def fit_transform(self, X: Sequence[Sequence[str]], y: Sequence[str] | None = None,
                      **fit_params: Any) -> sp.csr_matrix:
        """:meth:`fit`, then :meth:`transform` reusing the matrix the fit has just counted."""
        self._fit(X, y)
        words = self._fitted_words
        del self._fitted_words  # not part of the fitted state
        return self._finish(X, words)

    def __getstate__(self) -> dict[str, Any]:
        # The vocabulary dict is stored as one NUL-joined string of terms in column order: far
        # smaller and faster to save and load (skops writes dicts entry by entry) than a dict.
        state = dict(super().__getstate__())
        state.pop("_counter", None)  # a cache, rebuilt on first use
        vectorizer = state.get("vectorizer_")
        if vectorizer is not None and hasattr(vectorizer, "vocabulary_"):
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            vectorizer = copy.copy(vectorizer)
            del vectorizer.vocabulary_
            state["vectorizer_"] = vectorizer
            # NUL never occurs in a term: the preprocessor removes control characters.
            state["_terms"] = "\x00".join(terms)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        terms = state.pop("_terms", None)
        self.__dict__.update(state)
        if terms is not None:
            self.vectorizer_.vocabulary_ = {t: i for i, t in enumerate(terms.split("\x00"))}

    def transform(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Features of each token list, one row per list."""
        check_is_fitted(self, "vectorizer_")
        vectorizer = self.vectorizer_
        counter = self._fast_counter()
        if counter is None:
            return self._finish(X, vectorizer.transform(X))
        with _COUNTER_LOCK:  # the counter's token table grows as it meets new tokens
            encoded = counter.encode(X)
            counts = counter.counts(encoded, len(X), vectorizer.dtype)
            lex = counter.lexicon_rows(encoded, len(X)) if self.lexicon_features else None
        words = vectorizer._tfidf.transform(counts, copy=False)
        return self._finish(X, words, lex)

    def _fast_counter(self) -> _FastCounter | None:
        """The counter over the fitted vocabulary (built on first use); None for trigrams."""
        vectorizer = self.vectorizer_
        analyzer = vectorizer.analyzer
        if not isinstance(analyzer, _NgramAnalyzer) or analyzer.ngram_max > 2:
            return None
        counter = getattr(self, "_counter", None)
        if counter is None or counter.vocabulary is not vectorizer.vocabulary_:
            with _COUNTER_LOCK:
                counter = self._counter = _FastCounter(analyzer, vectorizer.vocabulary_)
        return counter

    def _finish(self, X: Sequence[Sequence[str]], words: sp.csr_matrix,
                lex: sp.csr_matrix | None = None) -> sp.csr_matrix:
        """The output matrix from the TF-IDF word matrix: NB weights, lexicon columns."""
        weights = getattr(self, "feature_weights_", None)
        if weights is not None:
            words = words @ sp.diags(weights)
        if not self.lexicon_features:
            return words.tocsr()
        if lex is None:
            lex = _lexicon_rows(X)
        if self.lexicon_scale != 1.0:
            lex = lex * self.lexicon_scale
        return sp.hstack([words, lex], format="csr", dtype=np.float32)

    def familiarity(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        """Share of each token list's words that are columns of the fitted vocabulary.

        Punctuation marks are not counted, and a negation mark does not make a word new
        (``not_helpful`` counts as known when ``helpful`` is). NaN for a list with no words.

        Examples
        --------
        >>> tf = TokenFeatures().fit([["great", "crew"]])
        >>> tf.familiarity([["great", "not_crew", "!"], ["toll"], ["!"]]).tolist()
        [1.0, 0.0, nan]
        """
        check_is_fitted(self, "vectorizer_")
        counter = self._fast_counter()
        if counter is not None:
            with _COUNTER_LOCK:
                numbers, row_of = counter.encode(X)
                known = counter.known[numbers]
            words = np.bincount(row_of, weights=known >= 0, minlength=len(X))
            hits = np.bincount(row_of, weights=known == 1, minlength=len(X))
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(words > 0, hits / np.maximum(words, 1), np.nan)
        vocabulary = self.vectorizer_.vocabulary_
        out = np.full(len(X), np.nan)
        for i, tokens in enumerate(X):
            flags = [k for k in (_known(w, vocabulary) for w in tokens) if k >= 0]
            if flags:
                out[i] = sum(flags) / len(flags)
        return out

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the output columns (n-grams, ``<piece`` / ``piece>``, lexicon columns)."""
        check_is_fitted(self, "vectorizer_")
        names = list(self.vectorizer_.get_feature_names_out())
        if self.lexicon_features:
            names.extend(_LEXICON_NAMES)
        return np.asarray(names, dtype=object)
