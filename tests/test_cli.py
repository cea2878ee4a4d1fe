"""The four foundation commands end to end on CSV files, through the installed console script."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.cli import build_parser, main

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
                                     "p_ordinary", "p_misery", "familiarity", "non_answer",
                                     "needs_review", "language_ok"]
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
    # written back with the input's delimiter (issue 30)
    labeled = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    source = pd.read_csv(DATA / "semicolon_de.csv", sep=";", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(labeled[source.columns], source)
    code, out = _label(tmp_path, "semicolon_de.csv", "Kommentar", "--sep", ";", "--force")
    assert code == 0 and "delimiter ';' (given)" in capsys.readouterr().out


def test_windows_1252_csv_is_read_and_the_encoding_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _label(tmp_path, "windows_1252.csv", "comment")
    assert code == 0 and "encoding cp1252 (detected)" in capsys.readouterr().out
    # written in the input's encoding (issue 30), so Excel opens it as it opened the input
    labeled = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="cp1252")
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


# ------------------------------------------------ issue #18, "should fix"
SURVEY = REPO / "data" / "sample_survey.csv"


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "hard link"])
def test_label_never_overwrites_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    source = tmp_path / "survey.csv"
    shutil.copy(SURVEY, source)
    before = source.read_bytes()
    output = {"same path": source, "relative path": Path("survey.csv"),
              "symlink": tmp_path / "link.csv", "hard link": tmp_path / "hard.csv"}[how]
    if how == "symlink":
        output.symlink_to(source)
    elif how == "hard link":
        output.hardlink_to(source)
    monkeypatch.chdir(tmp_path)
    assert main(["label", str(source), "-o", str(output), "--text-column", "comment",
                 "--force", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "is the input file" in err and "even with --force" in err
    assert source.read_bytes() == before


def test_the_moments_file_is_not_the_input_either(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "survey.csv"
    shutil.copy(SURVEY, source)
    assert main(["label", str(source), "-o", str(tmp_path / "out.csv"), "--text-column",
                 "comment", "--moments", str(source), "--force"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == SURVEY.read_bytes()


def test_default_is_a_model_folder_everywhere(tmp_path: Path, seed: pd.DataFrame,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    test_csv = tmp_path / "test.csv"
    seed.groupby("label").head(15).to_csv(test_csv, index=False)
    assert main(["info", "--model", "default"]) == 0
    assert "labels         magic, ordinary, misery" in capsys.readouterr().out
    assert main(["explain", "Lovely staff", "--model", "default"]) == 0
    assert main(["evaluate", str(test_csv), "--text-column", "text", "--label-column", "label",
                 "--model", "default"]) == 0
    assert "macro-F1" in capsys.readouterr().out
    assert main(["compare", str(test_csv), "--champion", "default", "--challenger", "default",
                 "--text-column", "text", "--label-column", "label"]) == 0
    capsys.readouterr()
    # promoting into the shipped model is refused before anything is computed
    assert main(["compare", str(test_csv), "--champion", "default", "--challenger", "default",
                 "--text-column", "text", "--label-column", "label", "--promote"]) == 2
    assert "the champion is the default model shipped with moments-nlp" in (
        capsys.readouterr().err)


def test_cli_errors_name_flags_not_python_parameters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    out.write_text("x\n")
    assert main(["label", str(SURVEY), "-o", str(out), "--text-column", "comment"]) == 2
    err = capsys.readouterr().err
    assert "pass --force to overwrite it" in err and "force=True" not in err

    conflicting = tmp_path / "conflicting.csv"
    pd.DataFrame({"text": ["Great", "Great", "Awful", "Fine", "Awful", "Fine"] * 2,
                  "label": ["magic", "misery", "misery", "ordinary", "misery", "ordinary"] * 2}
                 ).to_csv(conflicting, index=False)
    assert main(["train", str(conflicting), "--text-column", "text", "--label-column", "label",
                 "-o", str(tmp_path / "m"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "pass --conflicts drop or --conflicts majority" in err and "conflicts=" not in err

    code, _ = _label(tmp_path, "windows_1252.csv", "comment", "--encoding", "utf-8")
    err = capsys.readouterr().err
    assert code == 2 and "--encoding cp1252" in err and "encoding=" not in err

    assert main(["label", str(SURVEY), "-o", str(tmp_path / "o.csv"), "--text-column",
                 "comment", "--skip-rows", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--skip-rows must be 0 or more" in err and "skip_rows" not in err


def test_cli_trusted_hint_for_a_pickled_model(tmp_path: Path, small_model: object,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import moments_nlp as mn

    folder = tmp_path / "pickled"
    small_model.save(folder, format="joblib")  # type: ignore[attr-defined]
    assert main(["explain", "Lovely", "--model", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "pass --trusted only if you made it yourself" in err and "trusted=True" not in err
    assert main(["explain", "Lovely", "--model", str(folder), "--trusted"]) == 0
    with pytest.raises(mn.errors.UntrustedModelError, match=r"pass trusted=True only"):
        mn.load(folder)


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_argument_has_help() -> None:
    missing = [f"{name} {action.option_strings or action.dest}"
               for name, parser in {"moments-nlp": build_parser(), **_subcommands()}.items()
               for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction)
               and not (action.help or "").strip()]
    assert missing == []


def test_help_shows_defaults_and_says_what_n_process_does(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["label", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "rows read, labeled and written at a time (default: 20000)" in text
    assert "each running the whole model" in text and "processes for spaCy" not in text
    assert "(default: None)" not in text and "(default: False)" not in text
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: skops)" in text and "(default: error)" in text
    assert "(default: 0, no report" in text


def test_report_requires_the_text_column_like_every_command() -> None:
    for name, parser in _subcommands().items():
        for action in parser._actions:
            if "--text-column" in action.option_strings:
                assert action.required, name


def test_info_has_no_do_nothing_trusted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["info", "--trusted"])
    assert "unrecognized arguments: --trusted" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["info", "--help"])
    assert "no --trusted is needed" in " ".join(capsys.readouterr().out.split())


def test_suggest_keeps_the_original_columns(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "picks.csv"
    assert main(["suggest", str(SURVEY), "--text-column", "comment", "-n", "5", "-o",
                 str(out)]) == 0
    source = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    picks = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(picks.columns) == [*source.columns, "data_row", "predicted", "uncertainty"]
    assert len(picks) == 5
    for _, row in picks.iterrows():  # data_row counts from 1: the row is there in the file
        original = source.iloc[int(row["data_row"]) - 1]
        assert original["response_id"] == row["response_id"]
        assert original["comment"] == row["comment"]
    capsys.readouterr()
    assert main(["suggest", str(SURVEY), "--text-column", "comment", "-n", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split()[:3] == ["data_row", "predicted", "uncertainty"]
    first = int(printed.splitlines()[1].split()[0])
    assert 1 <= first <= len(source)


def test_train_prints_support_as_integers_and_says_when_cv_is_off(
        tmp_path: Path, seed: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    train_csv = tmp_path / "train.csv"
    seed.groupby("label").head(40).to_csv(train_csv, index=False)
    args = ["train", str(train_csv), "--text-column", "text", "--label-column", "label",
            "--no-progress"]
    assert main([*args, "-o", str(tmp_path / "m3"), "--cv", "3"]) == 0
    out = capsys.readouterr().out
    support = [line.split()[-1] for line in out.splitlines()
               if line.split()[:1] in (["magic"], ["ordinary"], ["misery"])][:3]
    assert support == ["40", "40", "40"]
    assert main([*args, "-o", str(tmp_path / "m1"), "--cv", "1", "--plots"]) == 0
    out = capsys.readouterr().out
    assert "no cross-validated report with --cv 1 (it needs 2 or more folds" in out
    assert "no plots either" in out


def test_excel_sheet_and_header_row_from_the_cli(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"metric": ["NPS"], "value": [41]}).to_excel(
            writer, sheet_name="Summary", index=False)
        pd.DataFrame({"id": [1, 2], "comment": ["Lovely staff", "Broken tray table"]}).to_excel(
            writer, sheet_name="Comments", index=False, startrow=2)
    out = tmp_path / "out.csv"
    assert main(["label", str(book), "-o", str(out), "--text-column", "comment"]) == 2
    err = capsys.readouterr().err
    assert "only sheet 0 ('Summary') was read, with its header in row 1" in err
    assert "['Summary', 'Comments']" in err and "--sheet NAME|N" in err and "--header-row" in err
    assert main(["label", str(book), "-o", str(out), "--text-column", "comment", "--sheet",
                 "Comments", "--header-row", "3", "--no-progress"]) == 0
    assert "sheet 'Comments' of 2, header in row 3" in capsys.readouterr().out
    labeled = pd.read_csv(out)
    assert labeled["id"].tolist() == [1, 2] and labeled["moment"].notna().all()
