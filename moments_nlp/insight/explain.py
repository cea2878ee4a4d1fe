"""Why a label: the words of a text that pushed the linear model toward it.

The default pipeline is ``preprocess -> features -> classifier`` where the classifier is a
(temperature-calibrated) linear model, so its log-odds are a sum over feature columns and an
explanation can be *exact*:

* the weight of feature ``j`` toward class ``c`` is ``x_j * (W[c, j] - mean_k W[k, j])``, times
  the calibration temperature factor when there is one. Centering on the mean over classes makes
  the weights of a text add up, with the centered intercept, to the calibrated log-odds of ``c``
  against the average class: ``log p_c - mean_k log p_k``. It does not depend on which class is
  the runner-up, so explanations of different texts compare on one scale;
* every feature is mapped back to the words the user wrote: an n-gram or subword-piece column
  (``"not_helpful"``, ``"gate agent"``, ``"<rude"``) is shared equally by the words of each place
  it occurs in; a column that is a function of the whole text (the sentiment-lexicon scores) is
  shared among the words that raise it, in proportion to how much each one does (leave-one-word-out
  differences). What no word raises is reported as ``"(other)"``;
* a word under negation is reported as ``"not <word>"`` (``"wasn't helpful"`` -> ``"not helpful"``);
* for the accurate tier (:mod:`moments_nlp.model.encoder`), whose log-probabilities pool the
  words' with the encoder head's, a word's weight pools its linear share with its
  leave-one-word-out share of the encoder's centered log-odds, by the same ``encoder_weight``
  (approximate: the encoder is not linear).

Only the names of the pipeline steps and the fitted attributes are used (``vectorizer_`` and
``get_feature_names_out`` of the ``features`` step, ``coef_`` of the linear model, inside a
:class:`~sklearn.calibration.CalibratedClassifierCV` or not), so the feature set can change.

Examples
--------
>>> import moments_nlp as mn
>>> terms = mn.load().explain(["The gate agent was rude and unhelpful."])[0]
>>> "rude" in [term for term, weight in terms]
True
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError, UnknownLabelError
from moments_nlp.labels import LABELS
from moments_nlp.model.estimator import linear_weights
from moments_nlp.text._non_answers import is_non_answer
from moments_nlp.text.preprocess import align_tokens

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["explain", "explain_column", "format_terms", "linear_weights"]

_OTHER = "(other)"
_NON_ANSWER = "(non-answer)"
_NEGATION_MARK = "not_"


def _window_features(analyzer: Any, tokens: Sequence[str],
                     max_window: int) -> list[tuple[str, int, int]]:
    """(feature, start, stop) for each feature the analyzer makes, with its smallest window."""
    found: list[tuple[str, int, int]] = []
    singles = [analyzer([tok]) for tok in tokens]
    for i, feats in enumerate(singles):
        found.extend((name, i, i + 1) for name in feats)
    for size in range(2, max_window + 1):
        for i in range(len(tokens) - size + 1):
            inner = Counter(analyzer(tokens[i:i + size]))
            inner.subtract(analyzer(tokens[i:i + size - 1]))
            inner.subtract(analyzer(tokens[i + 1:i + size]))
            if size > 2:  # inclusion-exclusion for the shared middle part
                inner.update(analyzer(tokens[i + 1:i + size - 1]))
            found.extend((name, i, i + size) for name, n in inner.items() for _ in range(n))
    return found


def _attribute(model: MomentEstimator, aligned: list[tuple[str, str, int]], row: Any,
               weight: np.ndarray) -> dict[int, float]:
    """Exact split of ``row * weight`` over word positions (index -1 = ``(other)``)."""
    features = model.pipeline_.named_steps["features"]
    tokens = [normal for normal, _, _ in aligned]
    words = [index for _, _, index in aligned]
    share: dict[int, float] = defaultdict(float)
    values = np.asarray(row.toarray()).ravel() if hasattr(row, "toarray") else np.ravel(row)
    contrib = values * weight
    vectorizer = getattr(features, "vectorizer_", None)
    n_vocab = 0
    if vectorizer is not None:
        vocab = vectorizer.vocabulary_
        n_vocab = len(vocab)
        places: dict[int, list[tuple[int, int]]] = defaultdict(list)
        max_window = max(int(getattr(features, "ngram_max", 2)), 1)
        for name, start, stop in _window_features(vectorizer.build_analyzer(), tokens,
                                                  max_window):
            column = vocab.get(name)
            if column is not None:
                places[column].append((start, stop))
        for column in np.flatnonzero(contrib[:n_vocab]):
            spots = places.get(int(column))
            if not spots:
                share[-1] += contrib[column]
                continue
            for start, stop in spots:
                part = contrib[column] / len(spots) / (stop - start)
                for k in range(start, stop):
                    share[words[k]] += part
    rest = np.flatnonzero(contrib[n_vocab:]) + n_vocab
    if len(rest):
        positions = sorted({w for w in words if w >= 0})
        without = [[t for t, w in zip(tokens, words) if w != pos] for pos in positions]
        reduced = features.transform(without) if without else None
        for column in rest:
            if reduced is None:
                share[-1] += contrib[column]
                continue
            drop = values[column] - np.asarray(reduced[:, column].toarray()
                                               if hasattr(reduced, "toarray")
                                               else reduced[:, column]).ravel()
            raise_ = np.clip(drop * np.sign(values[column]), 0.0, None)
            if raise_.sum() <= 0:
                share[-1] += contrib[column]
                continue
            for pos, amount in zip(positions, raise_ / raise_.sum()):
                share[pos] += contrib[column] * amount
    return share


def _encoder_shares(model: MomentEstimator, aligned: list[tuple[str, str, int]],
                    target: int) -> dict[int, float]:
    """The accurate tier's part: leave-one-word-out on the encoder head's centered log-odds.

    The text is rebuilt from its words (joined by spaces) once whole and once without each
    word; a word's share is how much the encoder's ``log p_c - mean_k log p_k`` drops without
    it."""
    originals: dict[int, str] = {}
    for _, original, index in aligned:
        if index >= 0:
            originals.setdefault(index, original)
    positions = sorted(originals)
    if not positions:
        return {}
    words = [originals[p] for p in positions]
    variants = [" ".join(words)] + [" ".join(w for q, w in zip(positions, words) if q != p)
                                    for p in positions]
    proba = model.encoder_head_.predict_proba(model.encoder_.encode(variants))
    logs = np.log(np.clip(proba[:, model._head_order()], 1e-12, 1.0))
    centered = logs[:, target] - logs.mean(axis=1)
    return {p: float(centered[0] - centered[1 + i]) for i, p in enumerate(positions)}


def _word_names(aligned: list[tuple[str, str, int]]) -> dict[int, str]:
    names: dict[int, str] = {-1: _OTHER}
    for normal, original, index in aligned:
        if index < 0 or index in names:
            continue
        negated = normal.startswith(_NEGATION_MARK) and not original.lower().startswith(
            _NEGATION_MARK)
        names[index] = f"not {original}" if negated else original
    return names


def explain(model: MomentEstimator, texts: Iterable[object], *, top: int | None = 5,
            label: str | None = None) -> list[list[tuple[str, float]]]:
    """The words behind each text's label, with their weights.

    Parameters
    ----------
    model : MomentClassifier
        A fitted model with a linear classifier.
    texts : iterable of str
    top : int or None, default 5
        How many terms to keep per text: the ones with the largest positive weight toward the
        label. ``None`` keeps every term with a non-zero weight, of either sign; then the
        weights plus the centered intercept add up exactly to the calibrated centered log-odds.
    label : str, optional
        Explain this label instead of each text's predicted label.

    Returns
    -------
    list of list of (str, float)
        One list per text, terms as written (case kept, a repeated word merged,
        case-insensitively), sorted by weight, largest first. Empty for a blank text and for a
        non-answer (``"n/a"``, :mod:`moments_nlp.text._non_answers`), whose label comes from a rule,
        not from its words.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> explain(mn.load(), ["Absolutely wonderful crew, thank you!"], top=2)  # doctest: +SKIP
    [[('wonderful', 0.9...), ('thank', 0.4...)]]
    """
    text_list = as_text_list(texts)
    if label is not None and label not in LABELS:
        raise UnknownLabelError(f"label must be one of {list(LABELS)}, got {label!r}")
    if top is not None and top < 1:
        raise InputError(f"top must be a positive integer or None, got {top!r}")
    out: list[list[tuple[str, float]]] = [[] for _ in text_list]
    keep = [i for i, text in enumerate(text_list) if not is_blank(text) and not is_non_answer(text)]
    if not keep:
        return out
    kept = [text_list[i] for i in keep]
    coef, _, scale = linear_weights(model)
    centered = (coef - coef.mean(axis=0, keepdims=True)) * scale
    preprocess = model.pipeline_.named_steps["preprocess"]
    aligned_all = align_tokens(preprocess, kept)
    matrix = model.pipeline_.named_steps["features"].transform(
        [[normal for normal, _, _ in aligned] for aligned in aligned_all])
    if label is None:
        targets = model._proba_array(kept).argmax(axis=1)
    else:
        targets = np.full(len(kept), LABELS.index(label))
    pooled = getattr(model, "encoder_head_", None) is not None
    weight = float(getattr(model, "encoder_weight", 0.0)) if pooled else 0.0
    for slot, i in enumerate(keep):
        aligned = aligned_all[slot]
        share = _attribute(model, aligned, matrix[slot], centered[targets[slot]])
        if pooled:  # the accurate tier pools the words' log-odds with the encoder's
            share = defaultdict(float, {k: (1.0 - weight) * v for k, v in share.items()})
            for index, amount in _encoder_shares(model, aligned, int(targets[slot])).items():
                share[index] += weight * amount
        names = _word_names(aligned)
        merged: dict[str, list[Any]] = {}
        for index, weight in share.items():
            name = names.get(index, _OTHER)
            entry = merged.setdefault(name.lower(), [name, 0.0])
            entry[1] += float(weight)
        terms = sorted(((name, weight) for name, weight in merged.values() if weight != 0.0),
                       key=lambda item: -item[1])
        if top is not None:
            terms = [(name, weight) for name, weight in terms if weight > 0][:top]
        out[i] = terms
    return out


def format_terms(terms: Sequence[tuple[str, float]]) -> str:
    """A compact text for a table cell: ``"rude (+1.21), unhelpful (+0.80)"``.

    Examples
    --------
    >>> format_terms([("rude", 1.214), ("unhelpful", 0.8)])
    'rude (+1.21), unhelpful (+0.80)'
    """
    return ", ".join(f"{name} ({weight:+.2f})" for name, weight in terms)


def explain_column(model: MomentEstimator, texts: Iterable[object], *, top: int = 3) -> Any:
    """The ``explanation`` column of :meth:`MomentClassifier.label`: compact text, NA if blank,
    ``"(non-answer)"`` for a non-answer.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> explain_column(mn.load(), ["", "ok", "n/a"]).tolist()  # doctest: +ELLIPSIS
    [<NA>, 'ok (+...)', '(non-answer)']
    """
    import pandas as pd

    text_list = as_text_list(texts)
    terms = explain(model, text_list, top=top)
    values = [None if is_blank(text) else _NON_ANSWER if is_non_answer(text) else format_terms(t)
              for text, t in zip(text_list, terms)]
    return pd.array(values, dtype="string")
