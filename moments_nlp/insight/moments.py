"""Moments of Truth one by one: a moment per (comment, touchpoint).

A comment such as ``"Great food but we waited an hour for it"`` is one Moment of Magic
(``food_drink``) and one Moment of Misery (``wait_time``), whatever its overall label. For every
text :func:`moments`

1. tokenizes it once (the touchpoint matcher's spaCy pipeline) and splits it into sentences and
   clauses (:mod:`moments_nlp.text._clauses`: a rule-based sentencizer, contrastive words such as
   ``but`` / ``however`` / ``although`` / ``though`` / ``except``, and ``;``), keeping character
   offsets; a conjunction that opens a piece (``"but the service was slow"``) is trimmed off, so
   the piece reads as a clause of its own, both for the model and as evidence;
2. finds the touchpoints in each piece (:mod:`moments_nlp.insight.touchpoint_matcher`);
3. scores every piece that mentions a touchpoint with the same model, in one batched
   ``predict_proba`` call for all texts;
4. gives each touchpoint the *pooled* moment of the pieces that mention it (the mean of their
   probabilities), with the piece that speaks most clearly for that moment as ``evidence``;
5. backs off to the comment: a touchpoint that comes out ``ordinary`` from a piece shorter
   than its text, in a comment ``predict`` calls ``magic`` (``misery``) and none of whose
   touchpoints is ``misery`` (``magic``), takes the comment's probabilities (one more batched
   call, over those comments only). A clause alone often lacks the words that carry the
   sentiment of the comment around it; on ``bench/moments.py`` this is what keeps
   single-minded comments at least as accurate as their own label.

A text that mentions no touchpoint gets one ``general`` row scored on the whole text, so its
moment is what ``predict`` says; blank and missing texts get no row. The comment's own label
stays ``predict``'s: moments are the finer view.

Examples
--------
>>> import moments_nlp as mn
>>> text = "Great food but we waited an hour for it"
>>> rows = mn.moments([text])
>>> rows[["text_id", "touchpoint", "evidence"]].values.tolist()
[[0, 'wait_time', 'we waited an hour for it'], [0, 'food_drink', 'Great food']]
>>> row = rows.iloc[1]
>>> text[row.start:row.end] == row.evidence
True
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError, require
from moments_nlp.insight.touchpoint_matcher import matcher_for
from moments_nlp.labels import LABELS
from moments_nlp.model._parallel import single_process
from moments_nlp.text._clauses import clause_spans

if TYPE_CHECKING:
    from collections.abc import Mapping

    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["GENERAL", "MOMENT_COLUMNS", "moments", "moments_dask", "touchpoint_table"]

#: Touchpoint of the one row a text without any touchpoint gets.
GENERAL = "general"
#: Columns of :func:`moments`, in order.
MOMENT_COLUMNS: tuple[str, ...] = ("text_id", "touchpoint", "moment", "confidence",
                                   *(f"p_{label}" for label in LABELS), "evidence", "start", "end")

_OPPOSITE = {LABELS.index("magic"): LABELS.index("misery"),
             LABELS.index("misery"): LABELS.index("magic")}
# a conjunction (or a run of them) opening a clause, with the punctuation after it
_LEADING = re.compile(r"(?:(?:but|however|although|even though|though|except(?: that| for)?|"
                      r"whereas|yet|and|plus|also)\b[\s,;:\-\u2013\u2014]*)+",
                      re.IGNORECASE)
# one planned row: text position, touchpoint, indices of its scored pieces, evidence candidates
_Plan = tuple[int, str, list[int], list[tuple[int, int]]]


def _plan(texts: list[str], matcher: Any) -> tuple[list[_Plan], list[str]]:
    """Rows to build and the strings to score (pieces first seen, then whole texts)."""
    order = {name: i for i, name in enumerate(matcher.names)}
    rows: list[_Plan] = []
    to_score: list[str] = []
    kept = [i for i, text in enumerate(texts) if not is_blank(text)]
    for i, doc in zip(kept, matcher.docs(texts[i] for i in kept)):
        text = texts[i]
        matches = matcher.match(doc)
        if not matches:
            start = len(text) - len(text.lstrip())
            rows.append((i, GENERAL, [len(to_score)], [(start, len(text.rstrip()))]))
            to_score.append(text)
            continue
        pieces = [_trim_lead(text, s, e) for s, e in clause_spans(doc)]
        piece_ids: dict[int, int] = {}
        per_touchpoint: dict[str, list[int]] = {}
        for name, begin, _end in matches:
            k = _piece_of(pieces, begin)
            if k not in piece_ids:
                piece_ids[k] = len(to_score)
                s, e = pieces[k]
                to_score.append(text[s:e])
            hits = per_touchpoint.setdefault(name, [])
            if k not in hits:
                hits.append(k)
        for name in sorted(per_touchpoint, key=order.__getitem__):
            hits = per_touchpoint[name]
            rows.append((i, name, [piece_ids[k] for k in hits], [pieces[k] for k in hits]))
    return rows, to_score


def _trim_lead(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the conjunction opening the piece (kept if nothing is left).

    >>> text = "Nice room, but however, the bed was hard"
    >>> s, e = _trim_lead(text, 11, len(text))
    >>> text[s:e]
    'the bed was hard'
    """
    found = _LEADING.match(text, start, end)
    if found is None or found.end() >= end:
        return start, end
    return found.end(), end


