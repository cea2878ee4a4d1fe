"""Out-of-fold temperature calibration (moments_nlp/_calibrate.py) and the fit's progress bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

import moments_nlp as mn
from moments_nlp.model._calibrate import (
    TemperatureCalibratedClassifier,
    _temperature,
    fit_classifier,
    fit_progress,
    fold_splits,
)

_REASON = ("the folds are drawn over rows, so a row repeated k times and a row of weight k "
           "land in different folds; cv takes a number of folds, not a list of splits")


@parametrize_with_checks(
    [TemperatureCalibratedClassifier(LogisticRegression(), cv=3)],
    expected_failed_checks=lambda _: {
        "check_sample_weight_equivalence_on_dense_data": _REASON,
        "check_sample_weight_equivalence_on_sparse_data": _REASON})
def test_sklearn_api_checks(estimator: object, check: object) -> None:
    check(estimator)  # type: ignore[operator]


def _data(n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat(np.array(["a", "b", "c"]), n // 3)
    X = rng.normal(size=(n, 5))
    X[:, 0] += 2 * (y == "a")
    X[:, 1] += 2 * (y == "b")
    return X, y


def test_proba_is_softmax_of_scaled_decision() -> None:
    X, y = _data()
    clf = TemperatureCalibratedClassifier(LogisticRegression(), cv=3).fit(X, y)
    z = clf.estimator_.decision_function(X)
    np.testing.assert_allclose(clf.predict_proba(X), softmax(clf.beta_ * z, axis=1))
    assert list(clf.predict(X)) == list(clf.classes_[z.argmax(axis=1)])
    assert clone(clf).get_params()["cv"] == 3


def test_temperature_matches_scikit_learn() -> None:
    # the same out-of-fold decision values give scikit-learn's temperature
    X, y = _data()
    splits, _ = fold_splits(y, cv=3, random_state=0)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)  # the same folds
    reference = CalibratedClassifierCV(LogisticRegression(), method="temperature",
                                       cv=folds, ensemble=False).fit(X, y)
    decision = np.zeros((len(y), 3))
    for fit, held in splits:
        decision[held] = LogisticRegression().fit(X[fit], y[fit]).decision_function(X[held])
    beta = _temperature(decision, np.searchsorted(np.unique(y), y), None)
    expected = reference.calibrated_classifiers_[0].calibrators[0].beta_
    assert beta == pytest.approx(float(expected), rel=1e-4)


def test_held_out_sample_is_out_of_fold_and_weights_pass_through() -> None:
    X, y = _data()
    clf = TemperatureCalibratedClassifier(LogisticRegression(), cv=3)
    held = fit_classifier(clf, X, y)
    assert held is not None and held.shape == (len(y), 3)
    true = np.searchsorted(clf.classes_, y)
    # held out, so less sure of the right label than the model on its own training rows
    assert held[np.arange(len(y)), true].mean() < clf.predict_proba(X)[np.arange(len(y)),
                                                                       true].mean()
    weight = np.where(y == "a", 3.0, 1.0)
    weighted = TemperatureCalibratedClassifier(LogisticRegression(), cv=3)
    fit_classifier(weighted, X, y, sample_weight=weight)
    assert not np.allclose(weighted.estimator_.coef_, clf.estimator_.coef_)


def test_copies_stay_in_one_fold_or_no_sample() -> None:
    y = np.array(["a", "b", "c"] * 6)
    splits, ok = fold_splits(y, cv=2, random_state=0, groups=["t1", "t2", "t3"] * 6)
    assert not ok and len(splits) == 2  # 3 texts cannot be held out and keep every label
    groups = [f"t{i % 30}" for i in range(60)]
    splits, ok = fold_splits(np.array(["a", "b", "c"] * 20), cv=3, random_state=0,
                             groups=groups)
    assert ok
    for fit, held in splits:
        assert not {groups[i] for i in fit} & {groups[i] for i in held}


def test_parallel_folds_give_the_same_model() -> None:
    X, y = _data()
    one = TemperatureCalibratedClassifier(LogisticRegression(), cv=3).fit(X, y)
    two = TemperatureCalibratedClassifier(LogisticRegression(), cv=3, n_jobs=2).fit(X, y)
    assert one.beta_ == pytest.approx(two.beta_)


def test_progress_bar_is_forced_on_or_off(capsys: pytest.CaptureFixture[str]) -> None:
    with fit_progress(2, True) as step:
        step("tokenize")
        step("fold 1/2")
    assert "fold 1/2" in capsys.readouterr().err
    with fit_progress(2, False) as step:
        step("tokenize")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("cores", [1, 2])
def test_train_shows_the_folds(seed: pd.DataFrame, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    import joblib

    monkeypatch.setattr(joblib, "cpu_count", lambda *args, **kwargs: cores)
    mn.train(seed["text"][:150], seed["label"][:150], cv=3, show_progress=True)
    err = capsys.readouterr().err
    shown = "fold 3/3" if cores == 1 else "3 folds, 2 threads"
    assert "fitting" in err and shown in err and "temperature" in err
    mn.train(seed["text"][:150], seed["label"][:150], cv=3)  # not a terminal: no bar
    assert capsys.readouterr().err == ""


def test_fold_threads_do_not_change_the_model(seed: pd.DataFrame,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import joblib

    texts, labels = seed["text"][:600], seed["label"][:600]
    fitted = {}
    for cores in (1, 2):
        monkeypatch.setattr(joblib, "cpu_count", lambda *args, cores=cores, **kwargs: cores)
        fitted[cores] = mn.train(texts, labels, cv=3)
    one, two = (fitted[k].pipeline_.named_steps["classifier"] for k in (1, 2))
    assert one.n_jobs == 1 and two.n_jobs == 2
    np.testing.assert_array_equal(one.estimator_.coef_, two.estimator_.coef_)
    assert one.beta_ == two.beta_
    np.testing.assert_array_equal(fitted[1].shares_proba_, fitted[2].shares_proba_)


def test_groups_reach_the_folds_in_step_with_their_rows(seed: pd.DataFrame,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import moments_nlp.model._fitting as fitting_module

    seen: dict[str, object] = {}

    def spy(classifier, features, targets, sample_weight=None, **kwargs):  # type: ignore[no-untyped-def]
        seen["groups"], seen["targets"] = list(kwargs["groups"]), list(targets)
        return fit_classifier(classifier, features, targets, sample_weight, **kwargs)

    monkeypatch.setattr(fitting_module, "fit_classifier", spy)
    rows = seed.head(400)
    pairs = set(zip(rows["label"], rows["industry"], strict=True))
    clf = mn.MomentClassifier(cv=3).fit(rows["text"], rows["label"], groups=rows["industry"])
    # the rows are fitted in a canonical order: each group still sits next to its own row
    assert sorted(seen["groups"]) == sorted(rows["industry"])  # type: ignore[arg-type]
    assert set(zip(seen["targets"], seen["groups"], strict=True)) <= pairs  # type: ignore[call-overload]
    # and the fitted model does not depend on the order the rows came in
    back = rows.iloc[::-1]
    again = mn.MomentClassifier(cv=3).fit(back["text"], back["label"], groups=back["industry"])
    texts = seed["text"][400:700].tolist()
    np.testing.assert_allclose(clf.predict_proba(texts).to_numpy(),
                               again.predict_proba(texts).to_numpy(), atol=1e-9)


def test_groups_of_the_wrong_length_are_refused(seed: pd.DataFrame) -> None:
    rows = seed.head(60)
    with pytest.raises(mn.TrainingDataError, match="groups needs one value per text \\(60\\)"):
        mn.MomentClassifier(cv=3).fit(rows["text"], rows["label"], groups=["a"] * 59)
    with pytest.raises(mn.TrainingDataError, match="groups has 3 values but 60 rows remain"):
        mn.train(rows["text"], rows["label"], cv=3, groups=["a", "b", "c"])


def test_calibration_weight_fits_the_temperature_on_its_rows_only() -> None:
    X, y = _data()
    rows = np.random.default_rng(1).random(len(y)) < 0.5
    plain = TemperatureCalibratedClassifier(LogisticRegression(), cv=3)
    fit_classifier(plain, X, y)
    clf = TemperatureCalibratedClassifier(LogisticRegression(), cv=3)
    held = fit_classifier(clf, X, y, calibration_weight=rows.astype(float))
    assert held is not None
    np.testing.assert_array_equal(clf.estimator_.coef_, plain.estimator_.coef_)  # same model
    assert clf.beta_ != pytest.approx(plain.beta_)
    # the held-out decision values (up to a constant per row) give back the temperature when
    # it is fitted on the chosen rows alone
    decision = np.log(held) / clf.beta_
    index = np.searchsorted(clf.classes_, y)
    assert _temperature(decision[rows], index[rows], None) == pytest.approx(clf.beta_, rel=1e-4)
    with pytest.raises(ValueError, match="calibration_weight needs calibration='temperature'"):
        fit_classifier(CalibratedClassifierCV(LogisticRegression(), cv=3), X, y,
                       calibration_weight=rows.astype(float))


def test_calibration_weight_follows_its_rows_and_is_checked(seed: pd.DataFrame) -> None:
    rows = seed.head(450)
    weight = (rows["industry"].factorize()[0] % 2).astype(float)  # half the industries
    clf = mn.train(rows["text"], rows["label"], cv=3, calibration_weight=weight)
    back = rows.iloc[::-1]
    again = mn.train(back["text"], back["label"], cv=3, calibration_weight=weight[::-1])
    plain = mn.train(rows["text"], rows["label"], cv=3)
    betas = [m.pipeline_.named_steps["classifier"].beta_ for m in (clf, again, plain)]
    assert betas[0] == betas[1] and betas[0] != pytest.approx(betas[2])
    texts = seed["text"][450:750].tolist()
    np.testing.assert_allclose(clf.predict_proba(texts).to_numpy(),
                               again.predict_proba(texts).to_numpy(), atol=1e-9)
    assert clf.predict(texts) == plain.predict(texts)  # one temperature never moves a label
    # the share sample holds only rows of the calibration (each distinct text once)
    kept = rows.loc[weight > 0, "text"].drop_duplicates()
    assert len(clf.shares_labels_) == len(kept) < len(plain.shares_labels_)
    for bad, problem in [([1.0] * 449, "450"), ([-1.0] * 450, "min -1.0"),
                         ([0.0] * 450, "sum 0.0")]:
        with pytest.raises(mn.TrainingDataError, match=f"calibration_weight needs.*{problem}"):
            mn.MomentClassifier(cv=3).fit(rows["text"], rows["label"], calibration_weight=bad)
    with pytest.raises(mn.TrainingDataError, match="calibration_weight has 3 values"):
        mn.train(rows["text"], rows["label"], cv=3, calibration_weight=[1.0, 1.0, 1.0])
