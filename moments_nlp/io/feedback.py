"""``mn.read_feedback``: a survey export as a DataFrame, read exactly as the command line reads it.

A notebook that reads an export with ``pandas.read_csv`` gets other rows and other cells than
``moments-nlp label``: pandas keeps a Qualtrics export's question-text and ``{"ImportId": ...}``
rows as data, turns a customer's ``N/A`` into a missing value, guesses column types, and reads a
cp1252 ``;`` export as one mojibake column. :func:`read_feedback` is the reader the command line
itself uses (:func:`moments_nlp.io.read.inspect_layout` and :func:`~moments_nlp.io.read.read_table`,
the same code ``label_file`` streams with), so ``mn.read_feedback(path)`` followed by
``clf.label(df, ...)`` gives the same rows, cells and labels as ``moments-nlp label``.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "eu.csv"
>>> _ = path.write_bytes("ID;Kommentar\\n1;N/A\\n2;Très bien\\n".encode("cp1252"))
>>> df = read_feedback(path, text_column="Kommentar")
>>> df["Kommentar"].tolist()
['N/A', 'Très bien']
>>> df.attrs["read_as"]
"delimiter ';' (detected), encoding cp1252 (detected)"
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from moments_nlp.io.read import inspect_layout, read_table

__all__ = ["read_feedback"]


def read_feedback(path: str | Path, *, text_column: str | None = None,
                  sep: str | None = None, encoding: str | None = None,
                  skip_rows: int | None = None, sheet: str | int | None = None,
                  header_row: int | None = None) -> pd.DataFrame:
    """Read a survey export into a DataFrame exactly as ``moments-nlp label`` reads it.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.jsonl``, ``.parquet`` or ``.xlsx`` file.
    text_column : str, optional
        A column that must be there (checked, not selected: every column is returned). A dotted
        path such as ``response.comment`` checks a field inside nested records; pass the same
        path to :meth:`MomentClassifier.label <moments_nlp.MomentClassifier.label>`.
    sep, encoding, skip_rows, sheet, header_row
        The reading options of the command line (``--sep``, ``--encoding``, ``--skip-rows``,
        ``--sheet``, ``--header-row``); see :func:`moments_nlp.io.read.inspect_layout`. By
        default the delimiter and encoding of a CSV are detected, a Qualtrics export's two
        extra header rows are skipped, and an ``.xlsx`` is read from its first sheet.

    Returns
    -------
    pandas.DataFrame
        Every data row in file order, with a ``RangeIndex`` from 0. CSV / TSV cells are text,
        verbatim: ``NA``, ``None`` or ``n/a`` are the words a customer wrote (non-answers,
        labeled ``ordinary``), an empty cell is ``""`` (a blank, left unlabeled), ``007`` stays
        ``007``. JSONL, Parquet and Excel cells keep their own types; nested records stay dicts.
        ``df.attrs["read_as"]`` says how the file was read (delimiter, encoding, sheet, rows
        skipped), as the command's summary does.

    Raises
    ------
    ColumnNotFoundError
        If ``text_column`` is absent (the message lists the columns, and the sheets of a
        workbook).
    RaggedRowsError
        For a CSV / TSV row with more or fewer fields than the header (line and counts).
    InputError
        For a missing, empty, mistyped or undecodable file, or bad options.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "qualtrics.csv"
    >>> _ = path.write_text('Q1,Q2\\nHow likely?,Why?\\n{"ImportId":"QID1"},{"ImportId":"QID2"}\\n'
    ...                     '9,Great staff\\n3,n/a\\n')
    >>> df = read_feedback(path, text_column="Q2")
    >>> df.to_dict("list")
    {'Q1': ['9', '3'], 'Q2': ['Great staff', 'n/a']}
    >>> df.attrs["read_as"]
    "delimiter ',' (detected), encoding utf-8 (detected), 2 Qualtrics header rows skipped"
    """
    layout = inspect_layout(path, sep=sep, encoding=encoding, skip_rows=skip_rows, sheet=sheet,
                            header_row=header_row)
    frame = read_table(path, columns=[text_column] if text_column is not None else None,
                       layout=layout)
    frame.attrs["read_as"] = str(layout)
    return frame
