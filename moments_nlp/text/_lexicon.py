"""Sentiment lexicons: the VADER word lexicon, and emoticons and emoji hand-curated for feedback.

:func:`lexicon` reads the VADER lexicon (MIT licensed, shipped by ``vaderSentiment``) and
:func:`_lexicon_entry` gives one normalized token's share of the model's lexicon columns (a
negated token, ``not_good``, counts ``-0.5`` times its word).

``EMOTICON_SENTIMENT`` maps lower-cased emoticons to ``"<emo_pos>"`` or ``"<emo_neg>"``;
:func:`emoji_sentiment` does the same for emoji (via the ``emoji`` package to recognise them).

Examples
--------
>>> lexicon()["horrible"] < 0 < lexicon()["wonderful"]
True
>>> _lexicon_entry("not_good")[:2]
(0.0, 0.95)
>>> emoji_sentiment("😍"), emoji_sentiment("😡"), emoji_sentiment("✈️"), emoji_sentiment("abc")
('<emo_pos>', '<emo_neg>', '', None)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Final

import emoji

__all__ = ["EMOTICON_SENTIMENT", "emoji_sentiment", "lexicon"]

_POS = "<emo_pos>"
_NEG = "<emo_neg>"

EMOTICON_SENTIMENT: Final[dict[str, str]] = {
    **dict.fromkeys(
        [":)", ":-)", ":))", ":)))", ":]", "=)", ":d", ":-d", "xd", ";)", ";-)", ":p", ":-p",
         "<3", "<33", "^_^", "^^", ":o)", "(:", "8)", ":*", ":-*", "\\o/", "c:"],
        _POS,
    ),
    **dict.fromkeys(
        [":(", ":-(", ":((", ":(((", ":[", "=(", ":/", ":-/", ":\\", ":'(", ":'-(", "d:", ">:(",
         ">:-(", "</3", ":|", ":-|", "-_-", "):", ":s", ":@"],
        _NEG,
    ),
}

_POSITIVE_EMOJI: Final[str] = (
    "😀😃😄😁😆😊☺🙂😉😍🥰😘😗😙😚😋😎🤩🥳👍👏🙌💪🎉🎊✨⭐🌟💯❤💕💖💗💓💞💘💝💛💚💙💜🧡🤍🖤"
    "🤗😇🙏👌✅🏆🥇💐🌹😻😸😺☀🌞"
)
_NEGATIVE_EMOJI: Final[str] = (
    "😠😡🤬😤😞😒😔😟😕🙁☹😣😖😫😩😢😭😿😾👎💔😰😨😱🤮🤢😷😑😐😬🙄😪😴🥱❌⛔🚫💩🤦🤷⚠😓😥"
)
_TABLE: Final[dict[str, str]] = {
    **dict.fromkeys(_POSITIVE_EMOJI, _POS),
    **dict.fromkeys(_NEGATIVE_EMOJI, _NEG),
}


def emoji_sentiment(token: str) -> str | None:
    """Sentiment tag of an emoji token.

    Parameters
    ----------
    token : str
        One token as the tokenizer produced it.

    Returns
    -------
    str or None
        ``"<emo_pos>"`` or ``"<emo_neg>"`` for emoji with a clear sentiment, ``""`` for other
        emoji, ``None`` when the token is not an emoji.
    """
    if not token or ord(token[0]) < 0x2000:
        return None
    base = token[0]
    if base in _TABLE:
        return _TABLE[base]
    if emoji.is_emoji(token) or emoji.is_emoji(base) or emoji.emoji_count(token) > 0:
        return ""
    return None


@lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """The VADER word lexicon: token -> valence from -4 to +4.

    Examples
    --------
    >>> lexicon()["horrible"] < 0 < lexicon()["wonderful"]
    True
    """
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                table[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return table


def _lexicon_entry(word: str) -> tuple[float, float, float, float, float, float]:
    """One token's share of the lexicon columns (see :func:`_lexicon_rows`)."""
    if word in ("!", "?"):
        return (0.0, 0.0, 0.0, 0.0, float(word == "!"), float(word == "?"))
    negated = word.startswith("not_")
    score = lexicon().get(word[4:] if negated else word)
    if score is None:
        return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    if negated:
        score = -0.5 * score
    if score > 0:
        return (score, 0.0, 1.0, 0.0, 0.0, 0.0)
    return (0.0, -score, 0.0, 1.0, 0.0, 0.0)
