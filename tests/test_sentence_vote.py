"""The sentence vote (moments_nlp/_sentence_vote.py) and the sentence ends it reads."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import moments_nlp as mn
from moments_nlp.model._sentence_vote import MIN_WORDS, blend, sentence_vote, vote_temperature
from moments_nlp.text.preprocess import SpacyPreprocessor


def test_sentence_ends_leave_the_tokens_alone(seed: pd.DataFrame) -> None:
    texts = seed["text"].tolist()
    pre = SpacyPreprocessor()
    tokens, ends = pre.transform_sentences(texts)
    assert tokens == SpacyPreprocessor().transform(texts)
    for words, stops in zip(tokens, ends, strict=True):
        assert stops == sorted(set(stops)) and all(0 < s <= len(words) for s in stops)
    assert pre.transform_sentences(["Great crew. Lost bag!! Why?"]) == (
        [["great", "crew", "lost", "bag", "!", "!", "why", "?"]], [[2, 6, 8]])


def test_short_texts_keep_their_probabilities() -> None:
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    long_text = " ".join(["word"] * MIN_WORDS)
    out = sentence_vote(["too short. two sentences.", long_text], [["a", "b"], ["c"]],
                        [[1], []], proba, lambda pieces: np.full((len(pieces), 3), 1 / 3), 0.5)
    np.testing.assert_array_equal(out, proba)  # short, or a single sentence


def test_a_long_review_with_a_problem_moves_towards_misery(
        default_model: mn.MomentClassifier) -> None:
    text = ("I have shopped here for years and I love the brand, the colours are lovely and the "
            "staff in the store are always kind and helpful to me. The zip broke on the first "
            "day and the seam tore. Very disappointed.")
    assert default_model.sentence_vote == 0.5  # as shipped
    plain = pickle.loads(pickle.dumps(default_model)).set_params(sentence_vote=0.0)
    before = plain.predict_proba([text]).to_numpy()[0]
    after = default_model.predict_proba([text]).to_numpy()[0]
    assert after[2] > before[2] and after.sum() == pytest.approx(1.0)
    short = ["Lovely staff", "Rude agent, lost bag"]
    np.testing.assert_array_equal(default_model.predict_proba(short).to_numpy(),
                                  plain.predict_proba(short).to_numpy())


def test_the_vote_depends_on_the_text_alone(default_model: mn.MomentClassifier,
                                            shared_data: Path) -> None:
    texts = pd.read_csv(shared_data / "clothing_reviews_test.csv")["text"].dropna()
    texts = texts.astype(str).tolist()[:2000]
    voted = pickle.loads(pickle.dumps(default_model)).set_params(sentence_vote=0.5)
    together = voted.predict_proba(texts).to_numpy()
    chunked = np.vstack([voted.predict_proba(texts[i:i + 37]).to_numpy()
                         for i in range(0, len(texts), 37)])
    backwards = voted.predict_proba(texts[::-1]).to_numpy()[::-1]
    np.testing.assert_allclose(chunked, together, rtol=0, atol=1e-12)
    np.testing.assert_allclose(backwards, together, rtol=0, atol=1e-12)
    voted.set_params(sentence_vote=0.0)
    plain = voted.predict_proba(texts).to_numpy()
    assert (np.abs(together - plain).max(axis=1) > 1e-9).mean() > 0.5  # most reviews vote


def test_models_saved_before_the_vote_load_with_it_off(default_model: mn.MomentClassifier) -> None:
    state = default_model.__getstate__()
    state.pop("sentence_vote")
    old = mn.MomentClassifier.__new__(mn.MomentClassifier)
    old.__setstate__(state)
    assert old.get_params()["sentence_vote"] == 0.0
    assert clone(old).sentence_vote == 0.0


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_a_sentence_vote_outside_0_to_1_is_refused(alpha: float) -> None:
    model = mn.load().set_params(sentence_vote=alpha)
    with pytest.raises(ValueError, match="sentence_vote must be between 0 and 1"):
        model.predict(["The dress was lovely."])


def test_vote_temperature_recovers_the_temperature_the_labels_were_drawn_with() -> None:
    rng = np.random.default_rng(0)
    n, k, per_text = 6000, 3, 3
    held = rng.dirichlet(np.ones(k), size=n)
    owner = np.repeat(np.arange(n), per_text)
    each = rng.dirichlet(np.ones(k), size=n * per_text)
    voted = blend(held, owner, each, 0.5, temperature=1.5)
    index = np.array([rng.choice(k, p=p) for p in voted])
    beta, out = vote_temperature(held, owner, each, 0.5, index, None)
    assert beta == pytest.approx(1.5, rel=0.1)
    np.testing.assert_allclose(out, blend(held, owner, each, 0.5, temperature=beta))
    zero = np.zeros(n)
    assert vote_temperature(held, owner, each, 0.5, index, zero)[0] == 1.0  # no weight: off


def test_fit_calibrates_the_vote_out_of_fold(shared_data: Path) -> None:
    reviews = pd.read_csv(shared_data / "clothing_reviews_train.csv").dropna(subset=["text"])
    reviews = reviews.sample(n=2500, random_state=0)
    texts, labels = reviews["text"].astype(str).tolist(), reviews["label"].tolist()
    plain = mn.MomentClassifier(cv=3, min_df=2).fit(texts, labels)
    assert plain.vote_temperature_ == 1.0
    voted = mn.MomentClassifier(cv=3, min_df=2, sentence_vote=0.5).fit(texts, labels)
    assert voted.vote_temperature_ != 1.0 and 0.2 < voted.vote_temperature_ < 5
    np.testing.assert_array_equal(  # the vote and its temperature change no weight
        voted.pipeline_[-1].estimator_.coef_, plain.pipeline_[-1].estimator_.coef_)
    assert voted.shares_proba_.shape == plain.shares_proba_.shape
    assert not np.array_equal(voted.shares_proba_, plain.shares_proba_)  # voted rows in it
    test = pd.read_csv(shared_data / "clothing_reviews_test.csv")["text"].dropna()
    test = test.astype(str).tolist()[:300]
    sharp = voted.predict_proba(test).to_numpy()
    voted.vote_temperature_ = 1.0
    soft = voted.predict_proba(test).to_numpy()
    changed = np.abs(sharp - soft).max(axis=1) > 1e-9
    assert changed.mean() > 0.3  # the long reviews
    np.testing.assert_array_equal(sharp.argmax(axis=1), soft.argmax(axis=1))


def test_models_saved_before_the_vote_temperature_use_none(
        default_model: mn.MomentClassifier) -> None:
    text = ["I love this brand and I have bought from it for years and years and years, the "
            "fit was always great and the fabric soft. This time the zip broke on day one. "
            "The seam tore as well and I am sad."]
    state = default_model.__getstate__()
    state.pop("vote_temperature_")
    old = mn.MomentClassifier.__new__(mn.MomentClassifier)
    old.__setstate__(state)
    steps = old.pipeline_.named_steps
    tokens, ends = steps["preprocess"].transform_sentences(text)

    def score(lists: list[list[str]]) -> np.ndarray:
        frame = pd.DataFrame(steps["classifier"].predict_proba(steps["features"].transform(lists)),
                             columns=steps["classifier"].classes_)
        return frame[list(mn.LABELS)].to_numpy(dtype=np.float64)

    want = sentence_vote(text, tokens, ends, score(tokens), score, 0.5)
    np.testing.assert_allclose(old.predict_proba(text).to_numpy(), want, atol=1e-6)
