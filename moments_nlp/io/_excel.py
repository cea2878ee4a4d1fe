"""Excel workbooks (``.xlsx``, extra ``[excel]``): which sheet and header row, streamed rows.

Cells keep their Excel types; "NA" or "None" stay text; formulas give their cached values
(empty if the file was never opened in Excel). Rows that openpyxl reports but that hold no value
(formatted, empty) are skipped. Used by :mod:`moments_nlp.io.read`.

Examples
--------
>>> from moments_nlp.io._sniff import Layout
>>> excel_note(Layout("csv"))
()
>>> note = excel_note(Layout("xlsx", sheet="Q3", sheets=("Q2", "Q3"), header_row=2))
>>> note[0].split("; ")[1]
"only sheet 1 ('Q3') was read, with its header in row 2"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from moments_nlp.errors import Hint, InputError, option, require
from moments_nlp.io._sniff import Layout, read_error

__all__ = ["excel_layout", "excel_note", "xlsx_chunks"]


def excel_note(layout: Layout | None) -> tuple[object, ...]:
    """What a column-not-found message adds for a workbook: which sheet and row were read."""
    if layout is None or layout.fmt != "xlsx":
        return ()
    index = layout.sheets.index(layout.sheet) if layout.sheet in layout.sheets else 0
    return (f"; only sheet {index} ({layout.sheet!r}) was read, with its header in row "
            f"{layout.header_row}; the workbook's sheets are {list(layout.sheets)} (pass ",
            Hint("sheet=NAME_OR_POSITION", "--sheet NAME|N"), " to read another, ",
            Hint("header_row=ROW", "--header-row N"), " if the column names are in another row)")


def excel_layout(path: Path, sheet: str | int | None, header_row: int | None) -> Layout:
    """The sheet to read (by name, or 0-based position) and the workbook's sheet names."""
    if header_row is not None and header_row < 1:
        raise InputError(option("header_row"), " is the row number of the column names, from "
                         f"1 as in Excel; got {header_row}")
    openpyxl: Any = require("openpyxl", "excel")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise read_error(path, "xlsx", exc) from exc
    try:
        names = tuple(str(name) for name in book.sheetnames)
    finally:
        book.close()
    if sheet is None:
        chosen = names[0] if names else None
    elif str(sheet) in names:
        chosen = str(sheet)
    elif isinstance(sheet, int) or str(sheet).isdigit():
        position = int(sheet)
        if not 0 <= position < len(names):
            raise InputError(f"{path} has {len(names)} sheets {list(names)}: there is no sheet "
                             f"{position} (", option("sheet"), " counts from 0, or give a name)")
        chosen = names[position]
    else:
        raise InputError(f"{path} has no sheet {sheet!r}; its sheets are {list(names)}")
    return Layout("xlsx", sheet=chosen, sheets=names, header_row=header_row or 1)


def xlsx_chunks(path: Path, chunk_size: int, layout: Layout) -> Iterator[pd.DataFrame]:
    """One sheet, streamed. Cells keep their Excel types; "NA" or "None" stay text.

    The sheet is ``layout.sheet`` (default the first); rows above ``layout.header_row`` are
    not read.
    """
    openpyxl: Any = require("openpyxl", "excel")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[layout.sheet] if layout.sheet is not None else book.worksheets[0]
        rows = sheet.iter_rows(min_row=layout.header_row, values_only=True)
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
