"""Issue 30, section 1: a notebook gets what the command line gets.

The same exports go through ``moments-nlp label`` and through ``mn.read_feedback`` +
``clf.label``; both results are written by the same writer, and the files must be the same bytes.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.errors import InputError
from moments_nlp.io.read import open_writer

DATA = Path(__file__).parent / "data"

QUALTRICS_NA = (
    'StartDate,ResponseId,Q1,Q2\n'
    'Start Date,Response ID,How likely are you to recommend us?,What made your visit great?\n'
    '"{""ImportId"":""startDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}",'
    '"{""ImportId"":""QID2_TEXT""}"\n'
    '2026-07-01,R_1,10,The staff went above and beyond\n'
    '2026-07-01,R_2,5,N/A\n'
    '2026-07-01,R_3,7,n/a\n'
    '2026-07-02,R_4,3,NA\n'
    '2026-07-02,R_5,0,The rental car was dirty and smelled of smoke\n'
    '2026-07-02,R_6,8,\n'
    '2026-07-02,R_7,9,None\n'
)


def _qualtrics(tmp_path: Path) -> Path:
    path = tmp_path / "qualtrics_na.csv"
    path.write_text(QUALTRICS_NA, encoding="utf-8")
    return path


def _cp1252_semicolon(tmp_path: Path) -> Path:
    path = tmp_path / "export_eu.csv"
    path.write_bytes(("ID;Kommentar;Kanal;NPS\r\n"
                      "1;Sehr freundliches Personal, danke!;Filiale;10\r\n"
                      '2;"Lieferung kam zu spät; Paket beschädigt";Web;2\r\n'
                      "3;The café staff were lovely – thank you;Web;9\r\n"
                      "4;N/A;Web;7\r\n"
                      "5;;Filiale;\r\n").encode("cp1252"))
    return path


def _two_sheets(tmp_path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Survey", "Q3 2026"])
    summary.append(["responses", 5])
    sheet = book.create_sheet("Comments")
    sheet.append(["Exported 2026-07-03, do not edit"])
    sheet.append(["id", "nps", "comment"])
    for row in [(1, 9, "Great crew, lovely flight"), (2, None, "My bag was lost"),
                (3, 4, "n/a"), (4, 10, None), (5, 6, "Le personnel était très gentil")]:
        sheet.append(list(row))
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    return path


def _labeled(tmp_path: Path) -> Path:
    path = tmp_path / "already_labeled.csv"
    assert main(["label", str(DATA.parent.parent / "data" / "sample_survey.csv"), "-o",
                 str(path), "--text-column", "comment", "--no-progress"]) == 0
    return path


# name: (make the export, text column, reading options as CLI flags and as keywords)
CASES: dict[str, tuple[Callable[[Path], Path], str, list[str], dict[str, object]]] = {
    "qualtrics": (lambda tmp: DATA / "qualtrics_export.csv", "Q2_TEXT", [], {}),
    "qualtrics_non_answers": (_qualtrics, "Q2", [], {}),
    "cp1252_semicolon": (_cp1252_semicolon, "Kommentar", [], {}),
    "nested_jsonl": (lambda tmp: DATA / "nested_response.jsonl", "response.comment", [], {}),
    "two_sheet_excel": (_two_sheets, "comment", ["--sheet", "Comments", "--header-row", "2"],
                        {"sheet": "Comments", "header_row": 2}),
}


def _api_write(labeled: pd.DataFrame, out: Path) -> None:
    writer = open_writer(out)
    writer.write(labeled)
    writer.close()


@pytest.mark.parametrize("name", list(CASES))
def test_cli_and_read_feedback_label_give_the_same_file(
        name: str, tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    make, column, flags, options = CASES[name]
    source = make(tmp_path)
    cli_out, api_out = tmp_path / "cli.jsonl", tmp_path / "api.jsonl"
    assert main(["label", str(source), "-o", str(cli_out), "--text-column", column,
                 "--no-progress", *flags]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read as the CLI reads: no header rows to warn about
        frame = mn.read_feedback(source, text_column=column, **options)  # type: ignore[arg-type]
        labeled = default_model.label(frame, text_column=column)
    _api_write(labeled, api_out)
    assert api_out.read_bytes() == cli_out.read_bytes()
    rows = [json.loads(line) for line in cli_out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(frame)


def test_the_non_answers_are_words_not_blanks(tmp_path: Path,
                                              default_model: mn.MomentClassifier) -> None:
    frame = mn.read_feedback(_qualtrics(tmp_path), text_column="Q2")
    assert frame["Q2"].tolist()[1:4] == ["N/A", "n/a", "NA"]
    labeled = default_model.label(frame, text_column="Q2")
    assert labeled["moment"].fillna("").tolist() == ["magic", "ordinary", "ordinary", "ordinary",
                                                     "misery", "", "ordinary"]
    assert labeled["non_answer"].tolist() == [False, True, True, True, False, False, True]


def test_already_labeled_is_refused_by_both_and_relabeled_alike(
        tmp_path: Path, default_model: mn.MomentClassifier,
        capsys: pytest.CaptureFixture[str]) -> None:
    source = _labeled(tmp_path)
    capsys.readouterr()
    assert main(["label", str(source), "-o", str(tmp_path / "again.jsonl"), "--text-column",
                 "comment", "--no-progress"]) == 2
    assert "already has columns ['moment', 'confidence'" in capsys.readouterr().err
    frame = mn.read_feedback(source, text_column="comment")
    with pytest.raises(InputError, match=r"already has columns \['moment', .*overwrite=True"):
        default_model.label(frame, text_column="comment")
    cli_out, api_out = tmp_path / "cli.jsonl", tmp_path / "api.jsonl"
    assert main(["label", str(source), "-o", str(cli_out), "--text-column", "comment",
                 "--no-progress", "--relabel"]) == 0
    _api_write(default_model.label(frame, text_column="comment", overwrite=True), api_out)
    assert api_out.read_bytes() == cli_out.read_bytes()
    relabeled = pd.read_json(api_out, lines=True)
    assert list(relabeled.columns).count("moment") == 1
    assert list(relabeled.columns)[-len(mn.io._label_table.ADDED_COLUMNS):] == list(
        mn.io._label_table.ADDED_COLUMNS)


def test_cp1252_csv_output_is_written_as_the_input(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = _cp1252_semicolon(tmp_path)
    out = tmp_path / "labeled.csv"
    assert main(["label", str(source), "-o", str(out), "--text-column", "Kommentar",
                 "--no-progress"]) == 0
    assert "written with delimiter ';', encoding cp1252 (as the input)" in capsys.readouterr().out
    assert out.read_bytes().decode("cp1252").startswith("ID;Kommentar;Kanal;NPS;moment;")
    back = mn.read_feedback(out)
    assert back["Kommentar"].tolist() == mn.read_feedback(source)["Kommentar"].tolist()


# --------------------------------------------- the DataFrame path's own checks
def test_pandas_read_qualtrics_warns_and_skip_rows_matches_the_cli(
        default_model: mn.MomentClassifier) -> None:
    raw = pd.read_csv(DATA / "qualtrics_export.csv")
    with pytest.warns(mn.InputWarning, match=r"Qualtrics .*skip_rows=2.*read_feedback"):
        default_model.label(raw, text_column="Q2_TEXT")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skipped = default_model.label(raw, text_column="Q2_TEXT", skip_rows=2)
    same = default_model.label(mn.read_feedback(DATA / "qualtrics_export.csv"),
                               text_column="Q2_TEXT")
    assert skipped["moment"].tolist() == same["moment"].tolist()
    assert len(skipped) == len(raw) - 2


def test_dotted_column_on_pandas_read_json(default_model: mn.MomentClassifier) -> None:
    frame = pd.read_json(DATA / "nested_response.jsonl", lines=True)
    labeled = default_model.label(frame, text_column="response.comment")
    assert labeled["moment"].fillna("").tolist() == ["magic", "misery", ""]
    assert list(labeled.columns)[:2] == ["id", "response"]


def test_dict_cells_are_an_error_naming_the_rows(default_model: mn.MomentClassifier) -> None:
    frame = pd.DataFrame({"comment": ["fine", {"a": 1}, "ok", ["x"]]}, index=[10, 11, 12, 13])
    with pytest.raises(InputError, match=r"'comment' holds dict values, not text: index 11 is "
                                         r"\{'a': 1\}; 1 more row too: index 13"):
        default_model.label(frame, text_column="comment")


def test_skip_rows_must_be_a_count(default_model: mn.MomentClassifier) -> None:
    with pytest.raises(InputError, match="skip_rows must be 0 or more"):
        default_model.label(pd.DataFrame({"comment": ["ok"]}), skip_rows=-1)
