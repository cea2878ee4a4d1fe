"""Tests for moments_nlp.insight.explain: exact, word-level explanations of the linear model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import InputError, UnknownLabelError
from moments_nlp.insight.explain import explain, format_terms, linear_weights
from moments_nlp.text.preprocess import SpacyPreprocessor, align_tokens

PRAISE = {"wonderful", "amazing", "fantastic", "best", "love", "thank", "thanks", "excellent",
          "great", "brilliant", "perfect", "awesome"}


def test_names_rude_for_rude_agent(default_model: mn.MomentClassifier) -> None:
    text = "The gate agent was rude and unhelpful."
    assert default_model.predict([text]) == ["misery"]
    terms = default_model.explain([text])[0]
    words = [term.lower() for term, _ in terms]
    assert "rude" in words[:2]
    assert all(weight > 0 for _, weight in terms)


def test_names_praise_words_for_enthusiastic_comment(default_model: mn.MomentClassifier) -> None:
    text = "Absolutely wonderful crew, thank you so much! Best flight I have ever had."
    assert default_model.predict([text]) == ["magic"]
    words = {term.lower() for term, _ in default_model.explain([text], top=5)[0]}
    assert len(words & PRAISE) >= 2, words


def test_weights_add_up_to_calibrated_log_odds(default_model: mn.MomentClassifier) -> None:
    texts = ["Wasn't helpful at all :(", "@SkyJet lost my bag AGAIN!!! http://x.co",
             "Ordered on Monday, arrived Thursday."]
    _coef, intercept, scale = linear_weights(default_model)
    proba = default_model._proba_array(texts)
    for terms, p in zip(explain(default_model, texts, top=None), proba):
        c = int(p.argmax())
        bias = (intercept[c] - intercept.mean()) * scale
        log_p = np.log(p)
        assert sum(w for _, w in terms) + bias == pytest.approx(log_p[c] - log_p.mean(), abs=1e-4)


def test_explain_toward_a_given_label_and_negation(default_model: mn.MomentClassifier) -> None:
    terms = dict(default_model.explain(["The staff were not helpful"], top=None)[0])
    assert "not helpful" in terms
    toward_magic = dict(explain(default_model, ["Rude staff"], top=None, label="magic")[0])
    assert toward_magic["Rude"] < 0


def test_blank_and_bad_arguments(default_model: mn.MomentClassifier) -> None:
    assert default_model.explain(["", "  ", None]) == [[], [], []]
    with pytest.raises(UnknownLabelError, match="label must be one of"):
        explain(default_model, ["x"], label="great")
    with pytest.raises(InputError, match="top must be a positive integer"):
        explain(default_model, ["x"], top=0)
    with pytest.raises(InputError, match="single str"):
        default_model.explain("The crew was wonderful")


def test_label_adds_explanation_and_touchpoints(default_model: mn.MomentClassifier) -> None:
    frame = pd.DataFrame({"comment": ["Rude agent at the desk", None, "The app keeps crashing"]})
    out = default_model.label(frame, explain=True, touchpoints=True)
    assert "Rude" in out.loc[0, "explanation"]
    assert pd.isna(out.loc[1, "explanation"])
    assert out["touchpoints"].tolist() == ["staff", "", "digital"]


def test_align_tokens_matches_transform() -> None:
    pre = SpacyPreprocessor()
    texts = ["Sooo not good :( http://x.co", "I can't believe it's 5pm &amp; still no 📦!!",
             "", "Don't  ever\tchange 😍"]
    aligned = align_tokens(pre, texts)
    assert [[n for n, _, _ in row] for row in aligned] == pre.transform(texts)
    assert all(index >= 0 for row in aligned for _, _, index in row)


def test_format_terms() -> None:
    assert format_terms([]) == ""
    assert format_terms([("late", -0.5)]) == "late (-0.50)"
