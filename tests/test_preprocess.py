"""Tests of the spaCy preprocessing transformer (moments_nlp/preprocess.py)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from moments_nlp.errors import InputError
from moments_nlp.text.preprocess import SpacyPreprocessor, build_nlp


@pytest.fixture(scope="module")
def pre() -> SpacyPreprocessor:
    return SpacyPreprocessor()


def tokens(pre: SpacyPreprocessor, text: str) -> list[str]:
    return pre.transform([text])[0]


def test_urls_and_emails_become_placeholders(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "see https://example.com/a?b=1 or mail help@example.com") == [
        "see", "<url>", "or", "mail", "<email>"]
    assert "<url>" in tokens(pre, "www.example.com is down")


def test_handles_keep_placeholder_and_identity(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "@SkyJetAir thanks") == ["<user>", "@skyjetair", "thanks"]
    # a lone @ is punctuation, not a handle
    assert "<user>" not in tokens(pre, "meet @ 5")


def test_numbers_and_prices(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "It cost $45.99 for 3 hours") == [
        "it", "cost", "<money>", "<num>", "for", "<num>", "hours"]
    assert tokens(pre, "flight ua123 delayed") == ["flight", "ua0", "delayed"]
    assert "<money>" in tokens(pre, "€20 fee")


@pytest.mark.parametrize(("text", "tag"), [
    (":)", "<emo_pos>"), (":-(", "<emo_neg>"), ("<3", "<emo_pos>"), (":/", "<emo_neg>"),
    ("😍", "<emo_pos>"), ("😡", "<emo_neg>"), ("👍", "<emo_pos>"), ("👎", "<emo_neg>"),
])
def test_emoji_and_emoticons_keep_their_sentiment(pre: SpacyPreprocessor, text: str,
                                                  tag: str) -> None:
    out = tokens(pre, f"ok {text}")
    assert tag in out
    assert out[out.index(tag) - 1] in {text, text.lower()}


def test_neutral_emoji_is_kept_without_tag(pre: SpacyPreprocessor) -> None:
    out = tokens(pre, "flying ✈️ today")
    assert "<emo_pos>" not in out and "<emo_neg>" not in out
    assert any(tok.startswith("✈") for tok in out)


def test_elongation_is_shortened_and_case_folded(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "Sooooo GOOOOD") == ["soo", "good"]
    assert tokens(pre, "SOO good") == tokens(pre, "sooooooo good")


@pytest.mark.parametrize(("text", "expected"), [
    ("not good", ["not", "not_good"]),
    ("never again", ["never", "not_again"]),
    ("wasn't helpful", ["was", "not", "not_helpful"]),
    ("not good, but fine", ["not", "not_good", "but", "fine"]),
    ("no help. Great staff", ["no", "not_help", "great", "staff"]),
    ("I don't like it at all really", ["i", "do", "not", "not_like", "not_it", "not_at",
                                       "not_all", "really"]),
])
def test_negation_scope(pre: SpacyPreprocessor, text: str, expected: list[str]) -> None:
    assert tokens(pre, text) == expected


def test_negation_scope_can_be_turned_off() -> None:
    assert SpacyPreprocessor(negation_scope=0).transform(["not good"]) == [["not", "good"]]


def test_html_entities_and_control_characters(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "fish &amp; chips &lt;3") == ["fish", "chips", "<3", "<emo_pos>"]
    assert tokens(pre, "bad\x00\u200bservice") == tokens(pre, "bad service")


def test_keeps_exclamation_and_question_marks(pre: SpacyPreprocessor) -> None:
    assert tokens(pre, "Why?! Really...") == ["why", "?", "!", "really", "..."]


@pytest.mark.parametrize("blank", ["", "   ", None, float("nan"), pd.NA])
def test_blank_and_missing_give_empty_token_lists(pre: SpacyPreprocessor, blank: object) -> None:
    assert pre.transform([blank, "ok"]) == [[], ["ok"]]


def test_accepts_series_and_arrays(pre: SpacyPreprocessor) -> None:
    expected = [["great"], ["bad"]]
    assert pre.transform(pd.Series(["great", "bad"])) == expected
    assert pre.transform(np.array(["great", "bad"], dtype=object)) == expected
    assert pre.transform(t for t in ["great", "bad"]) == expected


def test_bare_string_is_refused(pre: SpacyPreprocessor) -> None:
    with pytest.raises(InputError, match="got a single str"):
        pre.transform("not a list")
    with pytest.raises(InputError, match="got a single str"):
        pre.fit("not a list")


def test_sklearn_conventions() -> None:
    pre = SpacyPreprocessor(negation_scope=2, batch_size=10)
    assert clone(pre).get_params() == pre.get_params()
    assert pre.fit(["x"]) is pre
    assert pre.__sklearn_tags__().requires_fit is False
    with pytest.raises(AttributeError, match="token lists"):
        pre.get_feature_names_out()


def test_pickle_drops_and_rebuilds_the_nlp(pre: SpacyPreprocessor) -> None:
    pre.transform(["warm up"])
    state = pre.__getstate__()
    assert "_nlp" not in state and "_cache" not in state
    again = pickle.loads(pickle.dumps(pre))
    assert again.transform(["not good :)"]) == pre.transform(["not good :)"])


def test_lemmatize_option_uses_lookup_tables() -> None:
    pytest.importorskip("spacy_lookups_data")
    out = SpacyPreprocessor(lemmatize=True).transform(["the bags were delayed"])[0]
    assert out == ["the", "bag", "be", "delay"]


def test_build_nlp_blank_has_only_a_tokenizer() -> None:
    nlp = build_nlp("blank:en")
    assert nlp.pipe_names == []
    assert [t.text for t in nlp("Don't")] == ["Do", "n't"]
