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

import codecs
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from moments_nlp.errors import (
    ColumnNotFoundError,
    InputError,
    MomentsError,
    option,
    require,
)
from moments_nlp.io._excel import excel_layout, excel_note, xlsx_chunks
from moments_nlp.io._nested import flatten, nested_path, text_values
from moments_nlp.io._sniff import (
    FORMATS,
    Layout,
    file_format,
    head_bytes,
    is_qualtrics,
    read_error,
    text_layout,
)
from moments_nlp.io._writers import (
    EXCEL_CELL_LIMIT,
    TableWriter,
    XlsxWriter,
    count_rows,
    open_writer,
)
from moments_nlp.labels import score_labels

__all__ = [
    "EXCEL_CELL_LIMIT",
    "FORMATS",
    "Layout",
    "TableWriter",
    "XlsxWriter",
    "count_rows",
    "file_format",
    "inspect_layout",
    "iter_chunks",
    "open_writer",
    "read_labeled",
    "read_table",
    "text_values",
]

_CSV_OPTIONS: dict[str, Any] = {"dtype": str, "na_filter": False, "index_col": False}


def _check_columns(path: Path, frame: pd.DataFrame, wanted: Sequence[str],
                   layout: Layout | None = None) -> None:
    for column in wanted:
        if column in frame.columns:
            continue
        nested = nested_path(frame, column)
        if nested is None:
            raise ColumnNotFoundError(
                f"column {column!r} not found in {path}; available columns: "
                f"{[str(c) for c in frame.columns]}", *excel_note(layout)
            )
        head, key = nested
        keys = list(flatten(frame, head).columns)
        if len(frame) and key not in keys:
            raise ColumnNotFoundError(
                f"column {column!r} not found in {path}: {head!r} has the fields "
                f"{[f'{head}.{k}' for k in keys]}"
            )


def inspect_layout(path: str | Path, *, sep: str | None = None, encoding: str | None = None,
                   skip_rows: int | None = None, sheet: str | int | None = None,
                   header_row: int | None = None) -> Layout:
    """Check a file and find how to read it: delimiter, encoding, sheet, rows to skip.

    CSV / TSV: a file of another type under a ``.csv`` name (xlsx, gzip, Parquet, binary) or an
    empty file is refused; the encoding is detected unless given (UTF-8, else
    charset-normalizer's guess); a ``.csv`` delimiter is sniffed among ``, ; tab |`` unless
    given; every row must have as many fields as the header. Any format: a Qualtrics export's
    two extra header rows are detected and skipped unless ``skip_rows`` is given. ``.xlsx``:
    ``sheet`` (a name, or a position from 0; default the first) and ``header_row`` (the row of
    the column names, from 1 as Excel numbers them; default 1) choose what is read, and
    ``skip_rows`` counts rows after the header as for CSV.

    Raises
    ------
    RaggedRowsError
        For a row with more or fewer fields than the header (line and counts).
    InputError
        For a missing, empty, mistyped or undecodable file, or bad options.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "eu.csv"
    >>> _ = path.write_bytes("ID;Kommentar\\n1;Très bien, merci\\n".encode("cp1252"))
    >>> str(inspect_layout(path))
    "delimiter ';' (detected), encoding cp1252 (detected)"
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if skip_rows is not None and skip_rows < 0:
        raise InputError(option("skip_rows"), f" must be 0 or more, got {skip_rows}")
    if sep is not None and fmt not in ("csv", "tsv"):
        raise InputError(option("sep"), f" applies to CSV and TSV files, not to {fmt} ({path})")
    for name, value in (("sheet", sheet), ("header_row", header_row)):
        if value is not None and fmt != "xlsx":
            raise InputError(option(name), f" applies to .xlsx workbooks, not to {fmt} ({path})")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"unknown encoding {encoding!r}") from exc
    layout = Layout(fmt, encoding=encoding, encoding_given=encoding is not None)
    try:
        if fmt == "xlsx":
            layout = excel_layout(path, sheet, header_row)
        elif fmt in ("csv", "tsv"):
            layout = text_layout(path, fmt, sep=sep, encoding=encoding)
        elif fmt == "jsonl" and not head_bytes(path).strip():
            raise InputError(f"{path} is empty: expected one JSON object per line")
        if skip_rows is None:
            first = next(_raw_chunks(path, layout, 2), None)
            qualtrics = first is not None and is_qualtrics(first)
            skip_rows = 2 if qualtrics else 0
            layout = dataclasses.replace(layout, qualtrics=qualtrics)
    except MomentsError:
        raise
    except Exception as exc:
        raise read_error(path, fmt, exc, layout.encoding) from exc
    rows = None if layout.rows is None else max(layout.rows - skip_rows, 0)
    return dataclasses.replace(layout, skip_rows=skip_rows, rows=rows)


def _skipped(chunks: Iterator[pd.DataFrame], skip: int) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        if skip:
            dropped = min(skip, len(chunk))
            chunk, skip = chunk.iloc[dropped:], skip - dropped
            if chunk.empty:
                continue
        yield chunk


def iter_chunks(path: str | Path, *, chunk_size: int = 20_000,
                columns: Sequence[str] | None = None, layout: Layout | None = None,
                **options: Any) -> Iterator[pd.DataFrame]:
    """Read a table in chunks of at most ``chunk_size`` rows, in file order.

    Every format is streamed: memory does not grow with the file. Every chunk has a default
    ``RangeIndex`` continuing the previous one. ``columns`` are checked, not selected: all
    columns are always read (a dotted path such as ``response.comment`` checks a nested field).
    ``layout`` (from :func:`inspect_layout`) says how to read the file; without it, it is
    inspected with ``options`` (``sep``, ``encoding``, ``skip_rows``).

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
        raise InputError(option("chunk_size"),
                         f" must be a positive number of rows, got {chunk_size}")
    layout = layout or inspect_layout(path, **options)
    start = 0
    checked = False
    try:
        for chunk in _skipped(_raw_chunks(path, layout, chunk_size), layout.skip_rows):
            if not checked:
                _check_columns(path, chunk, columns or [], layout)
                checked = True
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            yield chunk
    except MomentsError:
        raise
    except Exception as exc:  # any parser error: say which file and which format
        raise read_error(path, layout.fmt, exc, layout.encoding) from exc
    if not checked:  # a file with a header but no rows
        try:
            empty = _empty(path, layout)
        except Exception as exc:
            raise read_error(path, layout.fmt, exc, layout.encoding) from exc
        _check_columns(path, empty, columns or [], layout)
        yield empty


