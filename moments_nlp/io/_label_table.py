"""The table :meth:`MomentClassifier.label <moments_nlp.MomentClassifier.label>` returns.

A copy of the input with the label, its confidence, the probabilities, the familiarity and the
non-answer flag (:data:`~moments_nlp.model.estimator.OUTPUT_COLUMNS`), the review flag and the
language flag (:data:`ADDED_COLUMNS`), plus the optional explanation and touchpoint columns; a
Dask DataFrame is labeled lazily, partition by partition.

A DataFrame gets the checks a file gets from ``moments-nlp label`` (:mod:`moments_nlp.io.batch`):
an export's header rows read as data are found and warned about (``skip_rows`` leaves them out),
columns that labeling adds are refused unless ``overwrite=True``, a text column holding dicts or
lists is an error naming the rows, and a dotted ``text_column`` (``response.comment``) reads a
field of nested records.

Examples
--------
>>> import pandas as pd, moments_nlp as mn
>>> out = label_table(mn.load(), pd.DataFrame({"comment": ["Rude staff", ""], "id": [7, 8]}),
...                   "comment", min_confidence=0.5)
>>> out[["id", "moment", "needs_review", "language_ok"]].to_dict("list")
{'id': [7, 8], 'moment': ['misery', None], 'needs_review': [False, False],
 'language_ok': [True, None]}
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list
from moments_nlp.errors import InputError, InputWarning, option
from moments_nlp.io._nested import text_values
from moments_nlp.io._sniff import is_qualtrics
from moments_nlp.labels import LABELS
from moments_nlp.model.estimator import FAMILIAR, OUTPUT_COLUMNS
from moments_nlp.text._language import looks_english

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["ADDED_COLUMNS", "DEFAULT_MIN_CONFIDENCE", "added_columns", "check_min_confidence",
           "label_table", "without_added"]

#: The review threshold when ``min_confidence`` is not given: below it the top label has less
#: than even odds (or the text's words are mostly new to the model).
DEFAULT_MIN_CONFIDENCE = 0.5
#: Every column labeling adds, in order (``explanation`` / ``touchpoints`` only when asked).
ADDED_COLUMNS: tuple[str, ...] = (*OUTPUT_COLUMNS, "needs_review", "language_ok")


def check_min_confidence(min_confidence: float | None) -> float:
    """The review threshold to use; a value outside [0, 1] is an error.

    Examples
    --------
    >>> check_min_confidence(None), check_min_confidence(0.7)
    (0.5, 0.7)
    """
    if min_confidence is None:
        return DEFAULT_MIN_CONFIDENCE
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float)) or (
            not math.isfinite(min_confidence) or not 0 <= min_confidence <= 1):
        raise InputError(option("min_confidence"), " is a confidence between 0 and 1 (rows "
                         f"below it need review); got {min_confidence!r}")
    return float(min_confidence)


def added_columns(*, explain: bool = False, touchpoints: bool = False) -> list[str]:
    """The columns labeling adds to a table."""
    return [*ADDED_COLUMNS, *(["explanation"] if explain else []),
            *(["touchpoints"] if touchpoints else [])]


def without_added(columns: Iterable[object], added: list[str], *, overwrite: bool) -> list[str]:
    """The columns labeling would add that the input has already: an error unless ``overwrite``.

    Returns the clashing columns (to drop, with ``overwrite=True``).
    """
    present = {str(c) for c in columns}
    clash = [c for c in added if c in present]
    if clash and not overwrite:
        raise InputError(
            f"the input already has columns {clash}, which labeling adds (is it already "
            "labeled?); pass ", option("overwrite", True, flag="--relabel"),
            " to replace them, or rename or drop them"
        )
    return clash


def _header_rows(df: pd.DataFrame, skip_rows: int | None) -> pd.DataFrame:
    if skip_rows is None:
        if is_qualtrics(df.head(2)):
            warnings.warn(
                "the first 2 rows look like a Qualtrics export's question-text and "
                '{"ImportId": ...} rows, and are labeled as comments; pass skip_rows=2 to leave '
                "them out, or read the file with mn.read_feedback(path), which skips them as "
                "moments-nlp label does", InputWarning, stacklevel=4)
        return df
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise InputError(option("skip_rows"), f" must be 0 or more rows, got {skip_rows!r}")
    return df.iloc[skip_rows:]


def label_table(model: MomentEstimator, df: Any, text_column: str, *,
                min_confidence: float | None = None, explain: bool = False,
                touchpoints: bool = False, moments: bool = False, skip_rows: int | None = None,
                overwrite: bool = False) -> Any:
    """:meth:`MomentClassifier.label`'s table (see there for the columns and parameters)."""
    threshold = check_min_confidence(min_confidence)
    added = added_columns(explain=explain, touchpoints=touchpoints)
    if type(df).__module__.startswith("dask"):
        if explain or touchpoints:
            raise InputError("explain / touchpoints columns need a pandas DataFrame; "
                             "label a Dask DataFrame without them")
        from moments_nlp.insight.moments import moments_dask
        from moments_nlp.io._dask import label_dask

        lazy = label_dask(model, df, text_column, min_confidence=threshold,
                          overwrite=overwrite)
        return (lazy, moments_dask(model, df[text_column])) if moments else lazy
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"label() expects a pandas or Dask DataFrame, got {type(df).__name__}")
    clash = without_added(df.columns, added, overwrite=overwrite)
    df = _header_rows(df, skip_rows)
    values = text_values(df, text_column, by_index=True)
    texts = as_text_list(values)
    scores, blank, non_answer = model._answer_scores(texts, familiar=True)
    keep = ~blank
    proba, familiar = scores[:, :len(LABELS)], scores[:, len(LABELS)]
    out = df.drop(columns=clash) if clash else df.copy()
    moment = np.full(len(texts), None, dtype=object)
    moment[keep] = np.asarray(LABELS, dtype=object)[proba[keep].argmax(axis=1)]
    out["moment"] = pd.array(moment, dtype="string")
    top = np.where(keep, np.nanmax(np.where(keep[:, None], proba, 0), axis=1), np.nan)
    out["confidence"] = top * np.clip(np.nan_to_num(familiar, nan=1.0) / FAMILIAR, 0, 1)
    for j, label in enumerate(LABELS):
        out[f"p_{label}"] = proba[:, j]
    out["familiarity"] = familiar
    out["non_answer"] = pd.array(non_answer, dtype="boolean")
    out["needs_review"] = pd.array(np.where(keep & ~non_answer, out["confidence"] < threshold,
                                            False), dtype="boolean")
    english = [ok or bool(non) for ok, non in zip(looks_english(texts), non_answer)]
    out["language_ok"] = pd.array([ok if kept else None for ok, kept in zip(english, keep)],
                                  dtype="boolean")
    if explain:
        from moments_nlp.insight.explain import explain_column

        out["explanation"] = explain_column(model, texts)
    if touchpoints:
        from moments_nlp.insight.touchpoint_matcher import touchpoints as find_touchpoints

        out["touchpoints"] = pd.array([";".join(t) for t in find_touchpoints(texts)],
                                      dtype="string")
    if moments:
        from moments_nlp.insight.moments import moments as find_moments

        return out, find_moments(values.rename(text_column), model=model)
    return out
