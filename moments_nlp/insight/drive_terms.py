"""The terms that carry a label: words far more frequent in its comments than in the others.

The report's "Terms that drive Misery" (and Magic) used to sum each word's weight toward the
label over the Misery comments, so frequent words with a small weight ("was", "the", "not",
"back") filled the list. :func:`drive_terms` ranks terms instead by how much more often the
comments of one label hold them than the comments of the other labels:

* a term is a lower-cased word of letters that is not a spaCy English stop word, or ``"not
  <word>"`` when the word right before it negates it (``not``, ``n't``, ``never``, ``no``);
* each comment counts a term once (``n_label``: comments of the label holding it,
  ``n_other``: comments of the other labels);
* the score is the log-odds ratio of the term between the label and the other labels with an
  informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"), divided by
  its standard error: a z-score, large for terms both frequent in the label and rare outside
  it, small for a word every comment holds or one a single comment holds;
* only terms more frequent in the label than outside it (a positive score), held by at least
  ``min_count`` comments of the label, are kept.

Examples
--------
>>> texts = ["The zip broke after a week", "Zip broke, very poor", "Lovely soft fabric",
...          "The fabric is lovely", "It was ok", "The zip is fine"]
>>> labels = ["misery", "misery", "magic", "magic", "ordinary", "ordinary"]
>>> [t.term for t in drive_terms(texts, labels, "misery", top=2, min_count=2)]
['broke', 'zip']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError

__all__ = ["DriveTerm", "comment_terms", "drive_terms", "is_stop_word"]

_NEGATIONS = frozenset({"not", "n't", "never", "no", "nt"})
_PRIOR = 0.1  # prior counts: this share of the term's count over all comments (Monroe et al.)


@dataclass(frozen=True)
class DriveTerm:
    """A term that carries a label: its score and the comments holding it."""

    term: str
    score: float  #: z-score of the log-odds ratio against the other labels
    n_label: int  #: comments of the label holding the term
    n_other: int  #: comments of the other labels holding it


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    return spacy.blank("en")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {"nt", "im", "ive", "dont", "didnt", "doesnt", "isnt", "wasnt"}


def is_stop_word(word: str) -> bool:
    """Whether ``word`` (any case) is a spaCy English stop word.

    >>> is_stop_word("The"), is_stop_word("broke")
    (True, False)
    """
    return word.lower() in _stop_words()


def comment_terms(texts: Iterable[object]) -> list[set[str]]:
    """The set of terms of each text (see the module docstring); blank texts have none.

    >>> [sorted(terms) for terms in comment_terms(["The zip wasn't sturdy at all", ""])]
    [['not sturdy', 'zip'], []]
    """
    strings = as_text_list(texts)
    out: list[set[str]] = [set() for _ in strings]
    kept = [i for i, text in enumerate(strings) if not is_blank(text)]
    stop = _stop_words()
    for i, doc in zip(kept, _nlp().pipe(strings[i].lower() for i in kept)):
        previous = ""
        for token in doc:
            word = token.lower_
            if token.is_alpha and len(word) > 1 and word not in stop:
                out[i].add(f"not {word}" if previous in _NEGATIONS else word)
            if not token.is_space:
                previous = word
    return out


def drive_terms(texts: Sequence[object], labels: Sequence[object], label: str, *,
                top: int = 15, min_count: int | None = None) -> list[DriveTerm]:
    """The terms that set the comments of ``label`` apart from the others, best first.

    Parameters
    ----------
    texts : sequence of str
    labels : sequence of str
        The label of each text (``moment`` of a labeled table), as long as ``texts``.
    label : str
        The label whose terms are wanted (``"misery"`` or ``"magic"``).
    top : int, default 15
    min_count : int, optional
        Comments of ``label`` a term must appear in; default 1 below 20 such comments, 2
        below 200, 3 from there.

    Returns
    -------
    list of DriveTerm
        At most ``top``, by decreasing ``score``; never a stop word.

    Examples
    --------
    >>> out = drive_terms(["Rude staff", "Rude agent", "Lovely staff"],
    ...                   ["misery", "misery", "magic"], "misery")
    >>> out[0].term, out[0].n_label, out[0].n_other
    ('rude', 2, 0)
    """
    terms = comment_terms(texts)
    marks = [str(value) for value in labels]
    if len(marks) != len(terms):
        raise InputError(f"drive_terms() got {len(terms)} texts and {len(marks)} labels")
    inside = [t for t, mark in zip(terms, marks) if mark == label]
    if not inside:
        return []
    if min_count is None:
        min_count = 1 if len(inside) < 20 else 2 if len(inside) < 200 else 3
    y_label = Counter(term for t in inside for term in t)
    y_other = Counter(term for t, mark in zip(terms, marks) if mark != label for term in t)
    names = [name for name, count in y_label.items() if count >= min_count]
    if not names:
        return []
    a = np.asarray([y_label[n] for n in names], dtype=np.float64)
    b = np.asarray([y_other[n] for n in names], dtype=np.float64)
    n_a, n_b = float(sum(y_label.values())), float(sum(y_other.values()))
    prior = _PRIOR * (a + b) + 0.01
    prior_total = _PRIOR * (n_a + n_b) + 0.01 * len(names)
    delta = (np.log((a + prior) / (n_a + prior_total - a - prior))
             - np.log((b + prior) / (n_b + prior_total - b - prior)))
    score = delta / np.sqrt(1.0 / (a + prior) + 1.0 / (b + prior))
    order = sorted((k for k in range(len(names)) if score[k] > 0),
                   key=lambda k: (-score[k], names[k]))
    return [DriveTerm(names[k], float(score[k]), int(a[k]), int(b[k])) for k in order[:top]]
