"""The table :meth:`MomentClassifier.label <moments_nlp.MomentClassifier.label>` returns.

A copy of the input with the label, its confidence, the probabilities, the familiarity and the
non-answer flag (:data:`~moments_nlp.model.estimator.OUTPUT_COLUMNS`), plus the optional review
flag, explanation and touchpoint columns; a Dask DataFrame is labeled lazily, partition by
partition.

Examples
--------
>>> import pandas as pd, moments_nlp as mn
>>> out = label_table(mn.load(), pd.DataFrame({"comment": ["Rude staff", ""], "id": [7, 8]}),
...                   "comment", min_confidence=0.5)
>>> out[["id", "moment", "needs_review"]].to_dict("list")
{'id': [7, 8], 'moment': ['misery', None], 'needs_review': [False, False]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list
from moments_nlp.errors import ColumnNotFoundError, InputError
from moments_nlp.labels import LABELS
from moments_nlp.model.estimator import FAMILIAR

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["label_table"]


def label_table(model: MomentEstimator, df: Any, text_column: str, *,
                min_confidence: float | None = None, explain: bool = False,
                touchpoints: bool = False, moments: bool = False) -> Any:
    """:meth:`MomentClassifier.label`'s table (see there for the columns and parameters)."""
    if type(df).__module__.startswith("dask"):
        if explain or touchpoints:
            raise InputError("explain / touchpoints columns need a pandas DataFrame; "
                             "label a Dask DataFrame without them")
        from moments_nlp.insight.moments import moments_dask
        from moments_nlp.io._dask import label_dask

        lazy = label_dask(model, df, text_column, min_confidence=min_confidence)
        return (lazy, moments_dask(model, df[text_column])) if moments else lazy
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"label() expects a pandas or Dask DataFrame, got {type(df).__name__}")
    if text_column not in df.columns:
        raise ColumnNotFoundError(
            f"text column {text_column!r} not found; available columns: "
            f"{[str(c) for c in df.columns]}"
        )
    texts = as_text_list(df[text_column])
    scores, blank, non_answer = model._answer_scores(texts, familiar=True)
    keep = ~blank
    proba, familiar = scores[:, :len(LABELS)], scores[:, len(LABELS)]
    out = df.copy()
    moment = np.full(len(texts), None, dtype=object)
    moment[keep] = np.asarray(LABELS, dtype=object)[proba[keep].argmax(axis=1)]
    out["moment"] = pd.array(moment, dtype="string")
    top = np.where(keep, np.nanmax(np.where(keep[:, None], proba, 0), axis=1), np.nan)
    out["confidence"] = top * np.clip(np.nan_to_num(familiar, nan=1.0) / FAMILIAR, 0, 1)
    for j, label in enumerate(LABELS):
        out[f"p_{label}"] = proba[:, j]
    out["familiarity"] = familiar
    out["non_answer"] = pd.array(non_answer, dtype="boolean")
    if min_confidence is not None:
        review = pd.array(np.where(keep & ~non_answer, out["confidence"] < min_confidence,
                                   False), dtype="boolean")
        out["needs_review"] = review
    if explain:
        from moments_nlp.insight.explain import explain_column

        out["explanation"] = explain_column(model, texts)
    if touchpoints:
        from moments_nlp.insight.touchpoint_matcher import touchpoints as find_touchpoints

        out["touchpoints"] = pd.array([";".join(t) for t in find_touchpoints(texts)],
                                      dtype="string")
    if moments:
        from moments_nlp.insight.moments import moments as find_moments

        return out, find_moments(df[text_column], model=model)
    return out
