"""The fast predict path (``moments_nlp.model._scoring``) gives the string path's output exactly.

The string path is ``SpacyPreprocessor.transform`` (token strings) then
``TokenFeatures.transform``; the fast path goes from spaCy's token ids straight to counter
numbers. Both are compared on thousands of real texts: the feature matrix entry by entry, the
token counts, the sentence ends and the probabilities.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.model import _scoring
from moments_nlp.model.features import _COUNTER_LOCK
from moments_nlp.text import _table
from moments_nlp.text._chunks import ChunkTable
from moments_nlp.text._locks import gc_paused
from moments_nlp.text.preprocess import _NLP_LOCK, SpacyPreprocessor, align_tokens

REPO = Path(__file__).resolve().parents[1]
TRICKY = [
    "not not good", "no no no bad", "never, ever good", "not <3 good", "@united not happy :(",
    "Not good... at all!!!?", "it isn't the worst but not great", "no", "not", "!!!", "...",
    "   x   ", "no 5 stars 😡 bad", "Nothing good nothing bad. Not. Good", "dont like it pm",
    "11:20 pm and I'm still waiting nt", "I can't not recommend it!!", "no. no! no? fine",
    "Never again &amp; never ever! http://x.co a@b.com $5", "nope nope nope nope nope good",
    "not a b c d e f g", "without any help, without a word", "soooo not goooood",
    "\n\nNot\tgood .\u00a0Great!", "not  \n good", "x : ) y", "(don't) a :) b", "U.S. e.g. ok",
]


def _shipped() -> list[str]:
    seed = pd.read_csv(REPO / "data" / "seed_feedback.csv")["text"]
    clear = pd.read_csv(REPO / "tests" / "data" / "clear_cases.csv")["text"]
    return [str(t) for t in pd.concat([seed, clear]) if str(t).strip()] + TRICKY


@pytest.fixture(scope="module",
                params=["shipped", pytest.param("public_sets", marks=pytest.mark.shared_data)])
def texts(request: Any) -> list[str]:
    if request.param == "shipped":
        return _shipped()
    shared_data: Path = request.getfixturevalue("shared_data")  # skips when it is absent
    frames = [pd.read_csv(shared_data / name)["text"].dropna().astype(str).head(4000)
              for name in ("clothing_reviews_test.csv", "airline_tweets_test.csv",
                           "reddit_emotions_test.csv")]
    return pd.concat(frames).tolist()


def _steps(model: mn.MomentClassifier) -> tuple[Any, Any]:
    steps = model.pipeline_.named_steps
    return steps["preprocess"], steps["features"]


def test_the_feature_matrix_and_sentence_ends_equal_the_string_paths(texts: list[str]) -> None:
    preprocess, features = _steps(mn.load())
    assert _scoring.supports(preprocess, features)
    with _COUNTER_LOCK:
        encoded = _scoring.encode(preprocess, features, texts)
        fast = features._transform_encoded(encoded.numbers, encoded.rows(), len(texts))
    tokens, ends = preprocess.transform_sentences(texts)
    slow = features.transform(tokens)
    assert encoded.lengths.tolist() == [len(t) for t in tokens]
    assert (fast != slow).nnz == 0
    assert fast.shape == slow.shape
    got = [[] for _ in texts]  # type: list[list[int]]
    for text, end in zip(encoded.end_text.tolist(), encoded.end_at.tolist()):
        got[text].append(end)
    assert got == ends


def test_token_lists_equal_the_token_by_token_definition(texts: list[str]) -> None:
    """``transform`` / ``transform_sentences`` go through the table; ``_tokens`` (one spaCy
    token at a time) is the definition they must match."""
    preprocess = SpacyPreprocessor()
    tokens, ends = preprocess.transform_sentences(texts)
    want_tokens, want_ends = [], []
    with _NLP_LOCK:
        for doc in preprocess._docs(texts):
            want_ends.append([])
            want_tokens.append(preprocess._tokens(doc, want_ends[-1]))
    assert tokens == want_tokens
    assert ends == want_ends
    assert preprocess.transform(texts) == want_tokens
    no_scope = SpacyPreprocessor(negation_scope=0)
    with _NLP_LOCK:
        want = [no_scope._tokens(doc) for doc in no_scope._docs(texts[:500])]
    assert no_scope.transform(texts[:500]) == want


def test_probabilities_and_familiarity_equal_the_string_paths(
        texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    model = mn.load()
    fast, fast_known = model.predict_proba(texts).to_numpy(), model.familiarity(texts)
    monkeypatch.setattr(_scoring, "supports", lambda *args: False)
    slow, slow_known = model.predict_proba(texts).to_numpy(), model.familiarity(texts)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast_known, slow_known)


def test_the_table_starts_again_with_the_counter_and_past_its_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = mn.load()
    texts = _shipped()[:1500]
    want = model.predict_proba(texts).to_numpy()
    preprocess, features = _steps(model)
    counter = features._fast_counter()
    first = counter.fused
    features.transform(preprocess.transform(["a brand new wordzz"]))  # the string path
    counter._reset()  # e.g. its token limit was reached
    np.testing.assert_array_equal(model.predict_proba(texts).to_numpy(), want)
    assert counter.fused is not first and counter.fused.generation == counter.generation
    monkeypatch.setattr(_table._Table, "_LIMIT", 50)  # starts again on almost every batch
    np.testing.assert_array_equal(model.predict_proba(texts).to_numpy(), want)
    monkeypatch.setattr(type(counter), "_LIMIT", 100)
    np.testing.assert_array_equal(model.predict_proba(texts).to_numpy(), want)
    monkeypatch.setattr(_table._Table, "_LIMIT", 10**6)
    monkeypatch.setattr(ChunkTable, "LIMIT", 30)  # chunks forgotten, keys kept
    np.testing.assert_array_equal(model.predict_proba(texts).to_numpy(), want)
    monkeypatch.setattr(ChunkTable, "LIMIT", 10**6)
    monkeypatch.setattr(ChunkTable, "CHAR_LIMIT", 200)  # forgotten for their length
    np.testing.assert_array_equal(model.predict_proba(texts).to_numpy(), want)
    table = _table._table(preprocess, counter).chunk_table
    assert table.chars == sum(map(len, table.ids))  # counted as they are learned
    table.clear()
    assert table.chars == 0 and len(table) == 0 and not table.full()


def test_texts_read_chunk_by_chunk_equal_their_whole_docs(
        texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """On real texts the chunks' tokens are the whole Doc's (spaCy's tokenizer splits a text
    at whitespace and tokenizes each chunk alone; whitespace tokens carry no features): only
    special cases matched across whitespace differ (see the test below)."""
    preprocess, features = _steps(mn.load())
    with _COUNTER_LOCK:
        chunked = _scoring.encode(preprocess, features, texts)
        monkeypatch.setattr(_table, "by_chunks", lambda tokenizer: False)
        whole = _scoring.encode(preprocess, features, texts)
    for name in ("numbers", "lengths", "end_text", "end_at"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))
    assert not _table.by_chunks(lambda text: None)  # another kind of tokenizer: whole Docs


def test_models_the_fast_path_cannot_serve_keep_the_string_path() -> None:
    texts = ["The crew was wonderful", "Lost my bag, nobody helped", "It was fine"] * 4
    labels = ["magic", "misery", "ordinary"] * 4
    trigrams = mn.MomentClassifier(ngram_max=3, cv=2).fit(texts, labels)
    assert not _scoring.supports(*_steps(trigrams))
    assert trigrams.predict(texts[:3]) == ["magic", "misery", "ordinary"]
    assert not _scoring.supports(SpacyPreprocessor(lemmatize=True), _steps(mn.load())[1])
    # a bare tokenizer needs no spaCy processes: n_process on the preprocessor changes nothing
    assert _scoring.supports(SpacyPreprocessor(n_process=2), _steps(mn.load())[1])


def test_encode_of_no_texts_and_of_empty_texts() -> None:
    preprocess, features = _steps(mn.load())
    with _COUNTER_LOCK:
        none = _scoring.encode(preprocess, features, [])
        empty = _scoring.encode(preprocess, features, ["", " ", "ok"])
    assert none.numbers.size == none.lengths.size == 0
    assert empty.lengths.tolist()[:2] == [0, 0] and empty.lengths[2] == 1


def test_gc_paused_restores_the_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


# spaCy's special cases match across whitespace in emoticon runs: the whole text ") :)o" gives
# ")", ":", ")", "o"; the library reads every text chunk by chunk and keeps ":)"
ACROSS = [") :)o ...  Mayn’t- US", "= *8 ):Adm. good  !\ngood  ",
          "Why’ve( :(- 's It’d’ve  =(\nE.G. "]


def test_every_path_reads_a_text_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    preprocess = SpacyPreprocessor()
    want = [[t for chunk in text.split() for t in preprocess.transform([chunk])[0]]
            for text in ACROSS[:1]]
    assert want[0][:2] == [":)", "<emo_pos>"]
    tokens = preprocess.transform(ACROSS)
    assert tokens[:1] == want
    assert SpacyPreprocessor(n_process=2).transform(ACROSS) == tokens
    assert [[normal for normal, _, _ in row] for row in align_tokens(preprocess, ACROSS)] == tokens
    with _NLP_LOCK:
        assert [preprocess._tokens(doc) for doc in preprocess._docs(ACROSS)] == tokens
    model = mn.load()
    fast = model.predict_proba(ACROSS * 3).to_numpy()
    monkeypatch.setattr(_scoring, "supports", lambda *args: False)
    np.testing.assert_array_equal(model.predict_proba(ACROSS * 3).to_numpy(), fast)
