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

__all__ = ["TokenFeatures", "lexicon"]

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
    ``ngram_max <= 2``: the columns of each distinct token (the word and its pieces) are looked up
    once and cached, bigrams are looked up as token pairs. This is most of ``predict``'s speed.
    """

    def __init__(self, analyzer: _NgramAnalyzer, vocabulary: dict[str, int]) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.size = len(vocabulary)
        self.tokens: dict[str, list[int]] = {}
        self.pairs: dict[tuple[str, str], int] = {}
        if analyzer.ngram_max >= 2:
            for term, column in vocabulary.items():
                if term.count(" ") == 1:
                    first, second = term.split(" ")
                    self.pairs[(first, second)] = column

    def _columns(self, word: str) -> list[int]:
        get = self.vocabulary.get
        found = [get(feature) for feature in (word, *self.analyzer.pieces(word))]
        columns = [column for column in found if column is not None]
        if len(self.tokens) < 200_000:  # bounded: memory must not grow with the input
            self.tokens[word] = columns
        return columns

    def counts(self, docs: Sequence[Sequence[str]], dtype: Any) -> sp.csr_matrix:
        indices: list[int] = []
        indptr = [0]
        cached, make, pair = self.tokens.get, self._columns, self.pairs.get
        for tokens in docs:
            for word in tokens:
                columns = cached(word)
                indices.extend(make(word) if columns is None else columns)
            if self.pairs:
                found = map(pair, itertools.pairwise(tokens))
                indices.extend([column for column in found if column is not None])
            indptr.append(len(indices))
        matrix = sp.csr_matrix(
            (np.ones(len(indices), dtype=dtype), np.asarray(indices, dtype=np.int64),
             np.asarray(indptr, dtype=np.int64)), shape=(len(docs), self.size))
        matrix.sum_duplicates()
        return matrix


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
        return self._finish(X, self._word_matrix(X))

    def _finish(self, X: Sequence[Sequence[str]], words: sp.csr_matrix) -> sp.csr_matrix:
        """The output matrix from the TF-IDF word matrix: NB weights, lexicon columns."""
        weights = getattr(self, "feature_weights_", None)
        if weights is not None:
            words = words @ sp.diags(weights)
        if not self.lexicon_features:
            return words.tocsr()
        lex = _lexicon_rows(X)
        if self.lexicon_scale != 1.0:
            lex = lex * self.lexicon_scale
        return sp.hstack([words, lex], format="csr", dtype=np.float32)

    def _word_matrix(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        vectorizer = self.vectorizer_
        analyzer = vectorizer.analyzer
        if not isinstance(analyzer, _NgramAnalyzer) or analyzer.ngram_max > 2:
            return vectorizer.transform(X)
        counter = getattr(self, "_counter", None)
        if counter is None or counter.vocabulary is not vectorizer.vocabulary_:
            counter = self._counter = _FastCounter(analyzer, vectorizer.vocabulary_)
        counts = counter.counts(X, vectorizer.dtype)
        return vectorizer._tfidf.transform(counts, copy=False)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the output columns (n-grams, ``<piece`` / ``piece>``, lexicon columns)."""
        check_is_fitted(self, "vectorizer_")
        names = list(self.vectorizer_.get_feature_names_out())
        if self.lexicon_features:
            names.extend(_LEXICON_NAMES)
        return np.asarray(names, dtype=object)
