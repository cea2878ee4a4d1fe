"""Sentence-level training examples cut from long labeled reviews (issue 14).

A five-star clothing review is ten sentences, and most of them are facts ("I am usually a size
10", "I ordered the blue"); trained on whole reviews, a model learns that such facts are
``magic``. Short feedback (a tweet, a chat line, one survey sentence) then gets the review's
label for the wrong reasons. :func:`review_sentences` cuts the reviews into sentences and keeps
the ones whose label is clear from the sentence alone:

* a sentence of a ``magic`` review whose lexicon polarity is at least ``+1.5`` -> ``magic``;
* a sentence of a ``misery`` review whose polarity is at most ``-1.0`` -> ``misery``;
* a sentence with no sentiment word at all (no VADER lexicon entry, no emoji tag) ->
  ``ordinary``, whatever its review said;
* every other sentence (weak or contrary evidence) is left out.

The polarity is the sum of the VADER valences of the sentence's tokens, a negated token
(``not_good``) counting ``-0.5`` times its word's valence, as in the model's lexicon columns.
``scripts/train_default.py`` adds these sentences to the default model's training data as a
source of its own; ``bench/default_model.py`` measures what they do on held-out domains.

Examples
--------
>>> from moments_nlp.training._sentence_signal import review_sentences
>>> review_sentences(["Love it, the fabric is wonderful! I am a size 8. It is okay."], ["magic"])
[('Love it, the fabric is wonderful!', 'magic', 0), ('I am a size 8.', 'ordinary', 0)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from moments_nlp.model._counter import _lexicon_entry
from moments_nlp.text.preprocess import SpacyPreprocessor

__all__ = ["MIN_WORDS", "review_sentences", "sentence_polarity"]

#: Sentences shorter than this many words are left out.
MIN_WORDS = 3
_MAGIC_AT_LEAST = 1.5
_MISERY_AT_MOST = -1.0
_NO_EVIDENCE = 0.01
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_EMOJI_TAGS = {"<emo_pos>": 2.0, "<emo_neg>": -2.0}


def sentence_polarity(tokens: Sequence[str]) -> float:
    """Summed lexicon valence of one preprocessed sentence (negated tokens count ``-0.5x``).

    Examples
    --------
    >>> sentence_polarity(["great", "not", "not_bad"]) > 3
    True
    """
    # the signed score of each token's lexicon columns (negation rule included), plus emoji tags
    return sum(entry[0] - entry[1] for entry in map(_lexicon_entry, tokens)) + sum(
        _EMOJI_TAGS.get(token, 0.0) for token in tokens)


def _sentence_label(review_label: str, polarity: float) -> str | None:
    if review_label == "magic" and polarity >= _MAGIC_AT_LEAST:
        return "magic"
    if review_label == "misery" and polarity <= _MISERY_AT_MOST:
        return "misery"
    if abs(polarity) < _NO_EVIDENCE:
        return "ordinary"
    return None


def review_sentences(texts: Sequence[str], labels: Sequence[str], *,
                     preprocessor: SpacyPreprocessor | None = None
                     ) -> list[tuple[str, str, int]]:
    """The clear sentences of labeled reviews, as ``(sentence, label, review index)``.

    Parameters
    ----------
    texts, labels : sequences of str
        The reviews and their labels (``magic`` / ``ordinary`` / ``misery``), in step.
    preprocessor : SpacyPreprocessor, optional
        Tokenizes the sentences for their polarity; default ``SpacyPreprocessor()``.

    Returns
    -------
    list of (str, str, int)
        In review order, then sentence order; see the module docstring for the rules.

    Examples
    --------
    >>> review_sentences(["Awful zipper, it broke. I returned it."], ["misery"])
    [('Awful zipper, it broke.', 'misery', 0), ('I returned it.', 'ordinary', 0)]
    """
    if len(texts) != len(labels):
        raise ValueError(f"review_sentences() got {len(texts)} texts but {len(labels)} labels")
    pieces: list[tuple[str, str, int]] = []
    for row, (text, label) in enumerate(zip(texts, labels, strict=True)):
        for sentence in _SENTENCE_END.split(str(text).strip()):
            if len(sentence.split()) >= MIN_WORDS:
                pieces.append((sentence, str(label), row))
    tokens = (preprocessor or SpacyPreprocessor()).transform([p[0] for p in pieces])
    out: list[tuple[str, str, int]] = []
    for (sentence, label, row), sentence_tokens in zip(pieces, tokens, strict=True):
        found = _sentence_label(label, sentence_polarity(sentence_tokens))
        if found is not None:
            out.append((sentence, found, row))
    return out
