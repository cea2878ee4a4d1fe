"""Training from labeled texts: validation, fitting and the training summary in the card.

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["great", "awful", "fine"] * 6
>>> clf = mn.train(texts, ["magic", "misery", "ordinary"] * 6, cv=2)
>>> clf.card_["training"]["rows"]
18
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels
from moments_nlp.model import MomentClassifier

__all__ = ["train", "data_sha256"]


def data_sha256(texts: Iterable[str], labels: Iterable[str]) -> str:
    """SHA-256 of labeled data as ``text<TAB>label<LF>`` lines, in order.

    Examples
    --------
    >>> data_sha256(["a"], ["magic"])[:12]
    'a8dd7cf1d4ab'
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(f"{text}\t{label}\n".encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def train(texts: Iterable[object], labels: Iterable[object], *,
          sources: list[dict[str, str]] | None = None, **options: Any) -> MomentClassifier:
    """Validate labeled texts and fit a :class:`MomentClassifier`.

    Blank texts are dropped and counted; labels are normalized (``"positive"`` -> ``magic`` ...).

    Parameters
    ----------
    texts : iterable of str
    labels : iterable
        Any known label spelling (see :func:`moments_nlp.labels.normalize_labels`).
    sources : list of dict, optional
        Where the data came from (``name``, ``license``), recorded in the card.
    **options
        Parameters of :class:`MomentClassifier` (``C``, ``ngram_max``, ``cv`` ...).

    Returns
    -------
    MomentClassifier
        Fitted, with a ``card_`` dict describing the training data.

    Raises
    ------
    TrainingDataError
        Mismatched lengths, no usable rows, or a label with too few examples.
    UnknownLabelError
        Unknown label values, listed with their counts.
    """
    text_list = as_text_list(texts)
    label_list = normalize_labels(labels)
    if len(text_list) != len(label_list):
        raise TrainingDataError(f"got {len(text_list)} texts but {len(label_list)} labels")
    keep = [i for i, text in enumerate(text_list) if not is_blank(text)]
    dropped = len(text_list) - len(keep)
    text_list = [text_list[i] for i in keep]
    label_list = [label_list[i] for i in keep]
    if not text_list:
        raise TrainingDataError("no non-blank texts to train on")
    clf = MomentClassifier(**options).fit(text_list, label_list)
    counts = pd.Series(label_list).value_counts()
    clf.card_ = {
        "training": {
            "rows": len(text_list),
            "blank_rows_dropped": dropped,
            "label_counts": {label: int(counts.get(label, 0)) for label in LABELS},
            "sha256": data_sha256(text_list, label_list),
        },
        "sources": sources or [],
    }
    return clf
