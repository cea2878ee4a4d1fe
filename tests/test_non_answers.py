"""Tests of moments_nlp.text._non_answers and of how every labeling path treats non-answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.text._non_answers import NON_ANSWER_PROBA, is_non_answer, non_answer_mask

NON_ANSWERS = ["No comment", "no comments", "No", "None", "Not applicable", "n/a", "N/A.", "NA",
               "nothing", "Nothing.", "-", ".", "...", "--", "10", "7", "12345", " 8.5 ",
               "No comment, thanks", "none at this time", "Not sure", "'n/a'", "NOTHING!"]
ANSWERS = ["No complaints", "Nothing to complain about", "None of the staff helped",
           "Nothing worked", "No one answered the phone", "10/10", "10 out of 10",
           "45 minutes on hold", "ok", "Thanks", "No problems at all", "nothing special",
           "Not bad"]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_non_answers_are_recognized(text: str) -> None:
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_answers_go_to_the_model(text: str) -> None:
    assert not is_non_answer(text)


def test_blank_is_not_a_non_answer() -> None:
    assert non_answer_mask(["", "  \n", "n/a"]).tolist() == [False, False, True]


def test_label_gives_non_answers_ordinary_and_the_flag(default_model: mn.MomentClassifier) -> None:
    frame = pd.DataFrame({"comment": [*NON_ANSWERS, *ANSWERS, None, " "]})
    out = default_model.label(frame, min_confidence=0.99)
    n, m = len(NON_ANSWERS), len(ANSWERS)
    assert out["non_answer"].dtype == "boolean"
    assert out["non_answer"].tolist() == [True] * n + [False] * (m + 2)
    non = out.iloc[:n]
    assert (non["moment"] == "ordinary").all()
    np.testing.assert_array_equal(non[["p_magic", "p_ordinary", "p_misery"]].to_numpy(),
                                  np.tile(NON_ANSWER_PROBA, (n, 1)))
    assert (non["confidence"] == 1.0).all() and non["familiarity"].isna().all()
    assert not non["needs_review"].any()
    answers = out.iloc[n:n + m]
    assert answers["familiarity"].notna().all()  # read by the model
    assert out.iloc[n + m:]["moment"].isna().all()  # blanks stay unlabeled


def test_predict_agrees_with_label(default_model: mn.MomentClassifier) -> None:
    texts = [*NON_ANSWERS, *ANSWERS]
    out = default_model.label(pd.DataFrame({"comment": texts}))
    assert default_model.predict(texts) == out["moment"].tolist()
    proba = default_model.predict_proba(texts)
    np.testing.assert_allclose(proba.to_numpy(), out[["p_magic", "p_ordinary",
                                                      "p_misery"]].to_numpy())


def test_the_answers_that_look_alike_keep_the_models_label(
        default_model: mn.MomentClassifier) -> None:
    texts = ["No complaints", "None of the staff helped", "Nothing worked"]
    proba = default_model.predict_proba(texts).to_numpy()
    # read by the model (not the non-answer constant), and labeled by its probabilities
    assert not (proba == np.asarray(NON_ANSWER_PROBA)).all(axis=1).any()
    assert default_model.predict(texts) == [mn.LABELS[i] for i in proba.argmax(axis=1)]
    assert default_model.predict(texts)[0] == "magic"  # "no" here is praise, not a complaint


def test_explain_and_shares_treat_non_answers_as_ordinary(
        default_model: mn.MomentClassifier) -> None:
    assert default_model.explain(["n/a", "Rude staff"])[0] == []
    out = default_model.label(pd.DataFrame({"comment": ["n/a", "Rude staff"]}), explain=True)
    assert out["explanation"].tolist()[0] == "(non-answer)"
    shares = default_model.estimate_shares(["n/a", "-", "No comment", "Rude staff"], n_boot=20)
    assert shares.attrs["non_answer"] == 3 and shares.attrs["n"] == 4
    assert shares.attrs["counted"]["ordinary"] == 0.75
    assert shares.loc["ordinary", "share"] >= 0.75  # the non-answers' certain part
    only = default_model.estimate_shares(["n/a", "10"], n_boot=10)
    assert only["share"].tolist() == [0.0, 1.0, 0.0]


def test_label_file_counts_non_answers(tmp_path: Path, default_model: mn.MomentClassifier,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["No comment", "Lovely staff", "", "12345", "Rude agent"]}).to_csv(
        source, index=False)
    summary = mn.label_file(source, tmp_path / "out.csv", text_column="comment",
                            model=default_model)
    assert (summary.rows, summary.labeled, summary.blank, summary.non_answers) == (5, 4, 1, 2)
    assert summary.label_counts["ordinary"] >= 2
    assert "2 non-answers (n/a, no comment, ...) labeled ordinary" in str(summary)
    written = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert written["non_answer"].tolist() == [True, False, False, True, False]
    assert main(["label", str(source), "-o", str(tmp_path / "cli.csv"), "--text-column",
                 "comment", "--no-progress"]) == 0
    assert "2 non-answers" in capsys.readouterr().out


def test_cli_explain_says_a_non_answer_is_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "n/a", "Rude staff"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ordinary  n/a") and "by rule, not by the model" in out
