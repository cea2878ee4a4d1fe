"""The four foundation commands end to end on CSV files, through the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.cli import main

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("moments-nlp")
    command = [exe] if exe else [sys.executable, "-m", "moments_nlp.cli"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_label_sample_survey(tmp_path: Path) -> None:
    out = tmp_path / "labeled.csv"
    result = _run("label", str(REPO / "data" / "sample_survey.csv"), "-o", str(out),
                  "--text-column", "comment", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert "200 rows read" in last and "blank left unlabeled" in last
    source = pd.read_csv(REPO / "data" / "sample_survey.csv", dtype=str, keep_default_na=False)
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(labeled.columns) == [*source.columns, "moment", "confidence", "p_magic",
                                     "p_ordinary", "p_misery"]
    pd.testing.assert_frame_equal(labeled[source.columns], source)
    blank = source["comment"].str.strip() == ""
    assert (labeled.loc[blank, "moment"] == "").all()
    assert labeled.loc[~blank, "moment"].isin(["magic", "ordinary", "misery"]).all()
    again = _run("label", str(REPO / "data" / "sample_survey.csv"), "-o", str(out),
                 "--text-column", "comment", cwd=tmp_path)
    assert again.returncode != 0 and "--force" in again.stderr


def test_train_evaluate_info(tmp_path: Path, seed: pd.DataFrame) -> None:
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    train_rows = seed.groupby("label").head(60)  # small: the CLI path is under test, not accuracy
    train_rows.to_csv(train_csv, index=False)
    seed.drop(train_rows.index).groupby("label").head(40).to_csv(test_csv, index=False)
    model = tmp_path / "model"
    result = _run("train", str(train_csv), "--text-column", "text", "--label-column", "label",
                  "-o", str(model), "--cv", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "cross-validated (3 folds" in result.stdout and "macro-F1" in result.stdout
    assert (model / "card.json").is_file()

    result = _run("evaluate", str(test_csv), "--text-column", "text", "--label-column", "label",
                  "--model", str(model), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "accuracy" in result.stdout
    assert "per class" in result.stdout

    result = _run("info", "--model", str(model), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "training rows  180" in result.stdout
    assert "cross_validated: macro-F1" in result.stdout


def test_info_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "labels         magic, ordinary, misery" in out
    assert "CC0 1.0" in out and "airline_test" in out


def test_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    survey = REPO / "data" / "sample_survey.csv"
    assert main(["label", str(survey), "-o", str(tmp_path / "x.csv"),
                 "--text-column", "text"]) == 2
    err = capsys.readouterr().err
    assert "'text' not found" in err and "comment" in err
    with pytest.raises(SystemExit):
        main(["label", str(tmp_path / "missing.csv"), "-o", "x.csv", "--text-column", "c"])
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
