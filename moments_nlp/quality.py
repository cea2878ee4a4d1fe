"""Data quality for retraining: a label-noise finder and active-learning suggestions.

* :func:`find_label_issues` ranks labeled rows by how likely their given label is wrong, from
  out-of-fold probabilities (confident learning: per-class thresholds, normalized margin).
* :func:`suggest_labeling` picks the unlabeled texts whose labels would teach a model most:
  uncertain ones, spread out (maximal marginal relevance over the model's own features), with
  near-duplicates removed.

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["great crew", "great crew!", "it was a flight", "meh"]
>>> picks = suggest_labeling(mn.load(), texts, n=2)
>>> len(picks), list(picks.columns)[:3]
(2, ['text', 'predicted', 'uncertainty'])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError, TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels

if TYPE_CHECKING:
    from moments_nlp.model import MomentClassifier

__all__ = ["find_label_issues", "label_issue_scores", "suggest_labeling"]


def label_issue_scores(labels: Iterable[str], proba: np.ndarray) -> np.ndarray:
    """Suspicion score of each given label from out-of-fold probabilities (higher = worse).

    Confident learning's per-class threshold ``t_j`` is the mean probability of class ``j``
    over the rows labeled ``j``; dividing by it puts easy and hard classes on one scale. The
    score is the normalized margin ``max_{j != given} p_j / t_j - p_given / t_given``: above 0
    means another class is more confidently present than the given one.

    Parameters
    ----------
    labels : iterable of str
        Given labels from ``LABELS``.
    proba : ndarray of shape (n, 3)
        Out-of-fold probabilities in ``LABELS`` order.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> p = np.array([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.1, 0.7]])
    >>> label_issue_scores(["magic", "misery", "misery", "magic"], p).round(2).tolist()
    [-1.38, 1.18, -1.58, 1.16]
    """
    label_list = list(labels)
    given = np.asarray([LABELS.index(label) for label in label_list])
    proba = np.asarray(proba, dtype=float)
    scaled = proba / np.clip(_thresholds(label_list, proba), 1e-6, None)
    rows = np.arange(len(given))
    own = scaled[rows, given]
    other = scaled.copy()
    other[rows, given] = -np.inf
    return np.asarray(other.max(axis=1) - own)


def find_label_issues(texts: Iterable[object], labels: Iterable[object], *, cv: int = 5,
                      proba: np.ndarray | None = None, only_issues: bool = True,
                      random_state: int = 0, **options: Any) -> pd.DataFrame:
    """Rows whose given label is most likely wrong, most suspicious first.

    Parameters
    ----------
    texts : iterable of str
    labels : iterable
        Given labels (any known spelling).
    cv : int, default 5
        Folds for the out-of-fold probabilities (one fit per fold).
    proba : ndarray of shape (n, 3), optional
        Out-of-fold probabilities you already have (e.g. from
        :func:`moments_nlp.train.cross_validate`), in input order; skips the fitting.
    only_issues : bool, default True
        Keep only rows whose score is above 0 (another class beats the given one); ``False``
        ranks every row.
    random_state : int, default 0
    **options
        Parameters of :class:`~moments_nlp.model.MomentClassifier`.

    Returns
    -------
    pandas.DataFrame
        Index = position in the input; columns ``given_label``, ``suggested_label`` and
        ``score`` (higher = more suspicious). Blank texts are left out.

    Raises
    ------
    TrainingDataError
        Mismatched lengths or too few examples of a label for ``cv`` folds.
    UnknownLabelError
        Unknown label values.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1], [0.2, 0.1, 0.7]])
    >>> find_label_issues(["a", "b", "c", "d"], ["magic", "misery", "misery", "misery"], proba=p)
      given_label suggested_label   score
    2      misery           magic  0.6875
    """
    text_list = as_text_list(texts)
    label_list = normalize_labels(labels)
    if len(text_list) != len(label_list):
        raise TrainingDataError(f"got {len(text_list)} texts but {len(label_list)} labels")
    if proba is None:
        from moments_nlp.train import cross_validate

        keep = np.array([not is_blank(t) for t in text_list], dtype=bool)
        kept = np.flatnonzero(keep)
        counts = pd.Series([label_list[i] for i in kept]).value_counts()
        short = {label: int(counts.get(label, 0)) for label in LABELS
                 if counts.get(label, 0) < cv}
        if short:
            raise TrainingDataError(f"find_label_issues needs at least cv={cv} examples of each "
                                    f"label; too few for {short}")
        _, oof = cross_validate([text_list[i] for i in kept], [label_list[i] for i in kept],
                                folds=cv, random_state=random_state, **options)
    else:
        oof = np.asarray(proba, dtype=float)
        if oof.shape != (len(text_list), len(LABELS)):
            raise InputError(f"proba must have shape ({len(text_list)}, {len(LABELS)}), "
                             f"got {oof.shape}")
        kept = np.arange(len(text_list))
    given = [label_list[i] for i in kept]
    scores = label_issue_scores(given, oof)
    masked = oof / np.clip(_thresholds(given, oof), 1e-6, None)
    masked[np.arange(len(given)), [LABELS.index(g) for g in given]] = -np.inf
    out = pd.DataFrame({"given_label": given,
                        "suggested_label": np.asarray(LABELS, dtype=object)[masked.argmax(axis=1)],
                        "score": np.round(scores, 4)}, index=kept)
    out = out.sort_values("score", ascending=False, kind="stable")
    return out[out["score"] > 0] if only_issues else out


def _thresholds(given: list[str], proba: np.ndarray) -> np.ndarray:
    idx = np.asarray([LABELS.index(g) for g in given])
    return np.array([proba[idx == j, j].mean() if (idx == j).any() else 1.0
                     for j in range(len(LABELS))])


def suggest_labeling(model: MomentClassifier, texts: Iterable[object], n: int = 50, *,
                     diversity: float = 0.3, duplicate_similarity: float = 0.8,
                     pool_factor: int = 10) -> pd.DataFrame:
    """The ``n`` unlabeled texts whose labels would teach ``model`` most.

    Uncertainty is the normalized entropy of the predicted probabilities (1 = the model has no
    idea). Texts are picked greedily by maximal marginal relevance: ``(1 - diversity) *
    uncertainty - diversity * (max cosine similarity to the texts already picked)``, over the
    model's own features. Blank texts, texts that normalize to the same tokens, and texts whose
    similarity to a picked one is ``duplicate_similarity`` or more are never picked.

    Parameters
    ----------
    model : MomentClassifier
        A fitted model.
    texts : iterable of str
        Unlabeled texts.
    n : int, default 50
    diversity : float, default 0.3
        0 = uncertainty only; higher spreads the picks out more.
    duplicate_similarity : float, default 0.8
    pool_factor : int, default 10
        Only the ``pool_factor * n`` most uncertain texts are considered.

    Returns
    -------
    pandas.DataFrame
        Index = position in the input; columns ``text``, ``predicted``, ``uncertainty`` and
        ``p_<label>``, in picking order.
    """
    if n < 1:
        raise InputError(f"n must be a positive number of texts, got {n}")
    text_list = as_text_list(texts)
    steps = model.pipeline_.named_steps
    candidates = [i for i, t in enumerate(text_list) if not is_blank(t)]
    tokens = steps["preprocess"].transform([text_list[i] for i in candidates])
    seen: set[str] = set()
    unique = []
    for i, toks in zip(candidates, tokens):
        key = " ".join(toks)
        if key not in seen:
            seen.add(key)
            unique.append((i, toks))
    if not unique:
        return _suggest_frame(text_list, [], np.zeros((0, len(LABELS))), np.zeros(0))
    positions = np.array([i for i, _ in unique])
    proba = model._proba_array([text_list[i] for i in positions])
    entropy = -(proba * np.log(np.clip(proba, 1e-12, 1))).sum(axis=1) / np.log(len(LABELS))
    pool = np.argsort(-entropy, kind="stable")[: max(pool_factor * n, n)]
    features = steps["features"].transform([unique[j][1] for j in pool]).tocsr()
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    features = features.multiply(1 / np.clip(norms, 1e-12, None)[:, None]).tocsr()
    chosen: list[int] = []
    max_sim = np.zeros(len(pool))
    blocked = np.zeros(len(pool), dtype=bool)
    for _ in range(min(n, len(pool))):
        value = (1 - diversity) * entropy[pool] - diversity * max_sim
        value[blocked] = -np.inf
        best = int(np.argmax(value))
        if not np.isfinite(value[best]):
            break
        chosen.append(best)
        sim = np.asarray((features @ features[best].T).todense()).ravel()
        max_sim = np.maximum(max_sim, sim)
        blocked |= sim >= duplicate_similarity
        blocked[best] = True
    picked = pool[chosen]
    return _suggest_frame(text_list, positions[picked], proba[picked], entropy[picked])


def _suggest_frame(texts: list[str], positions: Any, proba: np.ndarray,
                   uncertainty: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({
        "text": [texts[i] for i in positions],
        "predicted": [LABELS[j] for j in proba.argmax(axis=1)] if len(proba) else [],
        "uncertainty": np.round(uncertainty, 4),
    }, index=pd.Index(np.asarray(positions, dtype=int)))
    for j, label in enumerate(LABELS):
        frame[f"p_{label}"] = np.round(proba[:, j], 4) if len(proba) else []
    return frame
