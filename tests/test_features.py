"""Tests of the token features (moments_nlp/features.py)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from moments_nlp.model.features import TokenFeatures, lexicon

DOCS = [["great", "crew", "!"], ["not", "not_good", "delayed"], ["great", "delayed", "?"],
        ["fine"]]
LABELS = ["magic", "misery", "ordinary", "ordinary"]


def names(tf: TokenFeatures) -> list[str]:
    return list(tf.get_feature_names_out())


def test_word_ngrams_and_pieces() -> None:
    tf = TokenFeatures(ngram_max=2, subword=4, lexicon_features=False).fit(DOCS)
    got = names(tf)
    assert {"great", "great crew", "not not_good", "<dela", "ayed>"} <= set(got)
    # pieces only for alphabetic words longer than the piece length
    assert "<fine" not in got and "<gre" not in got and "<grea" in got


def test_trigrams_only_when_asked() -> None:
    assert not any(n.count(" ") == 2 for n in names(TokenFeatures(ngram_max=2).fit(DOCS)))
    assert "great crew !" in names(TokenFeatures(ngram_max=3).fit(DOCS))
    assert all(" " not in n for n in names(TokenFeatures(ngram_max=1, subword=0).fit(DOCS)))


def test_lexicon_columns() -> None:
    tf = TokenFeatures(subword=0).fit(DOCS)
    got = names(tf)
    lex = [n for n in got if n.startswith("lex_")]
    assert lex, got
    X = tf.transform([["wonderful"], ["horrible"], ["not_wonderful"], ["table"]])
    column = {name: X[:, i].toarray().ravel() for i, name in enumerate(got)}
    assert column["lex_pos"][0] > 0 and column["lex_neg"][0] == 0
    assert column["lex_neg"][1] > 0 and column["lex_pos"][1] == 0
    # negation turns a positive word into a (weaker) negative signal
    assert column["lex_neg"][2] > 0 and column["lex_pos"][2] == 0
    assert column["lex_pos"][3] == column["lex_neg"][3] == 0
    assert lexicon()["horrible"] < 0 < lexicon()["wonderful"]


def test_shapes_types_and_determinism() -> None:
    tf = TokenFeatures().fit(DOCS)
    X = tf.transform([*DOCS, []])
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.float32
    assert X.shape == (5, tf.n_features_out_) == (5, len(names(tf)))
    assert X[4].nnz == 0
    assert (tf.transform(DOCS) != TokenFeatures().fit(DOCS).transform(DOCS)).nnz == 0


def test_nb_weighting_is_supervised_and_scales_columns() -> None:
    plain = TokenFeatures(lexicon_features=False).fit(DOCS, LABELS)
    weighted = TokenFeatures(lexicon_features=False, nb_weight=True).fit(DOCS, LABELS)
    assert names(plain) == names(weighted)
    assert weighted.feature_weights_.shape == (len(names(weighted)),)
    assert (weighted.feature_weights_ > 0).all()
    Xp, Xw = plain.transform(DOCS), weighted.transform(DOCS)
    assert not np.allclose(Xp.toarray(), Xw.toarray())
    with pytest.raises(ValueError, match="nb_weight=True needs the labels"):
        TokenFeatures(nb_weight=True).fit(DOCS)


def test_min_df_and_max_features_shrink_the_vocabulary() -> None:
    full = len(TokenFeatures(lexicon_features=False).fit(DOCS).vectorizer_.vocabulary_)
    assert len(TokenFeatures(min_df=2, lexicon_features=False).fit(DOCS).vectorizer_.vocabulary_) \
        < full
    small = TokenFeatures(max_features=3, lexicon_features=False).fit(DOCS)
    assert small.n_features_out_ == 3


def test_fitted_state_has_no_dropped_terms() -> None:
    tf = TokenFeatures(min_df=2).fit(DOCS)
    assert getattr(tf.vectorizer_, "stop_words_", None) is None


def test_sklearn_conventions() -> None:
    tf = TokenFeatures(ngram_max=3, subword=0)
    assert clone(tf).get_params() == tf.get_params()
    with pytest.raises(NotFittedError):
        tf.transform(DOCS)
    assert tf.fit(DOCS) is tf
    again = pickle.loads(pickle.dumps(tf))
    assert (again.transform(DOCS) != tf.transform(DOCS)).nnz == 0


def test_familiarity_fast_path_matches_the_plain_loop(seed: pd.DataFrame,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from moments_nlp.text.preprocess import SpacyPreprocessor

    tokens = SpacyPreprocessor().transform(seed["text"].tolist())
    features = TokenFeatures(min_df=2).fit(tokens[:3000])
    fast = features.familiarity(tokens)
    monkeypatch.setattr(TokenFeatures, "_fast_counter", lambda self: None)
    slow = features.familiarity(tokens)
    np.testing.assert_array_equal(fast, slow)
    assert 0 < np.nanmean(fast[3000:]) < np.nanmean(fast[:3000]) <= 1