def _piece_of(pieces: list[tuple[int, int]], char: int) -> int:
    """Index of the piece holding ``char`` (or the last one starting before it)."""
    best = 0
    for k, (start, _end) in enumerate(pieces):
        if start <= char:
            best = k
        else:
            break
    return best


def _back_off(clf: MomentEstimator, plan: list[_Plan], pooled: np.ndarray,
              strings: list[str]) -> None:
    """Ordinary pieces of a polar comment that no piece contradicts take the comment's scores.

    A clause read alone often holds no sentiment word (``"the sofa itself arrived"``) while
    the comment around it is clearly Magic or Misery. When the comment's own label is ``magic``
    (``misery``), no touchpoint of it is ``misery`` (``magic``) and a touchpoint came out
    ``ordinary`` from a piece shorter than the text, that touchpoint gets the comment's
    probabilities (``predict``'s), in place. Changes ``pooled``.
    """
    ordinary, labels = LABELS.index("ordinary"), pooled.argmax(axis=1)
    by_text: dict[int, list[int]] = {}
    for r, (i, name, _scored, _spans) in enumerate(plan):
        if name != GENERAL:
            by_text.setdefault(i, []).append(r)
    wanted = [i for i, rs in by_text.items()
              if any(labels[r] == ordinary and _shorter(plan[r][3], strings[i]) for r in rs)]
    if not wanted:
        return
    whole = np.asarray(clf.predict_proba([strings[i] for i in wanted]), dtype=np.float64)
    for i, comment in zip(wanted, whole):
        label = int(comment.argmax())
        if label == ordinary:
            continue
        opposite = _OPPOSITE[label]
        rows = by_text[i]
        if any(labels[r] == opposite for r in rows):
            continue
        for r in rows:
            if labels[r] == ordinary and _shorter(plan[r][3], strings[i]):
                pooled[r] = comment


def _shorter(spans: list[tuple[int, int]], text: str) -> bool:
    """Whether the pieces leave out part of the (stripped) text."""
    return sum(end - start for start, end in spans) < len(text.strip())


def _empty(index_dtype: Any) -> pd.DataFrame:
    frame = pd.DataFrame({
        "text_id": pd.Series([], dtype=index_dtype),
        "touchpoint": pd.array([], dtype="string"),
        "moment": pd.array([], dtype="string"),
        "confidence": np.zeros(0),
        **{f"p_{label}": np.zeros(0) for label in LABELS},
        "evidence": pd.array([], dtype="string"),
        "start": np.zeros(0, dtype=np.int64),
        "end": np.zeros(0, dtype=np.int64),
    })
    return frame


def moments(texts: Iterable[object], *, model: MomentEstimator | None = None,
            vocabulary: str | Path | Mapping[str, Any] | None = None,
            replace: bool = False) -> Any:
    """One row per Moment of Truth: each (text, touchpoint) with its own moment and evidence.

    Parameters
    ----------
    texts : iterable of str, pandas Series or dask Series
        A pandas Series' index gives ``text_id``; otherwise it is the position. A Dask Series
        gives back a lazy Dask DataFrame, computed partition by partition.
    model : MomentClassifier, optional
        Default: the shipped model (:func:`moments_nlp.load`).
    vocabulary : dict or path, optional
        Extra touchpoints or phrases, as in
        :func:`moments_nlp.insight.touchpoint_matcher.touchpoints`.
    replace : bool, default False
        Use only ``vocabulary`` instead of adding it to the default one.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MOMENT_COLUMNS`: ``text_id``, ``touchpoint`` (vocabulary order within a
        text, or ``"general"``), ``moment``, ``confidence``, ``p_magic``, ``p_ordinary``,
        ``p_misery`` (the mean over the pieces that mention the touchpoint), ``evidence`` (the
        clause or sentence read, the one with the highest probability of ``moment``) and its
        character ``start`` / ``end`` in the original text. Rows follow the input order.

    Raises
    ------
    InputError
        For a bare ``str`` (wrap it in a list) or a malformed vocabulary.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> out = mn.moments(["The pasta was cold", "", "Thanks!"])
    >>> out[["text_id", "touchpoint", "evidence", "start", "end"]].values.tolist()
    [[0, 'food_drink', 'The pasta was cold', 0, 18], [2, 'general', 'Thanks!', 0, 7]]
    >>> list(out.columns) == list(mn.moments([]).columns)
    True
    """
    if type(texts).__module__.startswith("dask"):
        return moments_dask(_model(model), texts, vocabulary=vocabulary, replace=replace)
    matcher = matcher_for(vocabulary, replace=replace)
    index = texts.index if isinstance(texts, pd.Series) else None
    strings = as_text_list(texts)
    ids = np.asarray(index) if index is not None else np.arange(len(strings), dtype=np.int64)
    plan, to_score = _plan(strings, matcher)
    if not plan:
        return _empty(ids.dtype)
    clf = _model(model)
    proba = np.asarray(clf.predict_proba(to_score), dtype=np.float64)
    pooled = np.vstack([proba[scored].mean(axis=0) for _, _, scored, _ in plan])
    _back_off(clf, plan, pooled, strings)
    best = pooled.argmax(axis=1)
    evidence = [spans[int(np.argmax(proba[scored, label]))]
                for (_, _, scored, spans), label in zip(plan, best)]
    positions = [row[0] for row in plan]
    out = pd.DataFrame({
        "text_id": ids[positions],
        "touchpoint": pd.array([row[1] for row in plan], dtype="string"),
        "moment": pd.array(np.asarray(LABELS, dtype=object)[best], dtype="string"),
        "confidence": pooled.max(axis=1),
        **{f"p_{label}": pooled[:, j] for j, label in enumerate(LABELS)},
        "evidence": pd.array([strings[i][s:e] for i, (s, e) in zip(positions, evidence)],
                             dtype="string"),
        "start": np.asarray([s for s, _ in evidence], dtype=np.int64),
        "end": np.asarray([e for _, e in evidence], dtype=np.int64),
    })
    return out


