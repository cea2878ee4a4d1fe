"""Non-answers: survey cells that hold text but say nothing about the experience.

Survey exports are full of cells such as ``"No comment"``, ``"n/a"``, ``"-"`` or ``"10"`` (a
score typed into the comment box). A bag-of-words model reads ``"no"`` and ``"none"`` as
negative words and labels them Misery with high confidence, so they are recognized *before* the
model, by a short list of whole-cell patterns, and labeled ``ordinary`` with
``p_ordinary = 1`` (see :meth:`moments_nlp.MomentClassifier.label`, column ``non_answer``).

A cell is a non-answer when, after lower-casing, trimming spaces and quotes and dropping
trailing punctuation (``.`` ``!`` ``?`` ``,`` ``;`` ``:``) and a trailing ``thanks`` /
``thank you``, **the whole cell** is one of:

============================  ====================================================================
kind                          patterns
============================  ====================================================================
placeholder punctuation       only ``-`` ``–`` ``—`` ``_`` ``.`` ``…`` ``*`` ``/`` ``?`` ``#``
                              ``x`` (e.g. ``"-"``, ``"."``, ``"..."``, ``"--"``, ``"xxx"``)
numbers only                  digits with optional sign, decimal point, thousands separators and
                              spaces (``"10"``, ``"7"``, ``"12345"``, ``"8.5"``, ``"1,000"``); a
                              number with words or a ``/`` (``"10/10"``, ``"45 minutes"``) is not
not applicable                ``n/a``, ``n.a.``, ``na``, ``n a``, ``not applicable``,
                              ``not relevant``
nothing                       ``no``, ``nope``, ``nah``, ``none``, ``nil``, ``null``,
                              ``nothing``, ``nothing else``, ``nothing more``,
                              ``nothing further``, ``nothing to add``, ``nothing to say``,
                              ``nothing to report``, ``none at this time``, ``not at this time``
no comment                    ``no comment(s)``, ``no further comment(s)``, ``no additional
                              comment(s)``, ``no other comment(s)``, ``no comment(s) at this
                              time``, ``none, thanks``, ``no thanks``
don't know                    ``don't know``, ``dont know``, ``do not know``, ``dunno``,
                              ``not sure``, ``no idea``, ``idk``
============================  ====================================================================

Everything else goes to the model, including short answers that carry a judgement:
``"No complaints"``, ``"Nothing to complain about"``, ``"None of the staff helped"``,
``"Nothing worked"``, ``"No!"`` inside a longer text, ``"10/10"`` and ``"ok"``. Only English
patterns are listed.

Examples
--------
>>> [is_non_answer(t) for t in ("No comment", "N/A", "-", "12345", "Nothing, thanks!")]
[True, True, True, True, True]
>>> [is_non_answer(t) for t in ("No complaints", "Nothing to complain about", "10/10", "")]
[False, False, False, False]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["NON_ANSWER_PROBA", "is_non_answer", "non_answer_mask"]

#: Probabilities given to a non-answer, in ``LABELS`` order (magic, ordinary, misery).
NON_ANSWER_PROBA: tuple[float, float, float] = (0.0, 1.0, 0.0)

_PHRASES = frozenset({
    # not applicable
    "n/a", "n.a", "n. a", "na", "n a", "n / a", "not applicable", "not relevant",
    # nothing
    "no", "nope", "nah", "none", "nil", "null", "nothing", "nothing else", "nothing more",
    "nothing further", "nothing to add", "nothing to say", "nothing to report",
    "nothing else to add", "nothing more to add", "nothing more to say",
    "none at this time", "not at this time",
    # no comment
    "no comment", "no comments", "no further comment", "no further comments",
    "no additional comment", "no additional comments", "no other comment",
    "no other comments", "no comment at this time", "no comments at this time",
    "no thanks", "no thank you",
    # don't know
    "don't know", "dont know", "don’t know", "do not know", "dunno", "not sure", "no idea",
    "idk",
})
_PUNCTUATION_ONLY = re.compile(r"[-–—_.…*/?#x\s]+")
_NUMBER_ONLY = re.compile(r"[+-]?\s*\d[\d\s]*(?:[.,]\d[\d\s]*)*%?")
_TRAILING = re.compile(r"[\s.!?,;:]+$")
_THANKS = re.compile(r"[\s,.;:!-]*\b(?:thanks|thank you|thx|ty)$")
_QUOTES = "\"'“”‘’`"
_SPACES = re.compile(r"\s+")
# no listed phrase, with quotes, "thanks" and trailing punctuation, is longer than this: longer
# texts skip the normalization (it is most of the check's cost on real comments)
_LONGEST = max(map(len, _PHRASES)) + 32


def _normal(text: str) -> str:
    """Lower-case, one space between words, no surrounding quotes or trailing punctuation."""
    out = _SPACES.sub(" ", text.strip().strip(_QUOTES).strip().lower())
    return _TRAILING.sub("", out)


def is_non_answer(text: str) -> bool:
    """True when the whole of ``text`` is a non-answer (see the module notes for the list).

    A blank text (empty or whitespace) is not a non-answer: it is missing, and left unlabeled.

    Examples
    --------
    >>> is_non_answer("  None. "), is_non_answer("None of the staff helped")
    (True, False)
    """
    stripped = text.strip()
    if not stripped:
        return False
    if _PUNCTUATION_ONLY.fullmatch(stripped.lower()):
        return True
    if _NUMBER_ONLY.fullmatch(stripped):
        return True
    if len(stripped) > _LONGEST:
        return False
    normal = _normal(stripped)
    if normal in _PHRASES:
        return True
    without_thanks = _TRAILING.sub("", _THANKS.sub("", normal))
    return without_thanks != normal and without_thanks in _PHRASES


def non_answer_mask(texts: Sequence[str]) -> np.ndarray:
    """Boolean array: which of ``texts`` (already ``str``) are non-answers.

    Examples
    --------
    >>> non_answer_mask(["n/a", "Lovely staff", " "]).tolist()
    [True, False, False]
    """
    return np.fromiter((is_non_answer(text) for text in texts), dtype=bool, count=len(texts))
