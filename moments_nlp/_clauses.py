"""Split a spaCy ``Doc`` into sentences and clauses, keeping character offsets.

A comment often holds several Moments of Truth: ``"Great food but the service was slow"``. The
pieces :func:`clause_spans` returns are what :func:`moments_nlp.moments.moments` scores one by
one:

1. sentences, from spaCy's rule-based :class:`~spacy.pipeline.Sentencizer` (``.``, ``!``,
   ``?`` ...), and line breaks;
2. inside a sentence, a new clause starts at a contrastive word (``but``, ``however``,
   ``although``, ``though``, ``except``, ``whereas``) and after a ``;``;
3. a clause that *opens* with ``although`` / ``though`` / ``even though`` / ``while`` and holds
   a comma is cut at that comma (``"Although the room was small, the staff were lovely"``).

Spans are ``(start_char, end_char)`` pairs into the doc's text, without surrounding spaces,
commas, dashes or the ``;`` that separated them, in text order and never overlapping.

Examples
--------
>>> import spacy
>>> nlp = spacy.blank("en")
>>> text = "Great atmosphere but the music was far too loud; shame. Food ok."
>>> [text[s:e] for s, e in clause_spans(nlp(text))]
['Great atmosphere', 'but the music was far too loud', 'shame.', 'Food ok.']
"""

from __future__ import annotations

from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

__all__ = ["CONTRAST_WORDS", "clause_spans"]

#: Words that start a new clause inside a sentence.
CONTRAST_WORDS: frozenset[str] = frozenset(
    {"but", "however", "although", "though", "except", "whereas"})
_FRONTED = frozenset({"although", "though", "while", "even"})  # "Although X, Y" -> X | Y
_EDGE_PUNCT = frozenset({",", ";", ":", "-", "–", "—"})  # trimmed off the ends of a piece
_SENTENCIZER = Sentencizer()


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Character span of tokens ``start:end`` without leading / trailing space tokens."""
    while start < end and (doc[start].is_space or doc[start].text in _EDGE_PUNCT):
        start += 1
    while end > start and (doc[end - 1].is_space or doc[end - 1].text in _EDGE_PUNCT):
        end -= 1
    if start >= end:
        return None
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def _token_pieces(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the pieces (before trimming)."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for i, token in enumerate(doc):
        if i > start and (token.is_sent_start or token.lower_ in CONTRAST_WORDS):
            pieces.append((start, i))
            start = i
        if token.text == ";" or (token.is_space and "\n" in token.text):
            pieces.append((start, i))
            start = i + 1
    pieces.append((start, len(doc)))
    return [(s, e) for s, e in pieces if s < e]


def _split_fronted(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``"Although X, Y"`` at its first comma; other pieces come back whole."""
    first = start
    while first < end and doc[first].is_space:
        first += 1
    if first >= end or doc[first].lower_ not in _FRONTED:
        return [(start, end)]
    if doc[first].lower_ == "even" and (first + 1 >= end or doc[first + 1].lower_ != "though"):
        return [(start, end)]
    for i in range(first + 1, end - 1):
        if doc[i].text == ",":
            return [(start, i), (i + 1, end)]
    return [(start, end)]


def clause_spans(doc: Doc) -> list[tuple[int, int]]:
    """The sentences and clauses of ``doc`` as ``(start_char, end_char)`` spans.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        A tokenized text; its sentence boundaries are (re)set by a rule-based sentencizer.

    Returns
    -------
    list of tuple of int
        Non-overlapping spans in text order; an empty or all-space doc gives ``[]``.

    Examples
    --------
    >>> import spacy
    >>> doc = spacy.blank("en")("Although the room was small, the staff were lovely.")
    >>> [doc.text[s:e] for s, e in clause_spans(doc)]
    ['Although the room was small', 'the staff were lovely.']
    """
    if not len(doc):
        return []
    _SENTENCIZER(doc)
    spans: list[tuple[int, int]] = []
    for start, end in _token_pieces(doc):
        for s, e in _split_fronted(doc, start, end):
            span = _trim(doc, s, e)
            if span is not None and doc.text[span[0]:span[1]].strip(",.;:!? "):
                spans.append(span)
    return spans
