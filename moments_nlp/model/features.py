"""Features from the preprocessed tokens: word n-grams, subword pieces and lexicon scores.

Everything here reads the token lists made by
:class:`~moments_nlp.text.preprocess.SpacyPreprocessor`;
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
>>> from moments_nlp.model.features import TokenFeatures
>>> tf = TokenFeatures().fit([["great", "crew"], ["not", "not_good"]])
>>> tf.transform([["great", "crew"]]).shape[0]
1
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from moments_nlp.model._counter import (
    _COUNTER_LOCK,
    _FastCounter,
    _known,
    _lexicon_matrix,
    fit_tfidf,
)
from moments_nlp.text._lexicon import _lexicon_entry, lexicon

__all__ = ["TokenFeatures", "lexicon"]

_LEXICON_NAMES = ("lex_pos", "lex_neg", "lex_pos_share", "lex_neg_share", "exclaim", "question")


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
    """The lexicon columns of token lists: lexicon strength (a negated word at -0.5x) and
    share of positive and negative words, ``!`` and ``?`` counts (capped at 3). Each distinct
    token is scored once (:func:`_lexicon_entry`); the sums run over the tokens in order."""
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    codes, words = pd.factorize(
        np.fromiter(itertools.chain.from_iterable(docs), dtype=object, count=lengths.sum()))
    entries = np.asarray([_lexicon_entry(word) for word in words.tolist()],
                         dtype=np.float64).reshape(-1, 6)
    return _lexicon_matrix(entries[codes], lengths)


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
        words = fit_tfidf(self.vectorizer_, X)  # the vectorizer's own fit, in numpy
        if words is None:  # settings fit_tfidf does not cover
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

    def _transform_encoded(self, numbers: np.ndarray, rows: np.ndarray,
                           n_docs: int) -> sp.csr_matrix:
        """:meth:`transform` of texts that :mod:`moments_nlp.model._scoring` has encoded as the
        counter's token numbers (``rows``: the row of each number). Call it holding
        ``_COUNTER_LOCK``, with the counter the numbers came from."""
        counter = self._counter
        counts = counter.counts((numbers, rows), n_docs, self.vectorizer_.dtype)
        lex = counter.lexicon_rows((numbers, rows), n_docs) if self.lexicon_features else None
        words = self.vectorizer_._tfidf.transform(counts, copy=False)
        return self._finish(None, words, lex)

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

    def _finish(self, X: Sequence[Sequence[str]] | None, words: sp.csr_matrix,
                lex: sp.csr_matrix | None = None) -> sp.csr_matrix:
        """The output matrix from the TF-IDF word matrix: NB weights, lexicon columns."""
        weights = getattr(self, "feature_weights_", None)
        if weights is not None:
            words = words @ sp.diags(weights)
        if not self.lexicon_features:
            return words.tocsr()
        if lex is None:
            lex = _lexicon_rows(X if X is not None else [])
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
                return counter.familiarity(numbers, row_of, len(X))
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
