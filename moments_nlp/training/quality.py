"""Data quality for retraining: a label-noise finder and active-learning suggestions.

* :func:`find_label_issues` ranks labeled rows by how likely their given label is wrong, from
  out-of-fold probabilities of a small ensemble of differently-biased models (self-confidence
  ranking).
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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError, TrainingDataError
from moments_nlp.labels import LABELS, normalize_labels
from moments_nlp.model.estimator import MomentEstimator
from moments_nlp.training._encoder import check_encoder, fine_tuned_oof

__all__ = ["find_label_issues", "label_issue_scores", "out_of_fold_ensemble", "suggest_labeling"]

_CHAR_MIN_DF_ROWS = 1_000  # below this, character n-grams seen once are kept
_ENCODER_WEIGHT = 0.5  # share of the fine-tuned encoder in the averaged probabilities


def label_issue_scores(labels: Iterable[str], proba: np.ndarray) -> np.ndarray:
    """Suspicion score of each given label from out-of-fold probabilities (higher = worse).

    The score is ``1 - p(given label)`` (one minus the self-confidence). When labels were
    flipped at random, the chance that a row's label was flipped grows monotonically as the
    true-label probability of its given label falls, so better probabilities (not another
    score) are what improves the ranking. Out-of-fold probabilities from *unweighted* models are
    the best-measured input (see ``bench/retraining.py``): class-balanced weighting shrinks the
    majority class's probabilities, which hides rows wrongly moved out of it. Confident
    learning's per-class thresholds and normalized margins ranked worse on the airline
    benchmark and are not used.

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
    >>> p = np.array([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1]])
    >>> label_issue_scores(["magic", "misery"], p).round(2).tolist()
    [0.2, 0.9]
    """
    given = np.asarray([LABELS.index(label) for label in labels], dtype=int)
    proba = np.asarray(proba, dtype=float)
    return np.asarray(1.0 - proba[np.arange(len(given)), given])


def out_of_fold_ensemble(texts: Sequence[str], labels: Sequence[str], *, cv: int = 5,
                         random_state: int = 0, **options: Any) -> np.ndarray:
    """Out-of-fold probabilities of the label-noise ensemble, in ``LABELS`` order.

    Three differently-biased models see each fold's training part and score the held-out part;
    their probabilities are averaged:

    * logistic regression on the library's token features (word n-grams, subword pieces,
      lexicon columns; :class:`~moments_nlp.model.features.TokenFeatures`), unweighted by default;
    * logistic regression (``C=8``) on character 2-5-grams within word boundaries of the
      lowercased raw text (sees spellings, emoji and punctuation the tokenizer normalizes);
    * multinomial naive Bayes (``alpha=0.1``) on the token features.

    The feature vocabularies and IDF weights are fitted once on all texts; they use no labels.
    Averaging the three ranked flipped labels better than any one of them on the airline
    benchmark (``bench/retraining.py``).

    Parameters
    ----------
    texts, labels : sequence of str
        Non-blank texts and their labels from ``LABELS``.
    cv : int, default 5
        Stratified folds (one fit of each model per fold).
    random_state : int, default 0
    **options
        Parameters of :class:`~moments_nlp.MomentClassifier` for the tokenizer, the
        token features and the first model (``C``, ``class_weight``; default
        ``class_weight=None``); calibration parameters are ignored.

    Returns
    -------
    ndarray of shape (n, 3)

    Examples
    --------
    >>> texts = ["great crew", "lovely staff", "lost my bag", "delayed again", "ok", "fine"] * 3
    >>> labels = ["magic", "magic", "misery", "misery", "ordinary", "ordinary"] * 3
    >>> out_of_fold_ensemble(texts, labels, cv=3).shape
    (18, 3)
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.naive_bayes import MultinomialNB

    # the tokenizer and token features exactly as the model would build them
    model = MomentEstimator(**{"class_weight": None, **options})
    steps = model._build().named_steps
    tokens = steps["preprocess"].transform(texts)
    words = steps["features"].fit_transform(tokens).tocsr()
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2 if len(texts) >= _CHAR_MIN_DF_ROWS else 1,
                            dtype=np.float32).fit_transform([t.lower() for t in texts]).tocsr()

    def linear(C: float) -> Callable[[], Any]:
        return lambda: LogisticRegression(C=C, class_weight=model.class_weight, max_iter=3000,
                                          tol=1e-3, random_state=model.random_state)

    views = [(words, linear(model.C)), (chars, linear(8.0)),
             (words, lambda: MultinomialNB(alpha=0.1))]
    y = np.asarray([LABELS.index(label) for label in labels], dtype=int)
    proba = np.zeros((len(y), len(LABELS)))
    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    for fit_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        for matrix, make in views:
            fitted = make().fit(matrix[fit_idx], y[fit_idx])
            part = np.zeros((len(test_idx), len(LABELS)))
            part[:, fitted.classes_] = fitted.predict_proba(matrix[test_idx])
            proba[test_idx] += part / len(views)
    return proba


