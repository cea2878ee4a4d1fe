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


def text_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """The texts of ``column``, which may be a dotted path into nested records.

    ``"response.comment"`` picks the ``comment`` field of the dicts in column ``response``
    (JSONL objects, Parquet structs), flattened with :func:`pandas.json_normalize`; a row
    without that field is a missing text.

    Raises
    ------
    ColumnNotFoundError
        If neither the column nor the path exists.
    InputError
        If the column holds dicts or lists: the message names the column and the first such row.

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
    nested = values.map(lambda v: isinstance(v, (dict, list, tuple, set, np.ndarray)))
    if nested.any():
        position = int(np.argmax(nested.to_numpy()))
        row, value = values.index[position], values.iloc[position]
        hint = (f"; for a field inside, pass a dotted path such as '{column}.{next(iter(value))}'"
                if isinstance(value, dict) and value else "")
        raise InputError(
            f"text column {column!r} holds {type(value).__name__} values, not text: data row "
            f"{row + 1} is {repr(value)[:80]}{hint}"
        )
    return values.rename(column)
