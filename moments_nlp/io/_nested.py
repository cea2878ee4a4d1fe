"""Text columns that are dotted paths into nested records (JSONL objects, Parquet structs).

``--text-column response.comment`` labels the ``comment`` field of the dicts in column
``response``, flattened with :func:`pandas.json_normalize`. A text column that holds dicts or
lists is refused, never labeled as its ``repr``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from moments_nlp.errors import ColumnNotFoundError, InputError

__all__ = ["flatten", "nested_path", "text_values"]


def nested_path(frame: pd.DataFrame, column: str) -> tuple[str, str] | None:
    """``(column, key path)`` when ``column`` is a dotted path into a column of the frame."""
    parts = column.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in frame.columns:
            return head, ".".join(parts[cut:])
    return None


def flatten(frame: pd.DataFrame, head: str) -> pd.DataFrame:
    records = [value if isinstance(value, dict) else {} for value in frame[head]]
    flat = pd.json_normalize(records) if records else pd.DataFrame()
    flat.index = frame.index
    return flat


def _label(value: object) -> object:
    """An index label as Python has it (``11``, not ``np.int64(11)``)."""
    return value.item() if isinstance(value, np.generic) else value


def text_values(frame: pd.DataFrame, column: str, *, by_index: bool = False) -> pd.Series:
    """The texts of ``column``, which may be a dotted path into nested records.

    ``"response.comment"`` picks the ``comment`` field of the dicts in column ``response``
    (JSONL objects, Parquet structs), flattened with :func:`pandas.json_normalize`; a row
    without that field is a missing text.

    ``by_index`` names refused rows by their index labels (a user's DataFrame), not as data
    rows counted from 1 (a file's chunks).

    Raises
    ------
    ColumnNotFoundError
        If neither the column nor the path exists.
    InputError
        If the column holds dicts or lists: the message names the column and the rows (the first
        five), with the first such value.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 2], "response": [{"comment": "Great"}, {}]})
    >>> text_values(frame, "response.comment").tolist()
    ['Great', nan]
    """
    if column in frame.columns:
        values = frame[column]
    else:
        found = nested_path(frame, column)
        if found is None:
            raise ColumnNotFoundError(f"column {column!r} not found; available columns: "
                                      f"{[str(c) for c in frame.columns]}")
        head, key = found
        flat = flatten(frame, head)
        values = flat[key] if key in flat.columns else pd.Series(None, index=frame.index,
                                                                  dtype=object)
    nested = np.fromiter((isinstance(v, (dict, list, tuple, set, np.ndarray)) for v in values),
                         dtype=bool, count=len(values))
    if nested.any():
        where = np.flatnonzero(nested)
        # a file's chunks carry a RangeIndex continuing over the file: data rows from 1
        names = [f"index {_label(values.index[i])!r}" if by_index
                 else f"data row {values.index[i] + 1}" for i in where[:6]]
        value = values.iloc[where[0]]
        hint = (f"; for a field inside, pass a dotted path such as '{column}.{next(iter(value))}'"
                if isinstance(value, dict) and value else "")
        others = ""
        if len(where) > 1:
            others = (f"; {len(where) - 1:,} more row{'s' if len(where) > 2 else ''} too: "
                      + ", ".join(names[1:]) + (", ..." if len(where) > 6 else ""))
        raise InputError(
            f"text column {column!r} holds {type(value).__name__} values, not text: "
            f"{names[0]} is {repr(value)[:80]}{others}{hint}"
        )
    return values.rename(column)
