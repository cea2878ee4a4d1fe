"""Writers behind :func:`moments_nlp.io.read.open_writer`: CSV / TSV / JSONL, Parquet and ``.xlsx``.

Each writer takes a table chunk by chunk and finishes the file on ``close``. What ``.xlsx``
changes (characters Excel cannot store, cells over :data:`EXCEL_CELL_LIMIT`) is counted in
``cleaned_characters`` and ``truncated_cells``; see :mod:`moments_nlp.io.read`.
"""

from __future__ import annotations

import gzip
import io as _io
import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from moments_nlp.errors import InputError, option, require
from moments_nlp.io._sniff import file_format, is_gzip, read_error

__all__ = ["EXCEL_CELL_LIMIT", "ParquetWriter", "TableWriter", "TextWriter", "XlsxWriter",
           "count_rows", "open_writer"]

#: Most characters an Excel cell holds.
EXCEL_CELL_LIMIT = 32_767


class TableWriter(Protocol):
    """Writes chunks of one table to one file; ``close`` finishes the file."""

    cleaned_characters: int
    truncated_cells: int

    def write(self, chunk: pd.DataFrame) -> None: ...

    def close(self) -> None: ...


class TextWriter:
    """CSV, TSV or JSONL, appended chunk by chunk (gzip when the target name ends in .gz)."""

    def __init__(self, path: Path, fmt: str, *, compress: bool, sep: str | None = None,
                 encoding: str = "utf-8") -> None:
        self.fmt = fmt
        self.sep = sep or ("," if fmt == "csv" else "\t")
        self.encoding = "utf-8" if fmt == "jsonl" else encoding
        self.cleaned_characters = 0
        self.truncated_cells = 0
        self._first = True
        raw: Any = gzip.open(path, "wb") if compress else open(path, "wb")  # noqa: SIM115
        self._handle = _io.TextIOWrapper(raw, encoding=self.encoding, newline="")

    def write(self, chunk: pd.DataFrame) -> None:
        if self.fmt == "jsonl":
            for record in chunk.to_dict("records"):
                self._handle.write(json.dumps({str(k): _json_value(v) for k, v in record.items()},
                                              ensure_ascii=False))
                self._handle.write("\n")
        else:
            # RFC 4180 line breaks: with "\r\n" as the terminator the csv module quotes every
            # cell holding a lone "\r" too (with "\n" it would not, and the row would split)
            try:
                _nested_as_json(chunk).to_csv(self._handle, sep=self.sep, index=False,
                                              header=self._first, lineterminator="\r\n")
            except UnicodeEncodeError as exc:
                raise InputError(
                    f"{exc.object[exc.start:exc.end]!r} cannot be written in {self.encoding}; "
                    "pass ", option("output_encoding", "utf-8-sig"), " (UTF-8 that Excel "
                    "recognizes)") from exc
        self._first = False

    def close(self) -> None:
        self._handle.close()


def _nested_as_json(chunk: pd.DataFrame) -> pd.DataFrame:
    """Dict and list cells (nested JSONL records) as JSON text, not as Python's repr."""
    nested = [c for c in chunk.columns if chunk[c].dtype == object
              and chunk[c].map(lambda v: isinstance(v, (dict, list))).any()]
    if not nested:
        return chunk
    as_json = {c: chunk[c].map(lambda v: json.dumps(_json_value(v), ensure_ascii=False)
                               if isinstance(v, (dict, list)) else v) for c in nested}
    return chunk.assign(**as_json)


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


class ParquetWriter:
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
                    "column: use a larger ", option("chunk_size"),
                    " or give the column one type in the input"
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
            raise read_error(path, "parquet", exc) from exc
    return None


def open_writer(path: str | Path, *, like: str | Path | None = None, sep: str | None = None,
                encoding: str = "utf-8") -> TableWriter:
    """A writer for ``path``, in the format of ``like`` (default: of ``path`` itself).

    ``like`` lets a temporary file (any name) be written in the format of the final output.
    ``sep`` and ``encoding`` are the delimiter and encoding of a CSV / TSV output (default
    ``,`` or tab, and UTF-8; JSONL is always UTF-8).

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
        return TextWriter(path, fmt, compress=is_gzip(target), sep=sep, encoding=encoding)
    if fmt == "parquet":
        return ParquetWriter(path)
    return XlsxWriter(path)
