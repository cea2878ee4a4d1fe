"""Tests of moments_nlp.training.compare: paired tests, verdict, atomic promotion, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.errors import InputError
from moments_nlp.training.compare import compare_models, paired_comparison, promote


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, seed: pd.DataFrame,
            small_model: mn.MomentClassifier) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("models")
    good = small_model.save(root / "good")
    shuffled = np.random.default_rng(0).permutation(seed["label"].to_numpy())
    bad = mn.train(seed["text"], shuffled, cv=3).save(root / "bad")
    return good, bad


def test_prefers_better_model(folders: tuple[Path, Path], seed: pd.DataFrame) -> None:
    good, bad = folders
    result = compare_models(bad, good, seed["text"], seed["label"], n_boot=300)
    assert result.verdict == "challenger" and result.significant
    assert result.challenger_macro_f1 > result.champion_macro_f1
    assert result.ci_low > 0 and result.p_value < 0.05 and result.mcnemar_p_value < 0.05
    assert "keep the challenger" in str(result)
    reverse = compare_models(good, bad, seed["text"], seed["label"], n_boot=300)
    assert reverse.verdict == "champion" and reverse.difference < 0


def test_same_model_is_not_significant(small_model: mn.MomentClassifier,
                                       seed: pd.DataFrame) -> None:
    result = compare_models(small_model, small_model, seed["text"][:50], seed["label"][:50],
                            n_boot=200)
    assert result.verdict == "champion" and not result.significant
    assert result.mcnemar_p_value == 1.0 and result.difference == 0


def test_promote_only_the_better(tmp_path: Path, folders: tuple[Path, Path],
                                 seed: pd.DataFrame) -> None:
    import shutil

    good, bad = folders
    champion = Path(shutil.copytree(good, tmp_path / "champion"))
    result = compare_models(champion, bad, seed["text"], seed["label"], n_boot=300)
    before = (champion / "card.json").read_text()
    assert promote(result, champion, bad) is False
    assert (champion / "card.json").read_text() == before
    champion2 = Path(shutil.copytree(bad, tmp_path / "champion2"))
    result = compare_models(champion2, good, seed["text"], seed["label"], n_boot=300)
    assert promote(result, champion2, good) is True
    assert (champion2 / "card.json").read_text() == (good / "card.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["champion", "champion2"]
    mn.load(champion2)


def test_cli_compare_promote(tmp_path: Path, folders: tuple[Path, Path], seed: pd.DataFrame,
                             capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    good, bad = folders
    data = tmp_path / "test.csv"
    seed.to_csv(data, index=False)
    champion = Path(shutil.copytree(good, tmp_path / "champion"))
    argv = ["compare", str(data), "--champion", str(champion), "--challenger", str(bad),
            "--text-column", "text", "--label-column", "label", "--promote"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "keep the champion" in out and "not promoted" in out


def test_compare_errors(small_model: mn.MomentClassifier) -> None:
    with pytest.raises(InputError, match="got 2 texts but 1 labels"):
        compare_models(small_model, small_model, ["a", "b"], ["magic"])
    with pytest.raises(InputError, match="no non-blank texts"):
        compare_models(small_model, small_model, [" "], ["magic"])


def _close_call(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A challenger that fixes 10 of the champion's errors and makes 3 new ones (n = 400)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, 400)
    champion = np.where(rng.random(400) < 0.7, truth, rng.integers(0, 3, 400))
    challenger = champion.copy()
    fixed = rng.choice(np.flatnonzero(champion != truth), 10, replace=False)
    challenger[fixed] = truth[fixed]
    broken = rng.choice(np.flatnonzero(champion == truth), 3, replace=False)
    challenger[broken] = (truth[broken] + 1) % 3
    return truth, champion, challenger


def test_an_interval_that_includes_zero_is_not_significant() -> None:
    # the case of issue 18: better by +0.017, one-sided p about 0.03, two-sided CI through 0
    truth, champion, challenger = _close_call(0)
    result = paired_comparison(truth, champion, challenger, n_boot=2000)
    assert result.difference > 0 and result.ci_low < 0 < result.ci_high
    assert result.test == "two-sided" and result.alpha < result.p_value < 2 * result.alpha
    assert not result.significant and result.verdict == "champion"
    assert not result.challenger_wins
    text = str(result)
    assert "95% two-sided paired bootstrap CI" in text and "two-sided p = " in text
    assert "the 95% interval includes 0" in text and "keep the champion" in text


def test_test_and_interval_disagreeing_at_the_boundary_is_not_significant() -> None:
    truth, champion, challenger = _close_call(5)  # CI low +0.0001, p = 0.05 exactly
    result = paired_comparison(truth, champion, challenger, n_boot=2000)
    assert result.ci_low > 0 and result.p_value >= result.alpha
    assert not result.significant and result.verdict == "champion"
    assert "disagree at the boundary" in str(result)


@pytest.mark.parametrize("seed", range(12))
def test_significant_means_the_test_and_the_interval_agree(seed: int) -> None:
    truth, champion, challenger = _close_call(seed)
    for a, b in ((champion, challenger), (challenger, champion)):
        result = paired_comparison(truth, a, b, n_boot=500, random_state=seed)
        both = result.p_value < result.alpha and result.interval_excludes_zero
        assert result.significant == both
        assert result.challenger_wins == (result.verdict == "challenger")
        if result.verdict == "challenger":
            assert result.ci_low > 0 and result.p_value < result.alpha


def test_promote_refuses_a_result_whose_test_and_interval_disagree(
        tmp_path: Path, folders: tuple[Path, Path], seed: pd.DataFrame) -> None:
    import dataclasses
    import shutil

    good, bad = folders
    champion = Path(shutil.copytree(bad, tmp_path / "champion"))
    won = compare_models(champion, good, seed["text"], seed["label"], n_boot=300)
    assert won.challenger_wins
    before = (champion / "card.json").read_text()
    for change in ({"ci_low": -0.001}, {"p_value": 0.06}, {"significant": False}):
        assert promote(dataclasses.replace(won, **change), champion, good) is False
        assert (champion / "card.json").read_text() == before


def test_paired_comparison_checks_its_options() -> None:
    truth = np.array([0, 1, 2])
    with pytest.raises(InputError, match="alpha must be between 0 and 1"):
        paired_comparison(truth, truth, truth, alpha=1.5)
    with pytest.raises(InputError, match="n_boot must be 1 or more"):
        paired_comparison(truth, truth, truth, n_boot=0)


def test_promote_refuses_the_shipped_default(tmp_path: Path, folders: tuple[Path, Path],
                                             seed: pd.DataFrame) -> None:
    from moments_nlp.errors import InputError
    from moments_nlp.model.persist import default_model_path

    good, _ = folders
    before = (default_model_path() / "card.json").read_bytes()
    result = compare_models(mn.load(), good, seed["text"][:60], seed["label"][:60], n_boot=50)
    with pytest.raises(InputError, match="default model shipped with moments-nlp"):
        promote(result, default_model_path(), good)
    assert (default_model_path() / "card.json").read_bytes() == before
