"""Reading and writing survey exports: every format, whole or in chunks, losslessly.

Formats are chosen by extension: ``.csv`` (also ``.csv.gz``), ``.tsv`` (also ``.tsv.gz``),
``.jsonl`` (also ``.jsonl.gz``), ``.parquet`` (extra ``[parquet]``) and ``.xlsx`` (extra
``[excel]``).

What is kept as it is
---------------------
* **CSV / TSV cells are read as text, verbatim.** Nothing is guessed: ``007`` stays ``007``, and
  ``NA``, ``None``, ``null`` or ``n/a`` are the words a customer wrote, not missing values.
  An empty cell is the empty string ``""`` (a blank, left unlabeled). Written back to CSV, every
  original cell is the same text, so ``pandas.read_csv`` of the output gives the same original
  columns as ``pandas.read_csv`` of the input, with any options.
* JSONL and Parquet keep their own types (numbers, booleans, nulls); Excel cells keep theirs.
* Rows keep their order, duplicates included.

What is changed, and counted
----------------------------
Excel cannot store some control characters and holds at most 32,767 characters in a cell. On
``.xlsx`` output such characters are removed and longer cells are cut to 32,767 characters;
:class:`XlsxWriter` counts both (``cleaned_characters``, ``truncated_cells``). Strings that start
with ``=`` are written as text, never as formulas. Line ends inside ``.xlsx`` cells read back as
``\n`` (XML normalizes ``\r\n``). ``.xlsx`` input is read as Excel stores it: cached values of
formulas (empty if the file was never opened in Excel), "NA" and "None" as text.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "survey.csv").write_text("id,comment\\n1,NA\\n2,\\n")
>>> read_table(folder / "survey.csv")["comment"].tolist()
['NA', '']
"""

from __future__ import annotations

import gzip
import io as _io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from moments_nlp.errors import ColumnNotFoundError, InputError, MomentsError, require
from moments_nlp.labels import normalize_labels, stars_to_label

__all__ = [
    "EXCEL_CELL_LIMIT",
    "FORMATS",
    "TableWriter",
    "XlsxWriter",
    "count_rows",
    "file_format",
    "iter_chunks",
    "open_writer",
    "read_labeled",
    "read_table",
]

#: Extension -> format name. Compressed variants end in ``.gz``.
FORMATS: dict[str, str] = {
    ".csv": "csv", ".csv.gz": "csv", ".tsv": "tsv", ".tsv.gz": "tsv",
    ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx",
}
#: Most characters an Excel cell holds.
EXCEL_CELL_LIMIT = 32_767
_CSV_OPTIONS: dict[str, Any] = {"dtype": str, "na_filter": False, "encoding": "utf-8-sig"}


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


def _is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _wrap_read_error(path: Path, fmt: str, exc: BaseException) -> InputError:
    if isinstance(exc, UnicodeDecodeError):
        return InputError(f"cannot read {path}: it is not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start}); re-save it as UTF-8")
    return InputError(f"cannot read {path} as {fmt}: {type(exc).__name__}: {exc}")


