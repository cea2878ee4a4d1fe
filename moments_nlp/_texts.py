"""Input checks for collections of texts, shared by every entry point.

Examples
--------
>>> as_text_list(["ok", None, 3])
['ok', '', '3']
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from moments_nlp.errors import InputError

__all__ = ["as_text_list", "is_blank", "is_missing"]


def is_missing(value: object) -> bool:
    """True for a missing value: None, ``pd.NA``, ``pd.NaT`` or a float NaN.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, "", 0)]
    [True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if is_missing(value):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def as_text_list(texts: Iterable[Any]) -> list[str]:
    """Turn an iterable of texts into a list of ``str``; missing values become ``""``.

    Parameters
    ----------
    texts : iterable
        A list, tuple, NumPy array, pandas Series or any iterable of texts. Non-string cells
        (numbers, dates) are turned into their text. A bare ``str`` is refused, as in
        scikit-learn, because it would be read as a sequence of characters.

    Returns
    -------
    list of str

    Raises
    ------
    InputError
        For a bare string, ``None``, or a 2-D array / DataFrame with more than one column.
    """
    if isinstance(texts, (str, bytes)):
        raise InputError(
            "expected an iterable of texts (e.g. a list of str), got a single str; "
            "wrap it in a list: [text]"
        )
    if texts is None:
        raise InputError("expected an iterable of texts, got None")
    if isinstance(texts, pd.DataFrame):
        if texts.shape[1] != 1:
            raise InputError(
                f"expected one column of texts, got a DataFrame with {texts.shape[1]} columns: "
                f"{list(texts.columns)}; pass df[column] or use label(df, text_column=...)"
            )
        texts = texts.iloc[:, 0]
    if isinstance(texts, np.ndarray) and texts.ndim > 1:
        if texts.ndim == 2 and texts.shape[1] == 1:
            texts = texts[:, 0]
        else:
            raise InputError(
                f"expected a 1-D collection of texts, got an array of shape {texts.shape}"
            )
    try:
        return [_to_text(value) for value in texts]
    except TypeError as exc:
        raise InputError(f"expected an iterable of texts, got {type(texts).__name__}") from exc


def is_blank(text: str) -> bool:
    """True for texts that hold nothing to label (empty or whitespace only).

    Examples
    --------
    >>> is_blank("  \\n"), is_blank(" ok ")
    (True, False)
    """
    return not text.strip()
