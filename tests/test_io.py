"""Reading and writing tables: formats, verbatim text cells, errors that name the file."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.errors import ColumnNotFoundError, InputError, MissingExtraError, UnknownLabelError
from moments_nlp.io import (
    EXCEL_CELL_LIMIT,
    XlsxWriter,
    count_rows,
    file_format,
    iter_chunks,
    open_writer,
    read_labeled,
    read_table,
)

SURVEY = pd.DataFrame({"id": ["007", "008", "009", "010"],
                       "comment": ["NA", "None", "", "Great, \"really\"\r\nthanks"],
                       "rating": ["5", "1", "3", "4"]})


@pytest.mark.parametrize("name", ["s.csv", "s.csv.gz", "s.tsv", "s.jsonl", "s.parquet", "s.xlsx"])
def test_written_tables_read_back_the_same(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    writer = open_writer(path)
    writer.write(SURVEY.iloc[:2])
    writer.write(SURVEY.iloc[2:])
    writer.close()
    back = read_table(path, columns=["comment"])
    if name.endswith(".xlsx"):  # Excel: empty cell is missing, CRLF read back as LF
        assert back["comment"].tolist()[:2] == ["NA", "None"] and pd.isna(back["comment"][2])
        assert back["comment"][3] == 'Great, "really"\nthanks'
        assert back["id"].tolist() == SURVEY["id"].tolist()
    else:
        pd.testing.assert_frame_equal(back, SURVEY, check_dtype=False)


def test_csv_cells_are_text_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text('id,comment,when\n007,NA,2024-01-01\n008,,\n009,null,n/a\n')
    frame = read_table(path)
    assert frame.to_dict("list") == {"id": ["007", "008", "009"],
                                     "comment": ["NA", "", "null"],
                                     "when": ["2024-01-01", "", "n/a"]}


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffcomment,id\nok,1\n".encode())
    assert list(read_table(path).columns) == ["comment", "id"]


def test_iter_chunks_streams_in_order_with_a_continuing_index(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    pd.DataFrame({"n": range(10)}).to_json(path, orient="records", lines=True)
    chunks = list(iter_chunks(path, chunk_size=4))
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert pd.concat(chunks)["n"].tolist() == list(range(10))
    assert chunks[2].index.tolist() == [8, 9]


@pytest.mark.parametrize("name", ["e.csv", "e.parquet", "e.xlsx"])
def test_header_only_file_gives_one_empty_chunk(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    writer = open_writer(path)
    writer.write(pd.DataFrame({"comment": pd.Series([], dtype=str)}))
    writer.close()
    chunks = list(iter_chunks(path, columns=["comment"]))
    assert len(chunks) == 1 and chunks[0].empty and list(chunks[0].columns) == ["comment"]


def test_missing_column_lists_the_available_ones(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    SURVEY.to_csv(path, index=False)
    with pytest.raises(ColumnNotFoundError, match=r"'text' not found in .*s\.csv; available "
                                                  r"columns: \['id', 'comment', 'rating'\]"):
        read_table(path, columns=["text"])
    with pytest.raises(ColumnNotFoundError, match="available columns"):
        next(iter_chunks(path, columns=["text"]))


def test_read_labeled_normalizes_labels_and_stars(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    pd.DataFrame({"text": ["a", "b", "c"], "label": ["Positive", "NEUTRAL", "Moment of Misery"],
                  "stars": ["5", "3", "1"]}).to_csv(path, index=False)
    assert read_labeled(path, text_column="text", label_column="label") == (
        ["a", "b", "c"], ["magic", "ordinary", "misery"])
    assert read_labeled(path, text_column="text", label_column="stars", from_stars=True)[1] == [
        "magic", "ordinary", "misery"]
    with pytest.raises(UnknownLabelError, match="'5'"):
        read_labeled(path, text_column="text", label_column="stars")
    with pytest.raises(ColumnNotFoundError, match=r"'lab'.*\['text', 'label', 'stars'\]"):
        read_labeled(path, text_column="text", label_column="lab")


@pytest.mark.parametrize(("name", "content", "fmt"), [
    ("fake.parquet", b"id,comment\n1,hi\n", "parquet"),
    ("fake.xlsx", b"id,comment\n1,hi\n", "xlsx"),
    ("fake.jsonl", b"id,comment\n1,hi\n", "jsonl"),
    ("fake.csv.gz", b"id,comment\n1,hi\n", "csv"),
])
def test_wrong_format_names_the_file(tmp_path: Path, name: str, content: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"cannot read .*{name.replace('.', '[.]')} as {fmt}"):
        read_table(path)
    with pytest.raises(InputError, match=rf"cannot read .*{name.replace('.', '[.]')} as {fmt}"):
        list(iter_chunks(path))


def test_undecodable_with_the_given_encoding_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("comment\ncaf\xe9 cr\xe8me\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.csv: it is not UTF-8 text.*encoding='cp1252'"):
        read_table(path, encoding="utf-8")


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"survey\.docx: unsupported file type; expected one of"):
        file_format("survey.docx")
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "absent.csv")


def test_count_rows_only_when_cheap(tmp_path: Path) -> None:
    SURVEY.to_parquet(tmp_path / "s.parquet")
    assert count_rows(tmp_path / "s.parquet") == 4
    assert count_rows(tmp_path / "s.csv") is None


def test_xlsx_writer_cleans_counts_and_never_writes_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    writer = XlsxWriter(path)
    writer.write(pd.DataFrame({"comment": ["ok\x00\x07\x1b", "=cmd|' /C calc'!A0",
                                           "x" * (EXCEL_CELL_LIMIT + 5), None],
                               "score": [1.5, float("nan"), 3, 4]}))
    writer.close()
    assert (writer.cleaned_characters, writer.truncated_cells) == (3, 1)
    back = read_table(path)
    assert back["comment"][:2].tolist() == ["ok", "=cmd|' /C calc'!A0"]
    assert len(back["comment"][2]) == EXCEL_CELL_LIMIT and pd.isna(back["comment"][3])
    assert pd.isna(back["score"][1])


def test_gzip_output_is_compressed(tmp_path: Path) -> None:
    path = tmp_path / "o.csv.gz"
    writer = open_writer(tmp_path / "tmp.part", like=path)
    writer.write(SURVEY)
    writer.close()
    assert gzip.decompress((tmp_path / "tmp.part").read_bytes()).startswith(b"id,comment,rating")


def test_missing_extra_names_the_install_command(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.xlsx"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'moments-nlp\[excel\]'"):
        read_table(path)


# ------------------------------------------------ issue #18: workbooks with several sheets
def _two_sheet_book(path: Path) -> Path:
    """A real workbook (pandas + openpyxl): a summary sheet first, the comments on the second
    with two title rows above their header (header in Excel row 3)."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"metric": ["NPS", "responses"], "value": [41, 3]}).to_excel(
            writer, sheet_name="Summary", index=False)
        pd.DataFrame({"id": [1, 2, 3], "comment": ["Lovely staff", "NA", "Broken tray"]}
                     ).to_excel(writer, sheet_name="Comments", index=False, startrow=2)
        writer.book["Comments"]["A1"] = "Survey export, July"
    return path


