"""Fitting the n-gram vocabulary with numpy: what ``TfidfVectorizer.fit_transform`` learns.

``TokenFeatures`` counts word n-grams and subword pieces with a ``TfidfVectorizer`` whose
analyzer (:class:`moments_nlp.features._NgramAnalyzer`) is Python, called once per text: on the
43k Reddit comments its ``fit`` spends most of its time building and looking up term strings.
:func:`fit_tfidf` learns the same vocabulary (every term in at least ``min_df`` texts, columns
in sorted term order), the same IDF weights and the same TF-IDF matrix with array operations:

* tokens are numbered once (``pandas.factorize``); a bigram is a pair of token numbers, and only
  distinct pairs become strings; subword pieces are made once per distinct token;
* equal strings of different kinds (a token spelled like a piece) are one term, as in the
  vectorizer;
* document frequencies and counts come from the distinct ``(text, term)`` pairs.

Settings it does not cover (trigrams, ``max_features``, a fractional ``min_df``, ``max_df``
below 1, no term left) return None, and the caller fits the vectorizer itself.

Examples
--------
>>> from sklearn.feature_extraction.text import TfidfVectorizer
>>> from moments_nlp.features import _NgramAnalyzer
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

__all__ = ["fit_tfidf"]


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
