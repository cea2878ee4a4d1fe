"""Sentiment of emoticons and emoji, hand-curated for customer feedback.

``EMOTICON_SENTIMENT`` maps lower-cased emoticons to ``"<emo_pos>"`` or ``"<emo_neg>"``;
:func:`emoji_sentiment` does the same for emoji (via the ``emoji`` package to recognise them).

Examples
--------
>>> emoji_sentiment("😍"), emoji_sentiment("😡"), emoji_sentiment("✈️"), emoji_sentiment("abc")
('<emo_pos>', '<emo_neg>', '', None)
"""

from __future__ import annotations

from typing import Final

import emoji

__all__ = ["EMOTICON_SENTIMENT", "emoji_sentiment"]

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
