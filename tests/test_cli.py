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
                                     "p_ordinary", "p_misery", "familiarity", "non_answer"]
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


# ------------------------------------------------ issue #15 section 3: new users' input files
DATA = Path(__file__).parent / "data"


def _label(tmp_path: Path, name: str, column: str, *options: str) -> tuple[int, Path]:
    out = tmp_path / f"{name}.out.csv"
    code = main(["label", str(DATA / name), "-o", str(out), "--text-column", column,
                 "--no-progress", *options])
    return code, out


@pytest.mark.parametrize(("name", "message"), [
    ("ragged_more_fields.csv", "line 2: expected 2 fields (as in the header), found 4"),
    ("ragged_fewer_fields.csv", "line 3: expected 3 fields (as in the header), found 2"),
])
def test_ragged_csv_is_an_error_not_a_shift(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            name: str, message: str) -> None:
    code, out = _label(tmp_path, name, "comment")
    assert code == 2 and message in capsys.readouterr().err
    assert not out.exists()


def test_qualtrics_export_skips_its_two_extra_header_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _label(tmp_path, "qualtrics_export.csv", "Q2_TEXT")
    assert code == 0
    assert "3 rows read (delimiter ',' (detected), encoding utf-8 (detected), 2 Qualtrics " \
           "header rows skipped)" in capsys.readouterr().out
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert labeled["ResponseId"].tolist() == ["R_1a2b3c", "R_4d5e6f", "R_7g8h9i"]
    assert labeled["moment"].tolist()[2] == ""
    code, out = _label(tmp_path, "qualtrics_export.csv", "Q2_TEXT", "--skip-rows", "0",
                       "--force")
    assert code == 0 and len(pd.read_csv(out, dtype=str)) == 5


def test_semicolon_csv_keeps_its_columns(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _label(tmp_path, "semicolon_de.csv", "Kommentar")
    assert code == 0 and "delimiter ';' (detected)" in capsys.readouterr().out
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False)
    source = pd.read_csv(DATA / "semicolon_de.csv", sep=";", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(labeled[source.columns], source)
    code, out = _label(tmp_path, "semicolon_de.csv", "Kommentar", "--sep", ";", "--force")
    assert code == 0 and "delimiter ';' (given)" in capsys.readouterr().out


def test_windows_1252_csv_is_read_and_the_encoding_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _label(tmp_path, "windows_1252.csv", "comment")
    assert code == 0 and "encoding cp1252 (detected)" in capsys.readouterr().out
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False)  # written as UTF-8
    assert labeled["comment"][0] == "Café très bien – merci “beaucoup”"
    assert labeled["moment"].isin(["magic", "ordinary", "misery"]).all()
    code, out = _label(tmp_path, "windows_1252.csv", "comment", "--encoding", "utf-8", "--force")
    assert code == 2 and "--encoding" in capsys.readouterr().err


def test_xlsx_named_csv_says_what_it_is(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame({"comment": ["hi"]}).to_excel(path, index=False)
    assert main(["label", str(path), "-o", str(tmp_path / "o.csv"), "--text-column",
                 "comment"]) == 2
    assert "it is a ZIP archive (an Excel .xlsx workbook" in capsys.readouterr().err


def test_nested_jsonl_dotted_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _label(tmp_path, "nested_response.jsonl", "response.comment")
    assert code == 0 and "3 rows read" in capsys.readouterr().out
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(labeled.columns)[:2] == ["id", "response"]
    assert labeled["moment"].tolist() == ["magic", "misery", ""]
    code, out = _label(tmp_path, "nested_response.jsonl", "response", "--force")
    assert code == 2
    assert "text column 'response' holds dict values, not text: data row 1" in (
        capsys.readouterr().err)