def _check_columns(path: Path, available: Sequence[object], wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ColumnNotFoundError(
            f"column {missing[0]!r} not found in {path}; available columns: "
            f"{[str(c) for c in available]}"
        )


def iter_chunks(path: str | Path, *, chunk_size: int = 20_000,
                columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Read a table in chunks of at most ``chunk_size`` rows, in file order.

    Every format is streamed: memory does not grow with the file. Every chunk has a default
    ``RangeIndex`` continuing the previous one. ``columns`` are checked, not selected: all
    columns are always read.

    Raises
    ------
    ColumnNotFoundError
        If one of ``columns`` is absent (lists the available ones).
    InputError
        If the file cannot be read as its extension says (the message names the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.tsv"
    >>> _ = path.write_text("a\\tb\\n1\\tx\\n2\\ty\\n3\\tz\\n")
    >>> [len(c) for c in iter_chunks(path, chunk_size=2, columns=["b"])]
    [2, 1]
    """
    path = Path(path)
    if chunk_size < 1:
        raise InputError(f"chunk_size must be a positive number of rows, got {chunk_size}")
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    start = 0
    checked = False
    try:
        for chunk in _raw_chunks(path, fmt, chunk_size):
            if not checked:
                _check_columns(path, list(chunk.columns), columns or [])
                checked = True
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            yield chunk
    except MomentsError:
        raise
    except Exception as exc:  # any parser error: say which file and which format
        raise _wrap_read_error(path, fmt, exc) from exc
    if not checked:  # a file with a header but no rows (or nothing at all)
        empty = read_table(path)
        _check_columns(path, list(empty.columns), columns or [])
        yield empty


def _raw_chunks(path: Path, fmt: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        with pd.read_csv(path, sep=sep, chunksize=chunk_size, **_CSV_OPTIONS) as reader:
            yield from reader
    elif fmt == "jsonl":
        with pd.read_json(path, lines=True, chunksize=chunk_size, dtype=False,
                          encoding="utf-8") as reader:
            yield from reader
    elif fmt == "parquet":
        pq = require("pyarrow.parquet", "parquet")
        with pq.ParquetFile(path) as source:  # type: ignore[attr-defined]
            if source.metadata.num_rows == 0:
                return
            for batch in source.iter_batches(batch_size=chunk_size):
                yield batch.to_pandas()
    else:
        yield from _xlsx_chunks(path, chunk_size)


def _xlsx_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    """The first sheet, streamed. Cells keep their Excel types; "NA" or "None" stay text."""
    openpyxl: Any = require("openpyxl", "excel")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        width = len(header)
        while width and header[width - 1] is None:  # trailing empty header cells
            width -= 1
        columns = [str(c) if c is not None else f"Unnamed: {i}"
                   for i, c in enumerate(header[:width])]
        batch: list[tuple[Any, ...]] = []
        sent = False
        for row in rows:
            cells = tuple(row[:width]) + (None,) * (width - len(row))
            if all(cell is None for cell in cells):
                continue  # openpyxl reports formatted but empty rows
            batch.append(cells)
            if len(batch) == chunk_size:
                yield pd.DataFrame(batch, columns=columns)
                batch, sent = [], True
        if batch or not sent:
            yield pd.DataFrame(batch, columns=columns)
    finally:
        book.close()


def _read_xlsx(path: Path) -> pd.DataFrame:
    frames = list(_xlsx_chunks(path, 1_000_000))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def read_table(path: str | Path, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a whole table; the format comes from the extension.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.jsonl``, ``.parquet`` or ``.xlsx`` file.
    columns : sequence of str, optional
        Columns that must be present (all columns are returned).

    Returns
    -------
    pandas.DataFrame
        CSV/TSV cells as text (empty cells are ``""``); other formats with their own types.

    Raises
    ------
    ColumnNotFoundError
        If one of ``columns`` is absent (lists the available ones).
    InputError
        If the file is missing, of an unknown type or not readable as its extension says.
    MissingExtraError
        For ``.parquet`` without pyarrow or ``.xlsx`` without openpyxl.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
    >>> _ = path.write_text('{"id": 1, "comment": "Great"}\\n')
    >>> read_table(path, columns=["comment"]).to_dict("records")
    [{'id': 1, 'comment': 'Great'}]
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        if fmt in ("csv", "tsv"):
            frame = pd.read_csv(path, sep="," if fmt == "csv" else "\t", **_CSV_OPTIONS)
        elif fmt == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False, encoding="utf-8")
        elif fmt == "parquet":
            require("pyarrow", "parquet")
            frame = pd.read_parquet(path)
        else:
            frame = _read_xlsx(path)
    except MomentsError:
        raise
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except Exception as exc:
        raise _wrap_read_error(path, fmt, exc) from exc
    _check_columns(path, list(frame.columns), columns or [])
    return frame


def read_labeled(path: str | Path, *, text_column: str, label_column: str,
                 from_stars: bool = False) -> tuple[list[str], list[str]]:
    """Read texts and their labels from a labeled file.

    Labels are normalized to :data:`~moments_nlp.labels.LABELS` (any known spelling), or mapped
    from 1-5 star ratings with ``from_stars=True``. Rows are kept as they are (blank texts
    included; :func:`moments_nlp.train` drops and counts them).

    Raises
    ------
    ColumnNotFoundError
        If a column is absent (lists the available ones).
    UnknownLabelError
        For label values outside the vocabulary (listed with counts).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "l.csv"
    >>> _ = path.write_text("text,stars\\nLovely,5\\nMeh,3\\n")
    >>> read_labeled(path, text_column="text", label_column="stars", from_stars=True)
    (['Lovely', 'Meh'], ['magic', 'ordinary'])
    """
    from moments_nlp._texts import as_text_list

    frame = read_table(path, columns=[text_column, label_column])
    texts = as_text_list(frame[text_column])
    raw = frame[label_column].tolist()
    labels = stars_to_label(raw) if from_stars else normalize_labels(raw)
    return texts, labels


def count_rows(path: str | Path) -> int | None:
    """Number of data rows when it is cheap to know (Parquet metadata), else ``None``.

    CSV rows are not counted: a quoted cell may hold line breaks, so only a full parse could
    tell, which would double the reading time.

    Examples
    --------
    >>> count_rows("survey.csv") is None
    True
    """
    path = Path(path)
    if file_format(path) == "parquet" and path.is_file():
        pq = require("pyarrow.parquet", "parquet")
        try:
            return int(pq.ParquetFile(path).metadata.num_rows)  # type: ignore[attr-defined]
        except Exception as exc:
            raise _wrap_read_error(path, "parquet", exc) from exc
    return None


# ------------------------------------------------------------------------------------ writing
class TableWriter(Protocol):
    """Writes chunks of one table to one file; ``close`` finishes the file."""

    cleaned_characters: int
    truncated_cells: int

    def write(self, chunk: pd.DataFrame) -> None: ...

    def close(self) -> None: ...


class _TextWriter:
    """CSV, TSV or JSONL, appended chunk by chunk (gzip when the target name ends in .gz)."""

    def __init__(self, path: Path, fmt: str, *, compress: bool) -> None:
        self.fmt = fmt
        self.cleaned_characters = 0
        self.truncated_cells = 0
        self._first = True
        raw: Any = gzip.open(path, "wb") if compress else open(path, "wb")  # noqa: SIM115
        self._handle = _io.TextIOWrapper(raw, encoding="utf-8", newline="")

    def write(self, chunk: pd.DataFrame) -> None:
        if self.fmt == "jsonl":
            for record in chunk.to_dict("records"):
                self._handle.write(json.dumps({str(k): _json_value(v) for k, v in record.items()},
                                              ensure_ascii=False))
                self._handle.write("\n")
        else:
            # RFC 4180 line breaks: with "\r\n" as the terminator the csv module quotes every
            # cell holding a lone "\r" too (with "\n" it would not, and the row would split)
            chunk.to_csv(self._handle, sep="," if self.fmt == "csv" else "\t", index=False,
                         header=self._first, lineterminator="\r\n")
        self._first = False

    def close(self) -> None:
        self._handle.close()


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (str, int, bool, list, dict)):
        return value
    return str(value)


class _ParquetWriter:
    """Parquet row groups, one per chunk, all with the schema of the first chunk."""

    def __init__(self, path: Path) -> None:
        self._pa = require("pyarrow", "parquet")
        self._pq = require("pyarrow.parquet", "parquet")
        self._path = path
        self._writer: Any = None
        self.cleaned_characters = 0
        self.truncated_cells = 0

    def write(self, chunk: pd.DataFrame) -> None:
        pa: Any = self._pa
        if self._writer is None:
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            self._writer = self._pq.ParquetWriter(self._path, table.schema)  # type: ignore[attr-defined]
        else:
            try:
                table = pa.Table.from_pandas(chunk, schema=self._writer.schema,
                                             preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
                raise InputError(
                    f"a column changes type between chunks ({exc}); Parquet needs one type per "
                    "column: use a larger chunk_size or give the column one type in the input"
                ) from exc
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:  # no rows at all: still write a valid, empty file
            return
        self._writer.close()


class XlsxWriter:
    """An ``.xlsx`` sheet written row by row (openpyxl write-only mode).

    Characters Excel cannot store are removed and cells longer than :data:`EXCEL_CELL_LIMIT`
    are cut; both are counted. Strings are always text cells (``=...`` is not a formula).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.xlsx"
    >>> writer = XlsxWriter(path)
    >>> writer.write(pd.DataFrame({"comment": ["bell\\x07", "=1+1"]}))
    >>> writer.close()
    >>> writer.cleaned_characters, pd.read_excel(path)["comment"].tolist()
    (1, ['bell', '=1+1'])
    """

    def __init__(self, path: Path) -> None:
        openpyxl: Any = require("openpyxl", "excel")
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

        self._path = path
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._cell = WriteOnlyCell
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet("labeled")
        self._first = True
        self.cleaned_characters = 0
        self.truncated_cells = 0

    def _value(self, value: Any) -> Any:
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, (float, np.floating)) and np.isnan(value):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, pd.Timestamp):
            value = value.isoformat() if value.tzinfo is not None else value.to_pydatetime()
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            cleaned, removed = self._illegal.subn("", value)
            self.cleaned_characters += removed
            if len(cleaned) > EXCEL_CELL_LIMIT:
                cleaned = cleaned[:EXCEL_CELL_LIMIT]
                self.truncated_cells += 1
            cell = self._cell(self._sheet, value=cleaned)
            cell.data_type = "s"  # text, even when it starts with "="
            return cell
        return value

    def write(self, chunk: pd.DataFrame) -> None:
        if self._first:
            self._sheet.append([self._value(str(c)) for c in chunk.columns])
            self._first = False
        for row in chunk.itertuples(index=False, name=None):
            self._sheet.append([self._value(v) for v in row])

    def close(self) -> None:
        self._book.save(self._path)


def open_writer(path: str | Path, *, like: str | Path | None = None) -> TableWriter:
    """A writer for ``path``, in the format of ``like`` (default: of ``path`` itself).

    ``like`` lets a temporary file (any name) be written in the format of the final output.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl"
    >>> writer = open_writer(path)
    >>> writer.write(pd.DataFrame({"a": [1, None]}))
    >>> writer.close()
    >>> path.read_text()
    '{"a": 1.0}\\n{"a": null}\\n'
    """
    path = Path(path)
    target = Path(like) if like is not None else path
    fmt = file_format(target)
    if fmt in ("csv", "tsv", "jsonl"):
        return _TextWriter(path, fmt, compress=_is_gzip(target))
    if fmt == "parquet":
        return _ParquetWriter(path)
    return XlsxWriter(path)
