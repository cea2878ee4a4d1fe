"""Tests of moments_nlp.train: validation messages, cards, CV reports, train_file, warm start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.classifier import WarmStartClassifier
from moments_nlp.cli import main
from moments_nlp.errors import TrainingDataError, UnknownLabelError
from moments_nlp.insight.shares import em_shares, reference_prior
from moments_nlp.train import cross_validate, format_cv_report, train_file, validate_training_data

TEXTS = ["lovely crew", "great food", "late and rude", "lost my bag", "it was a flight",
         "seat 12a"]
LABELS6 = ["magic", "magic", "misery", "misery", "ordinary", "ordinary"]


def test_unknown_labels_listed_with_counts() -> None:
    with pytest.raises(UnknownLabelError, match=r"'great' \(2x\), 'bad' \(1x\)"):
        validate_training_data(["a", "b", "c"], ["great", "great", "bad"])


def test_too_few_examples_names_label_count_and_minimum() -> None:
    with pytest.raises(TrainingDataError,
                       match=r"'ordinary' has 1.*at least 3"):
        validate_training_data(["a", "b", "c", "d", "e", "f", "g"],
                               ["magic"] * 3 + ["misery"] * 3 + ["ordinary"], min_per_class=3)


def test_missing_class_is_too_few() -> None:
    with pytest.raises(TrainingDataError, match=r"'ordinary' has 0"):
        mn.train(["good", "bad"] * 5, ["magic", "misery"] * 5, cv=2)


def test_length_mismatch() -> None:
    with pytest.raises(TrainingDataError, match="got 2 texts but 1 labels"):
        validate_training_data(["a", "b"], ["magic"])


def test_blank_dropped_and_duplicates_counted() -> None:
    texts, _labels, summary = validate_training_data(
        [*TEXTS, " ", None, "lovely crew"], [*LABELS6, "magic", "misery", "magic"])
    assert summary["blank_rows_dropped"] == 2
    assert summary["duplicates"] == {"rows": 1, "policy": "keep", "rows_dropped": 0}
    assert len(texts) == 7 and summary["rows"] == 7
    _, _, dropped = validate_training_data([*TEXTS, "lovely crew"], [*LABELS6, "magic"],
                                           duplicates="drop")
    assert dropped["rows"] == 6 and dropped["duplicates"]["rows_dropped"] == 1


def test_conflicts_error_lists_examples() -> None:
    with pytest.raises(TrainingDataError,
                       match=r"1 texts \(3 rows\) carry different labels.*'lovely crew'.*"
                             r"conflicts='drop'"):
        validate_training_data([*TEXTS, "lovely crew", "lovely crew"],
                               [*LABELS6, "misery", "magic"])


def test_conflict_policies() -> None:
    texts = [*TEXTS, "lovely crew", "lovely crew", "seat 12a"]
    labels = [*LABELS6, "misery", "magic", "misery"]
    t, y, s = validate_training_data(texts, labels, conflicts="drop", min_per_class=1)
    assert "lovely crew" not in t and "seat 12a" not in t
    assert s["conflicts"]["texts"] == 2 and s["conflicts"]["rows_dropped"] == 5
    t, y, s = validate_training_data(texts, labels, conflicts="majority", min_per_class=1)
    kept = [lab for txt, lab in zip(t, y) if txt == "lovely crew"]
    assert kept == ["magic", "magic"]  # 2 magic vs 1 misery
    assert "seat 12a" not in t  # a 1-1 tie drops the text
    with pytest.raises(TrainingDataError, match="conflicts must be one of"):
        validate_training_data(texts, labels, conflicts="vote")


def test_from_stars() -> None:
    _, labels, _ = validate_training_data(["a", "b", "c"], [1, 3, "5"], from_stars=True,
                                          min_per_class=1)
    assert labels == ["misery", "ordinary", "magic"]


def test_train_card_and_cv_report(seed: pd.DataFrame) -> None:
    clf = mn.train(seed["text"], seed["label"], cv=3, cv_folds=3)
    training = clf.card_["training"]
    assert training["rows"] == len(seed) - training["duplicates"]["rows_dropped"]
    assert len(training["sha256"]) == 64
    cv = clf.card_["metrics"]["cross_validated"]
    assert cv["folds"] == 3 and cv["n"] == training["rows"]
    assert set(cv["per_class"]) == set(mn.LABELS) and 0 <= cv["macro_f1"] <= 1
    text = format_cv_report(cv)
    assert "macro-F1" in text and "per class:" in text and "confusion" in text
    # the shares reference: EM on the out-of-fold probabilities returns the true label shares
    reference = clf.card_["shares_reference"]
    assert list(reference) == list(mn.LABELS) and abs(sum(reference.values()) - 1) < 1e-6
    kept, labels, _ = validate_training_data(seed["text"], seed["label"], min_per_class=3)
    _, oof = cross_validate(kept, labels, folds=3, cv=3)
    truth = np.bincount([mn.LABELS.index(x) for x in labels], minlength=3) / len(labels)
    np.testing.assert_allclose(em_shares(oof, np.array(list(reference.values()))), truth,
                               atol=1e-4)
    np.testing.assert_allclose(reference_prior(clf), list(reference.values()), atol=1e-6)
    assert "shares_reference" not in mn.train(seed["text"], seed["label"], cv=3).card_


@pytest.mark.slow
def test_train_file_saves_folder_with_card(tmp_path: Path, seed: pd.DataFrame) -> None:
    data = tmp_path / "labeled.tsv"
    seed.rename(columns={"text": "comment", "label": "moment"}).to_csv(data, sep="\t",
                                                                        index=False)
    out = tmp_path / "model"
    clf = train_file(data, text_column="comment", label_column="moment", cv_folds=2, cv=2,
                     output=out)
    card = mn.load(out).card_
    assert card["training"]["file"]["name"] == "labeled.tsv"
    assert len(card["training"]["file"]["sha256"]) == 64
    assert card["metrics"]["cross_validated"]["folds"] == 2
    assert "scikit_learn" in card["versions"]
    assert mn.load(out).predict(["lovely"]) == clf.predict(["lovely"])


@pytest.mark.slow
def test_cli_train_prints_report_and_refuses_overwrite(tmp_path: Path, seed: pd.DataFrame,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "seed.csv"
    seed.to_csv(data, index=False)
    out = tmp_path / "m"
    argv = ["train", str(data), "--text-column", "text", "--label-column", "label",
            "--cv", "2", "-o", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "cross-validated (2 folds" in printed and "per class:" in printed
    assert main(argv) == 2
    assert "pass --force" in capsys.readouterr().err


@pytest.mark.slow
def test_plots(tmp_path: Path, seed: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    data = tmp_path / "seed.csv"
    seed.to_csv(data, index=False)
    clf = train_file(data, text_column="text", label_column="label", cv_folds=2, cv=2,
                     output=tmp_path / "m", plots=True)
    assert (tmp_path / "m" / "confusion.png").stat().st_size > 1000
    assert (tmp_path / "m" / "learning_curve.png").stat().st_size > 1000
    curve = clf.card_["metrics"]["learning_curve"]
    assert [p["rows"] for p in curve] == sorted(p["rows"] for p in curve)


@pytest.mark.slow
def test_warm_start_round_trip(tmp_path: Path, default_model: mn.MomentClassifier,
                               seed: pd.DataFrame) -> None:
    clf = mn.train(seed["text"], seed["label"], base=default_model, cv=2)
    assert isinstance(clf, WarmStartClassifier) and isinstance(clf, mn.MomentClassifier)
    assert clf.card_["base"]["name"] == default_model.card_.get("name", "unnamed")
    assert clf.card_["base"]["weight"] == clf.base_weight_
    clf.save(tmp_path / "warm")
    again = mn.load(tmp_path / "warm")
    texts = ["The crew was wonderful", "My bag was lost", "I flew on Tuesday"]
    pd.testing.assert_frame_equal(again.predict_proba(texts), clf.predict_proba(texts))
    out = again.label(pd.DataFrame({"comment": texts}))
    assert out["moment"].notna().all()


@pytest.mark.slow
def test_warm_start_fixed_weight_pools(default_model: mn.MomentClassifier,
                                       seed: pd.DataFrame) -> None:
    pure = mn.train(seed["text"], seed["label"], base=default_model, cv=2, base_weight=0.0)
    half = mn.train(seed["text"], seed["label"], base=default_model, cv=2, base_weight=0.5)
    texts = ["ok I guess"]
    assert pure.predict_proba(texts).equals(mn.train(seed["text"], seed["label"], cv=2)
                                            .predict_proba(texts))
    assert not half.predict_proba(texts).equals(pure.predict_proba(texts))


def test_warm_start_needs_fitted_base() -> None:
    with pytest.raises(TrainingDataError, match="needs a fitted base model"):
        WarmStartClassifier(base=mn.MomentClassifier()).fit(TEXTS * 3, LABELS6 * 3)