def find_label_issues(texts: Iterable[object], labels: Iterable[object], *, cv: int = 5,
                      proba: np.ndarray | None = None, only_issues: bool = True,
                      encoder: str | None = None, encoder_runs: int = 2,
                      show_progress: bool | None = None, random_state: int = 0,
                      **options: Any) -> pd.DataFrame:
    """Rows whose given label is most likely wrong, most suspicious first.

    Out-of-fold probabilities come from ``cv``-fold cross-validation of a small ensemble
    (:func:`out_of_fold_ensemble`: logistic regression on token features, logistic regression
    on character n-grams, naive Bayes); the score is :func:`label_issue_scores`. With
    ``encoder="minilm"`` a sentence encoder fine-tuned on each fold (``encoder_runs`` times,
    averaged) is averaged in with equal weight (slower, more accurate; see
    :mod:`moments_nlp.training._encoder`).

    Parameters
    ----------
    texts : iterable of str
    labels : iterable
        Given labels (any known spelling).
    cv : int, default 5
        Folds for the out-of-fold probabilities (one fit of each model per fold).
    proba : ndarray of shape (n, 3), optional
        Out-of-fold probabilities you already have (e.g. from
        :func:`moments_nlp.train.cross_validate`), in input order; skips the fitting.
    only_issues : bool, default True
        Keep only rows where another label is more probable than the given one; ``False``
        ranks every row.
    encoder : {None, "minilm"}, default None
        ``"minilm"`` also fine-tunes all-MiniLM-L6-v2 on each fold (extra ``[transformer]``)
        and averages its probabilities 50/50 with the ensemble's. On 5% flipped airline labels
        it ranks more flipped rows first (``bench/retraining.py --encoder``), but takes minutes
        per fold on a CPU instead of seconds.
    encoder_runs : int, default 2
        Cross-validation runs of the encoder (different folds and seeds), averaged: one run's
        ranking varies with its seed, the mean of two varies less. Each run costs as much as
        the first (30-50 minutes for 11,500 tweets on 2 cores).
    show_progress : bool, optional
        Progress bar of the encoder's fine-tuning; ``None`` shows it only when stderr is a
        terminal.
    random_state : int, default 0
    **options
        Parameters of :class:`~moments_nlp.MomentClassifier` (see
        :func:`out_of_fold_ensemble` for which are used).

    Returns
    -------
    pandas.DataFrame
        Index = position in the input; columns ``given_label``, ``suggested_label`` (the most
        probable other label) and ``score`` (higher = more suspicious). Blank texts are left out.

    Raises
    ------
    TrainingDataError
        Mismatched lengths or too few examples of a label for ``cv`` folds.
    UnknownLabelError
        Unknown label values.
    MissingExtraError
        ``encoder="minilm"`` without the extra ``[transformer]``.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1], [0.2, 0.1, 0.7]])
    >>> find_label_issues(["a", "b", "c", "d"], ["magic", "misery", "misery", "misery"], proba=p)
      given_label suggested_label  score
    2      misery           magic    0.9
    """
    check_encoder(encoder)
    if encoder_runs < 1:
        raise InputError(f"encoder_runs must be 1 or more, got {encoder_runs}")
    if encoder is not None and proba is not None:
        raise InputError("give either proba (probabilities you already have) or encoder, "
                         "not both")
    text_list = as_text_list(texts)
    label_list = normalize_labels(labels)
    if len(text_list) != len(label_list):
        raise TrainingDataError(f"got {len(text_list)} texts but {len(label_list)} labels")
    if proba is None:
        keep = np.array([not is_blank(t) for t in text_list], dtype=bool)
        kept = np.flatnonzero(keep)
        counts = pd.Series([label_list[i] for i in kept]).value_counts()
        short = {label: int(counts.get(label, 0)) for label in LABELS
                 if counts.get(label, 0) < cv}
        if short:
            raise TrainingDataError(f"find_label_issues needs at least cv={cv} examples of each "
                                    f"label; too few for {short}")
        kept_texts = [text_list[i] for i in kept]
        kept_labels = [label_list[i] for i in kept]
        oof = out_of_fold_ensemble(kept_texts, kept_labels, cv=cv, random_state=random_state,
                                   **options)
        if encoder is not None:
            tuned = fine_tuned_oof(kept_texts, kept_labels, cv=cv, random_state=random_state,
                                   runs=encoder_runs, show_progress=show_progress)
            oof = (1 - _ENCODER_WEIGHT) * oof + _ENCODER_WEIGHT * tuned
    else:
        oof = np.asarray(proba, dtype=float)
        if oof.shape != (len(text_list), len(LABELS)):
            raise InputError(f"proba must have shape ({len(text_list)}, {len(LABELS)}), "
                             f"got {oof.shape}")
        kept = np.arange(len(text_list))
    given = [label_list[i] for i in kept]
    scores = label_issue_scores(given, oof)
    rows = np.arange(len(given))
    own = np.asarray([LABELS.index(g) for g in given], dtype=int)
    others = oof.copy()
    others[rows, own] = -np.inf
    out = pd.DataFrame({"given_label": given,
                        "suggested_label": np.asarray(LABELS, dtype=object)[others.argmax(axis=1)],
                        "score": np.round(scores, 4)}, index=kept)
    if only_issues:  # another label is more probable than the given one
        out = out[others.max(axis=1) > oof[rows, own]]
    return out.sort_values("score", ascending=False, kind="stable")


def suggest_labeling(model: MomentEstimator, texts: Iterable[object], n: int = 50, *,
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
        Index = the text's index label when ``texts`` is a pandas Series (as ``label`` keeps
        it), else its position in the input; columns ``text``, ``predicted``, ``uncertainty``
        and ``p_<label>``, in picking order.
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
    index = texts.index if isinstance(texts, pd.Series) else None
    if not unique:
        return _suggest_frame(text_list, [], np.zeros((0, len(LABELS))), np.zeros(0), index)
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
    return _suggest_frame(text_list, positions[picked], proba[picked], entropy[picked], index)


def _suggest_frame(texts: list[str], positions: Any, proba: np.ndarray,
                   uncertainty: np.ndarray, index: pd.Index | None = None) -> pd.DataFrame:
    where = np.asarray(positions, dtype=int)
    frame = pd.DataFrame({
        "text": [texts[i] for i in where],
        "predicted": [LABELS[j] for j in proba.argmax(axis=1)] if len(proba) else [],
        "uncertainty": np.round(uncertainty, 4),
    }, index=pd.Index(where) if index is None else index[where])
    for j, label in enumerate(LABELS):
        frame[f"p_{label}"] = np.round(proba[:, j], 4) if len(proba) else []
    return frame
