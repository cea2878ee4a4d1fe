"""Whether a text reads as English: the models read English only, so others are flagged.

The default model (and any model trained on English labels) reads French, German or Spanish
comments as mostly unknown words and calls them ``ordinary`` with low confidence. This check is
cheap and deterministic (no model, no download): a text is *not English* when

* most of its letters are outside the Latin script (Cyrillic, Greek, Arabic, Hebrew, CJK, ...), or
* it holds a function word of French, German, Spanish, Italian, Dutch or Portuguese (words
  such as ``très``, ``nicht``, ``muy``, ``molto``, ``niet``, ``muito`` that are not English
  words) and, counting words with letters such as ``ä ß ñ ç é`` too, at least two foreign words
  and more of them than English function words (so ``crème brûlée`` alone is English).

Short texts without such words (``"ok"``, ``"10/10"``, a name) count as English: there is
nothing to tell them apart by. :meth:`MomentClassifier.label
<moments_nlp.MomentClassifier.label>` puts the result in its ``language_ok`` column.

Examples
--------
>>> looks_english(["The staff were lovely", "Le personnel était très gentil et serviable",
...                "Das Essen war nicht gut und sehr teuer", "ok", "Очень плохое обслуживание"])
[True, False, False, True, False]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["looks_english"]

_WORD = re.compile(r"[^\W\d_]+")

_ENGLISH = frozenset([
    "the", "and", "was", "is", "are", "were", "it", "its", "to", "of", "for", "with", "my",
    "i", "we", "they", "you", "not", "very", "but", "this", "that", "have", "had", "be",
    "been", "on", "at", "so", "our", "your", "their", "he", "she", "his", "her", "me", "us",
    "them", "there", "here", "what", "when", "would", "could", "should", "did", "does",
    "from", "by", "about", "just", "all", "some", "any", "an", "as", "if", "or", "too",
])

# function words of other languages that are not (common) English words
_FOREIGN = frozenset([
    "le", "la", "les", "des", "est", "et", "une", "pour", "pas", "avec", "très", "tres",
    "mais", "je", "nous", "vous", "était", "etait", "du", "au", "ce", "cette", "qui", "sur",
    "dans", "sont", "été", "ete", "avons", "avait", "aussi", "peu", "bien", "trop", "merci",
    "der", "das", "und", "ist", "nicht", "sehr", "ich", "wir", "mit", "ein", "eine", "einen",
    "für", "fur", "auf", "zu", "dem", "aber", "auch", "danke", "wurde", "wurden", "sind",
    "hatte", "haben", "keine", "kein", "noch", "schon", "el", "los", "las", "muy", "y",
    "pero", "con", "por", "para", "una", "fue", "del", "que", "gracias", "está", "esta",
    "estaba", "nada", "también", "il", "gli", "molto", "è", "che", "sono", "della",
    "delle", "nella", "anche", "grazie", "stato", "het", "een", "niet", "zeer", "heel", "ik",
    "wij", "voor", "maar", "dat", "zijn", "erg", "geen", "ook", "bedankt", "os", "muito",
    "não", "nao", "com", "uma", "mas", "foi", "obrigado", "obrigada", "também",
])

# letters of other Latin-script languages: a word holding one counts as a foreign word
_ACCENTED = re.compile(r"[äöüßñãõçàèìòùâêîôûéœ]")

_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f"
                        r"\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _english(text: str) -> bool:
    # the common case costs a split and a set test; words are counted only for a suspect text
    if _NON_LATIN.search(text) is not None:
        letters = sum(ch.isalpha() for ch in text)
        if len(_NON_LATIN.findall(text)) > letters / 2:
            return False
    lower = text.lower()
    if _FOREIGN.isdisjoint(lower.split()):
        return True
    words = _WORD.findall(lower)
    function = sum(word in _FOREIGN for word in words)
    foreign = function + sum(word not in _FOREIGN and _ACCENTED.search(word) is not None
                             for word in words)
    english = sum(word in _ENGLISH for word in words)
    return not (function >= 1 and foreign >= 2 and foreign > english)


def looks_english(texts: Sequence[str]) -> list[bool]:
    """Whether each text reads as English (see the module docstring for the rule).

    Parameters
    ----------
    texts : sequence of str

    Returns
    -------
    list of bool
        False for a text in another language or script; True otherwise (a blank text too).

    Examples
    --------
    >>> looks_english(["Service très lent, personnel pas aimable", "Not bad at all"])
    [False, True]
    """
    return [_english(text) for text in texts]
