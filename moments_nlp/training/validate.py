"""Validation of labeled data: labels, blank texts, conflicting labels, duplicates, class sizes.

:func:`validate_training_data` is the first step of :func:`moments_nlp.train`; its summary goes
into the model card, with the data's :func:`data_sha256`.

Examples
--------
>>> texts, labels, summary = validate_training_data(["Great", "Awful"], ["5", "1"],
...                                                 from_stars=True, min_per_class=0)
>>> labels, summary["label_counts"]
(['magic', 'misery'], {'magic': 1, 'ordinary': 0, 'misery': 1})
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import TrainingDataError, option
from moments_nlp.labels import LABELS, score_labels

__all__ = ["CONFLICT_POLICIES", "data_sha256", "validate_training_data"]

#: What to do with a text that appears with different labels.
CONFLICT_POLICIES = ("error", "drop", "majority")


def data_sha256(texts: Iterable[str], labels: Iterable[str]) -> str:
    """SHA-256 of labeled data as ``text<TAB>label<LF>`` lines, in order.

    Examples
    --------
    >>> data_sha256(["a"], ["magic"])[:12]
    'b6693999577c'
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(f"{text}\t{label}\n".encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def validate_training_data(
    texts: Iterable[object], labels: Iterable[object], *, from_stars: bool = False,
    conflicts: str = "error", duplicates: str = "keep", min_per_class: int = 2,
    from_nps: bool = False,
) -> tuple[list[str], list[str], dict[str, Any]]:
    """Check and clean labeled texts; return ``(texts, labels, summary)``.

    Steps, in order: labels are normalized (star ratings 1-2 -> misery, 3 -> ordinary,
    4-5 -> magic with ``from_stars=True``; NPS scores 0-6 -> misery, 7-8 -> ordinary, 9-10 ->
    magic with ``from_nps=True``); blank texts are dropped and counted; texts carrying
    different labels are handled by ``conflicts``; exact duplicate rows are counted (and dropped
    with ``duplicates="drop"``); finally every label needs ``min_per_class`` examples.

    Parameters
    ----------
    texts, labels : iterable
    from_stars, from_nps : bool, default False
        The labels are 1-5 star ratings, or 0-10 NPS scores (see
        :func:`moments_nlp.labels.score_labels`).
    conflicts : {"error", "drop", "majority"}, default "error"
        ``"drop"`` removes every row of a conflicting text; ``"majority"`` keeps the rows with
        the text's most frequent label (a tie drops the text).
    duplicates : {"keep", "drop"}, default "keep"
    min_per_class : int, default 2

    Returns
    -------
    texts : list of str
    labels : list of str
    summary : dict
        ``rows``, ``blank_rows_dropped``, ``duplicates``, ``conflicts``, ``label_counts``.

    Raises
    ------
    UnknownLabelError
        Unknown labels, listed with counts.
    TrainingDataError
        Mismatched lengths, conflicting labels (``conflicts="error"``), too few examples.

    Examples
    --------
    >>> t, y, s = validate_training_data(["ok", "ok", " ", "bad"], ["neutral"] * 2 + ["neg"] * 2,
    ...                                  min_per_class=0)
    >>> s["blank_rows_dropped"], s["duplicates"]["rows"], y
    (1, 1, ['ordinary', 'ordinary', 'misery'])
    """
    if conflicts not in CONFLICT_POLICIES:
        raise TrainingDataError(f"conflicts must be one of {CONFLICT_POLICIES}, got {conflicts!r}")
    if duplicates not in ("keep", "drop"):
        raise TrainingDataError(f"duplicates must be 'keep' or 'drop', got {duplicates!r}")
    text_list = as_text_list(texts)
    label_list = score_labels(labels, from_stars=from_stars, from_nps=from_nps)
    if len(text_list) != len(label_list):
        raise TrainingDataError(f"got {len(text_list)} texts but {len(label_list)} labels")
    frame = pd.DataFrame({"text": text_list, "label": label_list})
    blank = frame["text"].map(is_blank)
    frame = frame[~blank]
    conflict_info = _resolve_conflicts(frame, conflicts)
    frame = conflict_info.pop("_frame")
    dup = frame.duplicated(keep="first")
    dup_info = {"rows": int(dup.sum()), "policy": duplicates,
                "rows_dropped": int(dup.sum()) if duplicates == "drop" else 0}
    if duplicates == "drop":
        frame = frame[~dup]
    counts = frame["label"].value_counts()
    label_counts = {label: int(counts.get(label, 0)) for label in LABELS}
    short = {label: n for label, n in label_counts.items() if n < min_per_class}
    if short:
        listed = ", ".join(f"{label!r} has {n}" for label, n in short.items())
        raise TrainingDataError(
            f"too few examples: {listed}; every label needs at least {min_per_class} "
            f"(after dropping blanks and conflicts); label counts: {label_counts}"
        )
    summary = {"rows": len(frame), "blank_rows_dropped": int(blank.sum()),
               "duplicates": dup_info, "conflicts": conflict_info, "label_counts": label_counts}
    return frame["text"].tolist(), frame["label"].tolist(), summary


def _resolve_conflicts(frame: pd.DataFrame, policy: str) -> dict[str, Any]:
    labels_per_text = frame.groupby("text", sort=False)["label"].nunique()
    conflicting = labels_per_text.index[labels_per_text > 1]
    info: dict[str, Any] = {"texts": len(conflicting), "policy": policy, "rows_dropped": 0,
                            "examples": []}
    if len(conflicting) == 0:
        info["_frame"] = frame
        return info
    mask = frame["text"].isin(set(conflicting))
    for text in conflicting[:3]:
        counts = frame.loc[frame["text"] == text, "label"].value_counts()
        info["examples"].append({"text": text[:80], "labels": {k: int(v) for k, v in
                                                                counts.items()}})
    info["rows"] = int(mask.sum())
    if policy == "error":
        shown = "; ".join(f"{e['text']!r} {e['labels']}" for e in info["examples"])
        raise TrainingDataError(
            f"{len(conflicting)} texts ({int(mask.sum())} rows) carry different labels, e.g. "
            f"{shown}; fix them or pass ", option("conflicts", "drop"), " or ",
            option("conflicts", "majority"),
        )
    keep = ~mask
    if policy == "majority":
        for text in conflicting:
            rows = frame["text"] == text
            counts = frame.loc[rows, "label"].value_counts()
            if len(counts) < 2 or counts.iloc[0] > counts.iloc[1]:
                keep |= rows & (frame["label"] == counts.index[0])
    info["rows_dropped"] = int((~keep).sum())
    info["_frame"] = frame[keep]
    return info


def _per_row(name: str, values: Iterable[Any] | None, rows: int) -> list[Any] | None:
    """``values`` as a list, refused unless it has one value per row left after validation."""
    if values is None:
        return None
    listed = list(values)
    if len(listed) != rows:
        raise TrainingDataError(
            f"{name} has {len(listed)} values but {rows} rows remain after validation (blank, "
            f"duplicate or conflicting rows were dropped); drop them from the data before "
            f"passing {name}")
    return listed
