"""Split a spaCy ``Doc`` into sentences and clauses, keeping character offsets.

A comment often holds several Moments of Truth: ``"Great food but the service was slow"``. The
pieces :func:`clause_spans` returns are what :func:`moments_nlp.insight.moments.moments` scores one
by one:

1. sentences, by the rule of spaCy's rule-based :class:`~spacy.pipeline.Sentencizer` (a
   sentence ends after ``.``, ``!``, ``?`` ... of its default list), and line breaks;
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
_PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)


_Token = tuple[str, str, int, bool, bool]  # text, lower, idx, is_space, is_punct


def _tokens(doc: Doc) -> list[_Token]:
    """What the rules read of each token, taken from the doc once."""
    return [(t.text, t.lower_, t.idx, t.is_space, t.is_punct) for t in doc]


def _sentence_starts(tokens: list[_Token]) -> list[bool]:
    """The rule of spaCy's :class:`~spacy.pipeline.Sentencizer` (its default punctuation)."""
    starts = [False] * len(tokens)
    seen_period = False
    for i, (text, _lower, _idx, _space, punct) in enumerate(tokens):
        in_punct = text in _PUNCT_CHARS
        if seen_period and not punct and not in_punct:
            starts[i] = True
            seen_period = False
        elif in_punct:
            seen_period = True
    return starts


def _edge(token: _Token) -> bool:
    return token[3] or token[0] in _EDGE_PUNCT


def _trim(tokens: list[_Token], start: int, end: int) -> tuple[int, int] | None:
    """Character span of tokens ``start:end`` without spaces, commas or dashes at the ends."""
    while start < end and _edge(tokens[start]):
        start += 1
    while end > start and _edge(tokens[end - 1]):
        end -= 1
    if start >= end:
        return None
    return tokens[start][2], tokens[end - 1][2] + len(tokens[end - 1][0])


def _token_pieces(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Token ranges of the pieces (before trimming)."""
    starts = _sentence_starts(tokens)
    pieces: list[tuple[int, int]] = []
    start = 0
    for i, (text, lower, _idx, space, _punct) in enumerate(tokens):
        contrast = lower in CONTRAST_WORDS and not (lower == "though" and i
                                                    and tokens[i - 1][1] == "even")
        if i > start and (starts[i] or contrast):
            pieces.append((start, i))
            start = i
        if text == ";" or (space and "\n" in text):
            pieces.append((start, i))
            start = i + 1
    pieces.append((start, len(tokens)))
    return [(s, e) for s, e in pieces if s < e]


def _split_fronted(tokens: list[_Token], start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``"Although X, Y"`` at its first comma; other pieces come back whole."""
    first = start
    while first < end and tokens[first][3]:
        first += 1
    if first >= end or tokens[first][1] not in _FRONTED:
        return [(start, end)]
    if tokens[first][1] == "even" and (first + 1 >= end or tokens[first + 1][1] != "though"):
        return [(start, end)]
    for i in range(first + 1, end - 1):
        if tokens[i][0] == ",":
            return [(start, i), (i + 1, end)]
    return [(start, end)]


def clause_spans(doc: Doc) -> list[tuple[int, int]]:
    """The sentences and clauses of ``doc`` as ``(start_char, end_char)`` spans.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        A tokenized text (sentence boundaries are found here, by rule; the doc is not changed).

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
    tokens = _tokens(doc)
    text = doc.text
    spans: list[tuple[int, int]] = []
    for start, end in _token_pieces(tokens):
        for s, e in _split_fronted(tokens, start, end):
            span = _trim(tokens, s, e)
            if span is not None and text[span[0]:span[1]].strip(",.;:!? "):
                spans.append(span)
    return spans
