"""Layout of delimited files: real type, encoding, delimiter, field counts, header rows."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.errors import InputError, RaggedRowsError
from moments_nlp.io import inspect_layout, iter_chunks, read_table
from moments_nlp.io._sniff import Layout, detect_encoding, head_bytes, sniff_delimiter

DATA = Path(__file__).parent / "data"


def test_more_fields_than_the_header_is_an_error_naming_line_and_counts() -> None:
    with pytest.raises(RaggedRowsError, match=r"ragged_more_fields\.csv, line 2: expected 2 "
                                              r"fields \(as in the header\), found 4"):
        read_table(DATA / "ragged_more_fields.csv")


def test_fewer_fields_is_an_error_at_the_line_where_the_record_starts() -> None:
    # record 2 spans lines 3-4 (a quoted line break) and has 2 fields of 3
    with pytest.raises(RaggedRowsError, match=r"line 3: expected 3 fields .*, found 2"):
        list(iter_chunks(DATA / "ragged_fewer_fields.csv"))


def test_a_ragged_row_late_in_the_file_stops_before_the_first_chunk(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("id,comment\n" + "".join(f"{i},ok\n" for i in range(50)) + "50,a,b\n")
    chunks = iter_chunks(path, chunk_size=1)
    with pytest.raises(RaggedRowsError, match=r"line 52: expected 2 fields .*, found 3"):
        next(chunks)


def test_blank_lines_and_quoted_delimiters_are_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('id,comment\n1,"a, b"\n\n2,""\n')
    assert read_table(path)["comment"].tolist() == ["a, b", ""]
    assert inspect_layout(path).rows == 2


def test_qualtrics_header_rows_are_detected_and_skipped() -> None:
    layout = inspect_layout(DATA / "qualtrics_export.csv")
    assert (layout.skip_rows, layout.qualtrics, layout.rows) == (2, True, 3)
    assert "2 Qualtrics header rows skipped" in str(layout)
    frame = read_table(DATA / "qualtrics_export.csv")
    assert frame["ResponseId"].tolist() == ["R_1a2b3c", "R_4d5e6f", "R_7g8h9i"]
    assert frame.index.tolist() == [0, 1, 2]


def test_skip_rows_is_taken_as_given() -> None:
    assert len(read_table(DATA / "qualtrics_export.csv", skip_rows=0)) == 5
    one = read_table(DATA / "qualtrics_export.csv", skip_rows=1)
    assert one["ResponseId"].tolist()[0].startswith('{"ImportId"')
    assert str(inspect_layout(DATA / "qualtrics_export.csv", skip_rows=1)).endswith(
        "1 rows after the header skipped")
    with pytest.raises(InputError, match="skip_rows must be 0 or more"):
        inspect_layout(DATA / "qualtrics_export.csv", skip_rows=-1)


def test_skipped_rows_span_chunks() -> None:
    chunks = list(iter_chunks(DATA / "qualtrics_export.csv", chunk_size=1))
    assert [c["ResponseId"].item() for c in chunks] == ["R_1a2b3c", "R_4d5e6f", "R_7g8h9i"]
    assert [c.index.item() for c in chunks] == [0, 1, 2]


def test_semicolon_csv_is_sniffed() -> None:
    layout = inspect_layout(DATA / "semicolon_de.csv")
    assert (layout.sep, layout.sep_given) == (";", False)
    frame = read_table(DATA / "semicolon_de.csv")
    assert list(frame.columns) == ["ID", "Kommentar", "Kanal", "NPS"]
    assert frame["Kommentar"][1] == "Lieferung kam zu spät; Paket beschädigt"


@pytest.mark.parametrize(("text", "expected"), [
    ("id,comment\n1,Good; really good\n2,fine\n", ","),
    ("id;comment\n1;Good, really\n", ";"),
    ("id\tcomment\n1\tGood, really; yes\n", "\t"),
    ("id|comment|channel\n1|Good, really|web\n", "|"),
    ("comment\nGood\n", ","),
])
def test_sniff_delimiter(text: str, expected: str) -> None:
    assert sniff_delimiter(text, default=",") == expected


@pytest.mark.parametrize(("sep", "expected"), [(";", ";"), ("tab", "\t"), ("\\t", "\t"),
                                               ("|", "|")])
def test_sep_is_taken_as_given(tmp_path: Path, sep: str, expected: str) -> None:
    path = tmp_path / "given.csv"
    path.write_text(f"id{expected}comment\n1{expected}ok, fine\n")
    layout = inspect_layout(path, sep=sep)
    assert (layout.sep, layout.sep_given) == (expected, True)
    assert read_table(path, sep=sep)["comment"].tolist() == ["ok, fine"]
    with pytest.raises(InputError, match="sep must be one character"):
        inspect_layout(path, sep=";;")


def test_windows_1252_is_detected_and_decoded() -> None:
    layout = inspect_layout(DATA / "windows_1252.csv")
    assert (layout.encoding, layout.encoding_given) == ("cp1252", False)
    assert "encoding cp1252 (detected)" in str(layout)
    comments = read_table(DATA / "windows_1252.csv")["comment"].tolist()
    assert comments[0] == "Café très bien – merci “beaucoup”"
    assert comments[2] == "Señor García was très gentil"


def test_latin_1_is_read_and_utf8_stays_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("comment\ncaf\xe9 cr\xe8me\n".encode("latin-1"))
    assert read_table(path)["comment"].tolist() == ["café crème"]
    path.write_text("comment\ncafé crème 😀\n", encoding="utf-8")
    assert detect_encoding(path, head_bytes(path)) == "utf-8-sig"


def test_late_non_utf8_byte_is_found(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    rows = b"".join(b"%d,plain ascii text\n" % i for i in range(20_000))
    path.write_bytes(b"id,comment\n" + rows + "x,Grüße\n".encode("cp1252"))
    assert read_table(path)["comment"].tolist()[-1] == "Grüße"


def test_given_encoding_is_used_and_a_wrong_one_is_a_clear_error() -> None:
    layout = inspect_layout(DATA / "windows_1252.csv", encoding="latin-1")
    assert str(layout).endswith("encoding latin-1 (given)")
    with pytest.raises(InputError,
                       match=r"windows_1252\.csv: it is not UTF-8 text .*encoding='cp1252'"):
        read_table(DATA / "windows_1252.csv", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_table(DATA / "windows_1252.csv", encoding="klingon")


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("id,comment\n1,Grüße\n".encode("utf-16"))
    assert read_table(path)["comment"].tolist() == ["Grüße"]


def _xlsx(path: Path) -> None:
    pd.DataFrame({"comment": ["hi"]}).to_excel(path, index=False)


@pytest.mark.parametrize(("make", "message"), [
    (_xlsx, r"is not CSV text: it is a ZIP archive \(an Excel \.xlsx workbook"),
    (lambda p: p.write_bytes(gzip.compress(b"id,comment\n1,hi\n")), "it is gzip-compressed"),
    (lambda p: pd.DataFrame({"comment": ["hi"]}).to_parquet(p), "it is a Parquet file"),
    (lambda p: p.write_bytes(bytes(range(256)) * 4), "it is a binary file"),
    (lambda p: p.write_bytes(b""), r"is empty: expected a header row"),
    (lambda p: p.write_bytes(b" \n\r\n"), r"is empty: expected a header row"),
])
def test_other_types_and_empty_files_are_named(tmp_path: Path, make: Callable[[Path], object],
                                               message: str) -> None:
    path = tmp_path / "export.csv"
    make(path)
    with pytest.raises(InputError, match=message):
        read_table(path)
    with pytest.raises(InputError, match=message):
        list(iter_chunks(path))


def test_empty_jsonl_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("")
    with pytest.raises(InputError, match=r"e\.jsonl is empty"):
        read_table(path)


def test_layout_string() -> None:
    assert str(Layout("jsonl")) == ""
    assert str(Layout("tsv", sep="\t", encoding="utf-8-sig")) == (
        "delimiter tab (detected), encoding utf-8 (detected)")


@pytest.mark.parametrize(("comment", "encoding"), [
    ("Très bien merci", "cp1252"),  # charset-normalizer alone: big5
    ("café", "cp1252"),  # charset-normalizer alone: cp1006
    ("Zażółć gęślą jaźń bardzo źle", "cp1250"),
    ("Привет всё было ужасно и очень медленно", "cp1251"),
])
def test_short_legacy_files_get_a_sensible_encoding(tmp_path: Path, comment: str,
                                                    encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(f"id;comment\n1;{comment}\n".encode(encoding))
    assert detect_encoding(path, head_bytes(path)) == encoding
    assert read_table(path)["comment"].tolist() == [comment]