def _moments_partition(texts: pd.Series, model: Any, vocabulary: Any,
                       replace: bool) -> pd.DataFrame:
    return moments(texts, model=model, vocabulary=vocabulary, replace=replace)


def moments_dask(model: Any, texts: Any, *, vocabulary: Any = None,
                 replace: bool = False) -> Any:
    """Lazily find the moments of a Dask Series of texts (what ``mn.moments(series)`` calls).

    Each partition goes through :func:`moments` on its own, with its own index as ``text_id``;
    the model travels once per worker, as in :func:`moments_nlp.io._dask.label_dask`.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :data:`moments_nlp.insight.moments.MOMENT_COLUMNS`.
    """
    dask: Any = require("dask", "dask")
    if getattr(texts, "ndim", 1) != 1:
        raise InputError("moments() expects a Series of texts, got a Dask DataFrame; "
                         "pass ddf[text_column]")
    serial = single_process(model)
    meta = _moments_partition(texts._meta, serial, vocabulary, replace)
    shipped = dask.delayed(serial, name=f"moment-classifier-{uuid.uuid4().hex}")
    return texts.map_partitions(_moments_partition, shipped, vocabulary, replace,
                                meta=meta, enforce_metadata=False)


def _model(model: MomentEstimator | None) -> MomentEstimator:
    if model is not None:
        return model
    from moments_nlp.model.persist import load_model

    return load_model()


def touchpoint_table(rows: pd.DataFrame, order: Iterable[str] = ()) -> pd.DataFrame:
    """Per touchpoint: how many moments, the share of each label, and the clearest examples.

    Parameters
    ----------
    rows : pandas.DataFrame
        Output of :func:`moments`.
    order : iterable of str, optional
        Touchpoints to list first, in this order; the others follow by name.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``touchpoint``: ``moments`` (count), ``misery`` / ``magic`` / ``ordinary``
        (counts), ``misery_share`` / ``magic_share``, and ``misery_example`` /
        ``magic_example``: the evidence span of the most confident moment of that label ("" if
        none). Sorted by ``order``, then by name.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> table = touchpoint_table(mn.moments(["The pasta was cold and bland", "Thanks!"]))
    >>> row = table.loc["food_drink"]
    >>> int(row["moments"]), int(row["misery"]), row["misery_example"]
    (1, 1, 'The pasta was cold and bland')
    """
    first = [name for name in order if name in set(rows["touchpoint"])]
    names = first + sorted(set(rows["touchpoint"]) - set(first))
    records = []
    for name in names:
        part = rows[rows["touchpoint"] == name]
        record: dict[str, Any] = {"touchpoint": name, "moments": len(part)}
        for label in ("misery", "magic", "ordinary"):
            record[label] = int((part["moment"] == label).sum())
        for label in ("misery", "magic"):
            record[f"{label}_share"] = record[label] / len(part)
        for label in ("misery", "magic"):
            hits = part[part["moment"] == label].sort_values("confidence", ascending=False)
            record[f"{label}_example"] = str(hits["evidence"].iloc[0]) if len(hits) else ""
        records.append(record)
    columns = ["touchpoint", "moments", "misery", "magic", "ordinary", "misery_share",
               "magic_share", "misery_example", "magic_example"]
    return pd.DataFrame(records, columns=columns).set_index("touchpoint")
