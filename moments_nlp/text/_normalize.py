"""The rules that turn one spaCy token into normalized tokens, and the tokenizer's lock.

:meth:`SpacyPreprocessor._entry <moments_nlp.text.preprocess.SpacyPreprocessor>` applies
:func:`_normalize_token` to each token; the negation scope reads :data:`_NEGATORS` and
:data:`_SCOPE_ENDERS`. The string path (:mod:`moments_nlp.text.preprocess`) and the token table
(:mod:`moments_nlp.text._table`) share them from here, so neither imports the other.

Examples
--------
>>> _normalize_token("Sooooo", "sooooo", like_url=False, like_email=False, like_num=False,
...                  is_currency=False, is_punct=False)
['soo']
>>> _clean("a &amp; b\x07")
'a & b '
"""

from __future__ import annotations

import html
import re

from moments_nlp.text._lexicon import EMOTICON_SENTIMENT, emoji_sentiment
from moments_nlp.text._locks import ForkSafeLock

_NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor", "cannot",
     "without", "hardly", "barely", "nope", "lack", "lacks", "lacking"}
)
_SCOPE_ENDERS = frozenset({".", ",", "!", "?", ";", ":", "but", "however", "although", "though"})
_KEEP_PUNCT = frozenset({"!", "?", "..."})
_ELONGATION = re.compile(r"(\w)\1{2,}")
_DIGITS = re.compile(r"\d+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\ufe0e\ufe0f\ufeff]")
_WHITESPACE_TOKEN = re.compile(r"^\s*$")
_SENTENCE_END = re.compile(r"^[.!?]+$")

# spaCy's tokenizer is not thread-safe (its caches can be updated half-way when the GIL switches
# inside a Python callback), so tokenizing holds this lock.
_NLP_LOCK = ForkSafeLock()


def _normalize_token(text: str, lower: str, *, like_url: bool, like_email: bool,
                     like_num: bool, is_currency: bool, is_punct: bool) -> list[str]:
    if like_url:
        return ["<url>"]
    if like_email:
        return ["<email>"]
    if len(text) > 1 and text[0] == "@":
        return ["<user>", lower]
    if is_currency:
        return ["<money>"]
    if like_num:
        return ["<num>"]
    emoticon = EMOTICON_SENTIMENT.get(lower)
    if emoticon is not None:
        return [lower, emoticon] if emoticon else [lower]
    emo = emoji_sentiment(text)
    if emo is not None:
        return [text, emo] if emo else [text]
    if is_punct:
        return [lower] if lower in _KEEP_PUNCT or lower.startswith("..") else []
    if _WHITESPACE_TOKEN.match(text):
        return []
    word = _ELONGATION.sub(r"\1\1", lower)
    if any(ch.isdigit() for ch in word):
        word = _DIGITS.sub("0", word)
    return [word]


def _clean(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    return _CONTROL.sub(" ", text)
