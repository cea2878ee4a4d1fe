"""Tests of MomentClassifier (moments_nlp/model.py): sklearn conventions, API, abstain option.

``parametrize_with_checks`` skips estimators whose tags say ``two_d_array=False`` (ours take a
1-D collection of texts, not a numeric matrix), so it would run nothing here. The API checks of
``sklearn.utils.estimator_checks`` that do not feed numeric 2-D arrays are called one by one
below, and the data-dependent conventions (fit returns self, no parameter overwritten by fit,
NotFittedError) are checked on small text data of our own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_estimator_cloneable,
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import moments_nlp as mn
from moments_nlp.classifier import MomentClassifier
from moments_nlp.errors import ColumnNotFoundError, InputError, TrainingDataError

TEXTS = ["The crew was wonderful", "My bag never arrived", "What time is boarding?",
         "Dirty restroom and a broken tray table", "Best hotel stay of my life!"]


@pytest.mark.parametrize("check", [
    check_estimator_cloneable, check_estimator_repr, check_no_attributes_set_in_init,
    check_get_params_invariance, check_set_params, check_parameters_default_constructible,
])
def test_sklearn_api_checks(check: object) -> None:
    check("MomentClassifier", MomentClassifier())  # type: ignore[operator]


def test_tags_say_one_dimensional_texts() -> None:
    tags = MomentClassifier().__sklearn_tags__()
    assert tags.input_tags.two_d_array is False and tags.input_tags.string is True


def test_fit_returns_self_and_does_not_change_params(seed: pd.DataFrame) -> None:
    clf = MomentClassifier(cv=2, C=1.0, min_df=2)
    before = clf.get_params()
    assert clf.fit(seed["text"], seed["label"]) is clf
    assert clf.get_params() == before
    assert list(clf.classes_) == list(mn.LABELS)
    fresh = clone(clf)
    assert fresh.get_params() == before and not hasattr(fresh, "pipeline_")


def test_unfitted_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        MomentClassifier().predict(["hello"])


def test_fit_refuses_bad_training_data() -> None:
    with pytest.raises(TrainingDataError, match="got 2 texts but 1 labels"):
        MomentClassifier().fit(["a", "b"], ["magic"])
    with pytest.raises(TrainingDataError, match="blank texts at rows"):
        MomentClassifier(cv=2).fit(["a", " ", "c", "d", "e", "f"],
                                   ["magic", "misery", "ordinary"] * 2)
    with pytest.raises(TrainingDataError, match="too few for"):
        MomentClassifier(cv=5).fit(["a", "b", "c"], ["magic", "misery", "ordinary"])


def test_predict_and_proba(small_model: mn.MomentClassifier) -> None:
    proba = small_model.predict_proba(TEXTS)
    assert list(proba.columns) == list(mn.LABELS)
    assert np.allclose(proba.sum(axis=1), 1.0)
    predicted = small_model.predict(TEXTS)
    assert isinstance(predicted, list) and len(predicted) == len(TEXTS)
    assert predicted == [mn.LABELS[i] for i in proba.to_numpy().argmax(axis=1)]
    series = pd.Series(TEXTS, index=[10, 11, 12, 13, 14])
    assert list(small_model.predict_proba(series).index) == [10, 11, 12, 13, 14]
    with pytest.raises(InputError, match="got a single str"):
        small_model.predict("one text")


def test_label_keeps_rows_and_columns(small_model: mn.MomentClassifier) -> None:
    df = pd.DataFrame({"id": [1, 2, 3, 4], "comment": ["Amazing staff!", None, "  ", "Lost bag"]},
                      index=[7, 8, 9, 10])
    out = small_model.label(df)
    assert list(out.columns) == ["id", "comment", "moment", "confidence", "p_magic",
                                 "p_ordinary", "p_misery", "familiarity", "non_answer",
                                 "needs_review", "language_ok"]
    assert list(out.index) == [7, 8, 9, 10] and out["id"].tolist() == [1, 2, 3, 4]
    assert out["moment"].dtype == "string"
    assert out["moment"].isna().tolist() == [False, True, True, False]
    assert out.loc[[8, 9], ["confidence", "p_magic"]].isna().all().all()
    scores = out.loc[[7, 10], ["p_magic", "p_ordinary", "p_misery"]].to_numpy()
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert "moment" not in df
    # needs_review is always there: the default threshold is 0.5
    assert out["needs_review"].tolist() == (out["confidence"] < 0.5).tolist()
    with pytest.raises(ColumnNotFoundError, match="available columns"):
        small_model.label(df, text_column="text")


def test_min_confidence_marks_rows_for_review(small_model: mn.MomentClassifier) -> None:
    df = pd.DataFrame({"comment": [*TEXTS, ""]})
    out = small_model.label(df, min_confidence=0.6)
    assert out["needs_review"].dtype == "boolean"
    expected = [*(out["confidence"] < 0.6).tolist()[:-1], False]
    assert out["needs_review"].tolist() == expected
    assert small_model.label(df, min_confidence=0.0)["needs_review"].sum() == 0
    assert small_model.label(df, min_confidence=1.0)["needs_review"].sum() == len(TEXTS)


def test_evaluate_report(small_model: mn.MomentClassifier, seed: pd.DataFrame) -> None:
    report = small_model.evaluate(seed["text"][:60], seed["label"][:60])
    assert 0.0 <= report.macro_f1 <= 1.0 and 0.0 <= report.ece <= 1.0
    assert list(report.per_class.index) == list(mn.LABELS)
    assert "macro" in str(report).lower()


@pytest.mark.parametrize("fmt", ["skops", "joblib"])
def test_save_load_same_predictions(small_model: mn.MomentClassifier, tmp_path: Path,
                                    fmt: str) -> None:
    loaded = mn.load(small_model.save(tmp_path / fmt, format=fmt), trusted=fmt == "joblib")
    assert loaded.predict(TEXTS) == small_model.predict(TEXTS)
    assert np.allclose(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))


@pytest.mark.parametrize(("text", "label"), [
    ("The staff were wonderful and the room was spotless, thank you!", "magic"),
    ("Absolutely loved it, best service ever", "magic"),
    ("Terrible service, rude staff and a dirty room. Never again.", "misery"),
    ("My order arrived broken and nobody answers my emails", "misery"),
])
def test_default_model_gets_clear_cut_sentences(default_model: mn.MomentClassifier, text: str,
                                                label: str) -> None:
    assert default_model.predict([text]) == [label]


def test_default_model_is_small() -> None:
    from moments_nlp.model.persist import default_model_path

    size = sum(f.stat().st_size for f in default_model_path().iterdir())
    assert size < 15 * 1024 * 1024


@pytest.mark.slow
def test_train_on_airline_subset(shared_data: Path) -> None:
    train = pd.read_csv(shared_data / "airline_tweets_train.csv").sample(3000, random_state=0)
    test = pd.read_csv(shared_data / "airline_tweets_test.csv")
    clf = mn.train(train["text"], train["label"], cv=3)
    report = clf.evaluate(test["text"], test["label"])
    assert report.macro_f1 > 0.65
    assert report.ece < 0.08


def test_unfamiliar_text_gets_lower_confidence_and_review(small_model: mn.MomentClassifier) -> None:
    texts = ["The staff were friendly and helpful", "Xqzv brrlk wommp snarf"]
    out = small_model.label(pd.DataFrame({"comment": texts}), min_confidence=0.3)
    familiar, strange = out["familiarity"].tolist()
    assert familiar > 0.9 and strange == 0.0
    top = out[["p_magic", "p_ordinary", "p_misery"]].max(axis=1).tolist()
    assert out["confidence"].iloc[0] == pytest.approx(top[0])
    assert out["confidence"].iloc[1] == 0.0 < top[1]
    assert out["needs_review"].tolist() == [top[0] < 0.3, True]
    np.testing.assert_allclose(small_model.familiarity(texts), out["familiarity"])


def test_predict_leaves_blank_texts_unlabeled_as_label_does(
        small_model: mn.MomentClassifier) -> None:
    texts = [None, "", "  ", "\n\t", "Lost bag", float("nan")]
    predicted = small_model.predict(texts)
    assert isinstance(predicted, list) and len(predicted) == len(texts)
    assert predicted[:4] == [None] * 4 and predicted[5] is None
    assert predicted[4] in mn.LABELS
    proba = small_model.predict_proba(texts)
    assert list(proba.columns) == list(mn.LABELS) and proba.dtypes.eq("float64").all()
    assert proba.iloc[[0, 1, 2, 3, 5]].isna().all().all()
    assert np.isclose(proba.iloc[4].sum(), 1.0)
    out = small_model.label(pd.DataFrame({"comment": texts}))
    assert [None if m is pd.NA else m for m in out["moment"]] == predicted
    np.testing.assert_array_equal(out[["p_magic", "p_ordinary", "p_misery"]].to_numpy(),
                                  proba.to_numpy())
    assert small_model.predict([]) == [] and small_model.predict_proba([]).shape == (0, 3)


def test_evaluate_skips_blank_texts(small_model: mn.MomentClassifier) -> None:
    report = small_model.evaluate(["Lovely staff", " ", "Lost bag"], ["magic", "misery", "misery"])
    assert report.n == 2