def test_xlsx_sheet_by_name_or_position_and_header_row(tmp_path: Path) -> None:
    book = _two_sheet_book(tmp_path / "book.xlsx")
    assert read_table(book).columns.tolist() == ["metric", "value"]
    by_name = read_table(book, sheet="Comments", header_row=3)
    by_position = read_table(book, sheet=1, header_row=3)
    by_digits = read_table(book, sheet="1", header_row=3)  # as the CLI passes it
    assert by_name.to_dict("list") == {"id": [1, 2, 3], "comment": ["Lovely staff", "NA",
                                                                    "Broken tray"]}
    pd.testing.assert_frame_equal(by_name, by_position)
    pd.testing.assert_frame_equal(by_name, by_digits)
    skipped = read_table(book, sheet="Comments", header_row=3, skip_rows=1)
    assert skipped["id"].tolist() == [2, 3] and skipped.index.tolist() == [0, 1]
    chunks = list(iter_chunks(book, chunk_size=2, sheet=1, header_row=3))
    assert [len(c) for c in chunks] == [2, 1] and chunks[1].index.tolist() == [2]


def test_xlsx_column_not_found_says_which_sheet_and_row_were_read(tmp_path: Path) -> None:
    book = _two_sheet_book(tmp_path / "book.xlsx")
    with pytest.raises(ColumnNotFoundError) as info:
        read_table(book, columns=["comment"])
    message = str(info.value)
    assert "only sheet 0 ('Summary') was read, with its header in row 1" in message
    assert "the workbook's sheets are ['Summary', 'Comments']" in message
    assert "sheet=NAME_OR_POSITION" in message and "header_row=ROW" in message
    assert "--sheet" not in message  # the API message names API parameters
    with pytest.raises(ColumnNotFoundError, match="only sheet 1 \\('Comments'\\) was read, "
                                                  "with its header in row 1"):
        read_table(book, sheet="Comments", columns=["comment"])


def test_xlsx_sheet_errors(tmp_path: Path) -> None:
    book = _two_sheet_book(tmp_path / "book.xlsx")
    with pytest.raises(InputError, match=r"has no sheet 'Answers'; its sheets are \['Summary'"):
        read_table(book, sheet="Answers")
    with pytest.raises(InputError, match="there is no sheet 2 \\(sheet counts from 0"):
        read_table(book, sheet=2)
    with pytest.raises(InputError, match=r"header_row is the row number .* got 0"):
        read_table(book, header_row=0)
    csv = tmp_path / "t.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(InputError, match=r"sheet applies to \.xlsx workbooks, not to csv"):
        read_table(csv, sheet=0)


def test_label_file_reads_the_sheet_it_is_given(tmp_path: Path) -> None:
    from moments_nlp.io.batch import label_file

    book = _two_sheet_book(tmp_path / "book.xlsx")
    summary = label_file(book, tmp_path / "out.csv", text_column="comment", sheet="Comments",
                         header_row=3, show_progress=False)
    assert summary.rows == 3 and "sheet 'Comments' of 2, header in row 3" in str(summary)
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert out["id"].tolist() == [1, 2, 3] and out["comment"][1] == "NA"