def _raw_chunks(path: Path, layout: Layout, chunk_size: int) -> Iterator[pd.DataFrame]:
    fmt = layout.fmt
    if fmt in ("csv", "tsv"):
        with pd.read_csv(path, sep=layout.sep, encoding=layout.encoding, chunksize=chunk_size,
                         **_CSV_OPTIONS) as reader:
            yield from reader
    elif fmt == "jsonl":
        with pd.read_json(path, lines=True, chunksize=chunk_size, dtype=False,
                          encoding=layout.encoding or "utf-8") as reader:
            yield from reader
    elif fmt == "parquet":
        pq = require("pyarrow.parquet", "parquet")
        with pq.ParquetFile(path) as source:  # type: ignore[attr-defined]
            if source.metadata.num_rows == 0:
                return
            for batch in source.iter_batches(batch_size=chunk_size):
                yield batch.to_pandas()
    else:
        yield from xlsx_chunks(path, chunk_size, layout)


def read_table(path: str | Path, *, columns: Sequence[str] | None = None,
               layout: Layout | None = None, **options: Any) -> pd.DataFrame:
    """Read a whole table; the format comes from the extension.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.jsonl``, ``.parquet`` or ``.xlsx`` file.
    columns : sequence of str, optional
        Columns that must be present (all columns are returned).
    layout : Layout, optional
        How to read it (from :func:`inspect_layout`); else inspected with ``options``.
    **options
        ``sep``, ``encoding``, ``skip_rows``, ``sheet``, ``header_row``: see
        :func:`inspect_layout`.

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
    layout = layout or inspect_layout(path, **options)
    if layout.fmt != "parquet":
        frames = list(iter_chunks(path, chunk_size=1_000_000, columns=columns, layout=layout))
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    require("pyarrow", "parquet")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise read_error(path, "parquet", exc) from exc
    if layout.skip_rows:
        frame = frame.iloc[layout.skip_rows:].reset_index(drop=True)
    _check_columns(path, frame, columns or [], layout)
    return frame


def _empty(path: Path, layout: Layout) -> pd.DataFrame:
    """The columns of a file without data rows."""
    if layout.fmt in ("csv", "tsv"):
        return pd.read_csv(path, sep=layout.sep, encoding=layout.encoding, nrows=0,
                           **_CSV_OPTIONS)
    if layout.fmt == "parquet":
        return pd.read_parquet(path).iloc[:0]
    return pd.DataFrame()


def read_labeled(path: str | Path, *, text_column: str, label_column: str,
                 from_stars: bool = False, from_nps: bool = False,
                 **options: Any) -> tuple[list[str], list[str]]:
    """Read texts and their labels from a labeled file.

    Labels are normalized to :data:`~moments_nlp.labels.LABELS` (any known spelling), or mapped
    from 1-5 star ratings with ``from_stars=True`` or 0-10 NPS scores with ``from_nps=True``.
    Rows are kept as they are (blank texts
    included; :func:`moments_nlp.train` drops and counts them). ``options`` (``sep``,
    ``encoding``, ``skip_rows``, ``sheet``, ``header_row``) say how to read the file, as in
    :func:`inspect_layout`.

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

    frame = read_table(path, columns=[text_column, label_column], **options)
    texts = as_text_list(frame[text_column])
    raw = frame[label_column].tolist()
    labels = score_labels(raw, from_stars=from_stars, from_nps=from_nps)
    return texts, labels
