"""Tests of moments_nlp.compare: paired tests, verdict, atomic promotion, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.compare import compare_models, promote
from moments_nlp.errors import InputError


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
