"""What a file is and how it is laid out: format, real type, encoding, delimiter, field counts.

Used by :mod:`moments_nlp.io.read` before a file goes to pandas:

* :func:`file_format`: the format named by the extension (csv, tsv, jsonl, parquet, xlsx; a
  ``.gz`` ending for the text formats); :func:`read_error` the error for a file that fails.

* :func:`check_not_other_type`: an empty file, or an ``.xlsx`` / gzip / Parquet / binary file
  renamed to ``.csv``, is refused with a message naming what it really is (magic bytes).
* :func:`detect_encoding`: UTF-8 (with or without BOM) when every byte decodes as UTF-8; else
  Windows-1252 (what Excel writes in Western Europe) unless it reads measurably messier than
  charset-normalizer's best guess, which is taken then (cp1250, cp1251, ...).
* :func:`sniff_delimiter`: ``,`` ``;`` tab or ``|``, from a sample.
* :func:`check_field_counts`: every record has as many fields as the header, or an
  :class:`~moments_nlp.errors.RaggedRowsError` names the first line that does not.

Examples
--------
>>> sniff_delimiter("ID;Kommentar;Kanal\\n1;Gut, danke;web\\n", default=",")
';'
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from moments_nlp.errors import InputError, RaggedRowsError, option

__all__ = ["DELIMITERS", "FORMATS", "Layout", "check_field_counts", "check_not_other_type",
           "detect_encoding", "file_format", "head_bytes", "is_gzip", "is_qualtrics", "open_text",
           "read_error", "sniff_delimiter", "text_layout"]

#: Delimiters that are sniffed, and how summaries name them.
DELIMITERS: dict[str, str] = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_SAMPLE = 64 * 1024
#: How much messier (charset-normalizer's mess ratio) Windows-1252 may read than the best guess
#: and still be chosen: on short samples the best guess is often a far-fetched code page
#: (big5 for "Très bien", cp1006 for "café").
_MESS_TOLERANCE = 0.05
_BLOCK = 1 << 20
_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook? save it as .xlsx)"),
    (b"\x1f\x8b", "gzip-compressed (name it .csv.gz)"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"%PDF", "a PDF document"),
]
_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


@dataclass(frozen=True)
class Layout:
    """How an input file is read; ``str()`` is the part of the summary that says so.

    Attributes
    ----------
    fmt : str
        ``csv``, ``tsv``, ``jsonl``, ``parquet`` or ``xlsx``.
    sep, encoding : str or None
        Delimiter and encoding of a CSV / TSV file (encoding also of JSONL when given).
    sep_given, encoding_given : bool
        Whether they were passed in rather than detected.
    skip_rows : int
        Rows after the header that are not data (not read, not written).
    qualtrics : bool
        The skipped rows were detected as a Qualtrics export's question text and ImportId rows.
    rows : int or None
        Data rows, when the layout check counted them (CSV / TSV).
    sheet : str or None
        ``.xlsx``: the name of the sheet read.
    sheets : tuple of str
        ``.xlsx``: the names of all sheets in the workbook, in order.
    header_row : int
        ``.xlsx``: the row (1-based, as Excel numbers them) holding the column names.

    Examples
    --------
    >>> str(Layout("csv", sep=";", encoding="cp1252", skip_rows=2, qualtrics=True))
    "delimiter ';' (detected), encoding cp1252 (detected), 2 Qualtrics header rows skipped"
    >>> str(Layout("xlsx", sheet="Comments", sheets=("Summary", "Comments"), header_row=3))
    "sheet 'Comments' of 2, header in row 3"
    """

    fmt: str
    sep: str | None = None
    encoding: str | None = None
    sep_given: bool = False
    encoding_given: bool = False
    skip_rows: int = 0
    qualtrics: bool = False
    rows: int | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 1

    def __str__(self) -> str:
        parts = []
        if self.sheet is not None and len(self.sheets) > 1:
            parts.append(f"sheet {self.sheet!r} of {len(self.sheets)}")
        if self.header_row != 1:
            parts.append(f"header in row {self.header_row}")
        if self.sep is not None:
            how = "given" if self.sep_given else "detected"
            parts.append(f"delimiter {DELIMITERS.get(self.sep, repr(self.sep))} ({how})")
        if self.encoding is not None:
            name = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
            parts.append(f"encoding {name} ({'given' if self.encoding_given else 'detected'})")
        if self.qualtrics:
            parts.append(f"{self.skip_rows} Qualtrics header rows skipped")
        elif self.skip_rows:
            parts.append(f"{self.skip_rows} rows after the header skipped")
        return ", ".join(parts)


def is_qualtrics(first_rows: pd.DataFrame) -> bool:
    """Whether the second data row holds Qualtrics' ``{"ImportId": ...}`` cells.

    Qualtrics exports have three header rows: column names, question texts, import ids.

    Examples
    --------
    >>> is_qualtrics(pd.DataFrame({"Q1": ["How was it?", '{"ImportId":"QID1"}']}))
    True
    """
    if len(first_rows) < 2:
        return False
    return any(isinstance(cell, str) and cell.lstrip().startswith('{"ImportId"')
               for cell in first_rows.iloc[1])


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def head_bytes(path: Path, size: int = _SAMPLE) -> bytes:
    """The first ``size`` bytes of the file (decompressed for ``.gz``)."""
    with _open_binary(path) as handle:
        return handle.read(size)


def check_not_other_type(path: Path, head: bytes) -> None:
    """Refuse an empty file or one whose magic bytes say it is not delimited text.

    Other binary files are found by :func:`detect_encoding`.

    Raises
    ------
    InputError
        Naming the real type (ZIP / xlsx, gzip, Parquet, xls, PDF) or saying it is empty.

    Examples
    --------
    >>> check_not_other_type(Path("x.csv"), b"PK\\x03\\x04...")
    Traceback (most recent call last):
    ...
    moments_nlp.errors.InputError: x.csv is not CSV text: it is a ZIP archive (an Excel ...
    """
    if not head.strip():
        raise InputError(f"{path} is empty: expected a header row with the column names")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"{path} is not CSV text: it is {kind}")


def _first_invalid_utf8(path: Path) -> int | None:
    """Offset of the first byte that is not UTF-8, or ``None`` when the whole file is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with _open_binary(path) as handle:
        while block := handle.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def detect_encoding(path: Path, head: bytes) -> str:
    """The file's encoding: a BOM's, UTF-8 if every byte is UTF-8, else charset-normalizer's.

    Raises
    ------
    InputError
        If no text encoding fits, or the file holds NUL bytes and is not UTF-8 (a binary file).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    bad = _first_invalid_utf8(path)
    if bad is None:  # valid UTF-8, even with a stray NUL or control character in a cell
        return "utf-8-sig"
    if b"\x00" in head:
        raise InputError(f"{path} is not CSV text: it is a binary file (NUL bytes, not UTF-8)")
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    with _open_binary(path) as handle:  # the start plus the bytes around the first bad one
        sample = handle.read(_SAMPLE)
        if bad > _SAMPLE // 2:
            handle.seek(max(bad - _SAMPLE // 2, len(sample)))
            sample += b"\n" + handle.read(_SAMPLE)
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        raise InputError(f"{path} is not CSV text: no text encoding fits its bytes (a binary "
                         "file?); pass ", option("encoding"), " if you know it")
    try:  # Excel's Western default: kept unless it reads measurably messier than the best
        western = mess_ratio(sample.decode("cp1252"), maximum_threshold=1.0)
    except UnicodeDecodeError:
        western = float("inf")
    return "cp1252" if western <= best.chaos + _MESS_TOLERANCE else str(best.encoding)


def sniff_delimiter(sample: str, *, default: str) -> str:
    """The delimiter among ``, ; tab |`` that csv.Sniffer finds in ``sample``, else ``default``.

    The sniffed one is kept only when it splits the header into more fields than ``default``.
    """
    lines = sample.splitlines()
    if len(lines) > 2:
        sample = "\n".join(lines[:-1])  # the last line of a sample may be cut
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return default
    header = lines[0] if lines else ""
    return found if header.count(found) > header.count(default) else default


@contextlib.contextmanager
def _no_field_limit() -> Iterator[None]:
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def open_text(path: Path, encoding: str) -> IO[str]:
    """The file as text (decompressed for ``.gz``), newlines untranslated for the csv module."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def check_field_counts(path: Path, *, encoding: str, sep: str) -> int:
    """Check that every record has as many fields as the header; return the number of records.

    Blank lines are skipped, as pandas does. Quoted cells may span lines: the line reported is
    the one where the record starts.

    Raises
    ------
    RaggedRowsError
        For the first record with more or fewer fields than the header (line and counts).
    """
    rows = 0
    with _no_field_limit(), open_text(path, encoding) as handle:
        reader: Any = csv.reader(handle, delimiter=sep)
        header = next(reader, None)
        expected = len(header) if header is not None else 0
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record:
                continue
            if len(record) != expected:
                raise RaggedRowsError(
                    f"{path}, line {start}: expected {expected} fields (as in the header), found "
                    f"{len(record)}; the delimiter is {DELIMITERS.get(sep, repr(sep))} (pass ",
                    option("sep"), " if that is wrong) - quote cells that hold it, or fix the row"
                )
            rows += 1
    return rows


def _parse_sep(sep: str) -> str:
    sep = _SEP_NAMES.get(sep.lower(), sep)
    if len(sep) != 1:
        raise InputError(option("sep"), f" must be one character (or tab), got {sep!r}")
    return sep


def text_layout(path: Path, fmt: str, *, sep: str | None, encoding: str | None) -> Layout:
    """The layout of a CSV / TSV file; checks its type, its encoding and every row's fields.

    Raises
    ------
    RaggedRowsError
        For a row with more or fewer fields than the header.
    InputError
        For an empty file, a file of another type, or no encoding that fits.
    """
    head = head_bytes(path)
    check_not_other_type(path, head)
    used = encoding or detect_encoding(path, head)
    default = "," if fmt == "csv" else "\t"
    if sep is not None:
        delimiter = _parse_sep(sep)
    elif fmt == "csv":
        delimiter = sniff_delimiter(head.decode(used, errors="replace"), default=default)
    else:
        delimiter = default
    rows = check_field_counts(path, encoding=used, sep=delimiter)
    return Layout(fmt, sep=delimiter, encoding=used, sep_given=sep is not None,
                  encoding_given=encoding is not None, rows=rows)


def read_error(path: Path, fmt: str, exc: BaseException,
               encoding: str | None = None) -> InputError:
    """The error to raise for a file that could not be read: which file, which format and why
    (an undecodable byte: its position and how to pass the encoding)."""
    if isinstance(exc, UnicodeDecodeError):
        name = "UTF-8" if encoding in (None, "utf-8", "utf-8-sig") else encoding
        return InputError(f"cannot read {path}: it is not {name} text ({exc.reason} at byte "
                          f"{exc.start} of a block); pass its encoding, e.g. ",
                          option("encoding", "cp1252"))
    return InputError(f"cannot read {path} as {fmt}: {type(exc).__name__}: {exc}")


#: Extension -> format name. Compressed variants end in ``.gz``.
FORMATS: dict[str, str] = {
    ".csv": "csv", ".csv.gz": "csv", ".tsv": "tsv", ".tsv.gz": "tsv",
    ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx",
}


def file_format(path: str | Path) -> str:
    """The format of a file from its extension: csv, tsv, jsonl, parquet or xlsx.

    Raises
    ------
    InputError
        For an extension that is not supported (the message lists the supported ones).

    Examples
    --------
    >>> file_format("export.csv.gz"), file_format("Survey.XLSX")
    ('csv', 'xlsx')
    """
    name = Path(path).name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise InputError(f"{path}: unsupported file type; expected one of {', '.join(FORMATS)}")


def is_gzip(path: Path) -> bool:
    """Whether a file name ends in ``.gz``."""
    return path.name.lower().endswith(".gz")
