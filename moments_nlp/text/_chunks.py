"""Whitespace chunks of text and the table entries of their tokens.

spaCy's rule-based tokenizer splits a text at whitespace and tokenizes each chunk on its own
(prefixes, suffixes, infixes and special cases all work inside a chunk). So the tokens of a text
are the tokens of its chunks, one after the other, plus whitespace tokens, which carry no
features. :class:`ChunkTable` keeps, for every chunk seen, the entries its tokens have in
the token table (:class:`moments_nlp.text._table._Table`): a chunk seen before (a
word, a word with its punctuation, an emoticon) is one dictionary lookup, and only new chunks
are tokenized, a batch at a time.

This is the library's tokenization of a text for a bare tokenizer, in every path (the fast
path, :meth:`SpacyPreprocessor.transform`, :func:`~moments_nlp.text.preprocess.align_tokens`). It
equals spaCy's tokenization of the whole text except where spaCy's special cases match across
whitespace, which happens in emoticon runs such as ``") :)o"`` (the whole text gives ``)``,
``:``, ``)``, ``o``; the chunks give ``)``, ``:)``, ``o``). 8 of 30,000 random texts made of
special cases and punctuation differ, none of the 121,712 texts of the shared sets and seeds
(``tests/test_fused.py`` compares the two on thousands of them).

Examples
--------
>>> import spacy
>>> chunks = ChunkTable()
>>> def entries(docs):  # stands in for the token table: a token's entry is its length here
...     return (np.asarray([len(t.text) for doc in docs for t in doc]),
...             np.asarray([len(doc) for doc in docs]))
>>> entry, lengths = chunks.entries(spacy.blank("en").tokenizer, ["Great  crew!"], entries)
>>> entry.tolist(), lengths.tolist(), len(chunks)
([5, 4, 1], [3], 2)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from spacy.attrs import IS_SPACE
from spacy.tokenizer import Tokenizer

__all__ = ["ChunkTable", "by_chunks"]

_BATCH = 2_000  # new chunks tokenized in one call
_SEPARATOR = " \n "  # between the chunks of a batch: a whitespace token of its own

Lookup = Callable[[list[Any]], tuple[np.ndarray, np.ndarray]]


def _ranges(first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The positions ``first[i] .. first[i] + size[i] - 1`` for every ``i``, one flat array.

    >>> _ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    return np.repeat(first - (np.cumsum(size) - size), size) + np.arange(size.sum())


def by_chunks(tokenizer: Any) -> bool:
    """Whether texts can be tokenized chunk by chunk: spaCy's own rule-based tokenizer (other
    kinds, e.g. a word segmenter, get whole texts)."""
    return type(tokenizer) is Tokenizer


class ChunkTable:
    """Whitespace-free chunks -> the entries of their tokens (``entry[first:first + size]``)."""

    LIMIT = 300_000  # chunks kept; the owner clears the table past it (see ``full``)
    CHAR_LIMIT = 20_000_000  # characters of the chunks kept (long chunks, e.g. pasted blobs)

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every chunk."""
        self.ids: dict[str, int] = {}
        self.first = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0, dtype=np.int64)
        self.entry = np.zeros(0, dtype=np.int64)
        self.chars = 0

    def full(self) -> bool:
        """Whether the table holds more chunks or characters than it should keep."""
        return len(self.ids) > self.LIMIT or self.chars > self.CHAR_LIMIT

    def __len__(self) -> int:
        return len(self.ids)

    def entries(self, tokenizer: Any, texts: list[str],
                lookup: Lookup) -> tuple[np.ndarray, np.ndarray]:
        """The entries of the texts' tokens, text after text, and the tokens per text.

        ``lookup(docs)`` gives the entries of the Docs' tokens (flat) and their lengths; it is
        called for new chunks only."""
        pieces = [text.split() for text in texts]
        per_text = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        flat = list(itertools.chain.from_iterable(pieces))
        ids = np.fromiter(map(self.ids.get, flat, itertools.repeat(-1)), dtype=np.int64,
                          count=len(flat))
        missing = np.flatnonzero(ids < 0).tolist()
        if missing:
            self._learn(tokenizer, list(dict.fromkeys(flat[i] for i in missing)), lookup)
            found = self.ids.__getitem__
            ids[missing] = [found(flat[i]) for i in missing]
        size = self.size[ids]
        entry = self.entry[_ranges(self.first[ids], size)]
        text_of = np.repeat(np.arange(len(texts), dtype=np.int64), per_text)
        lengths = np.bincount(text_of, weights=size, minlength=len(texts)).astype(np.int64)
        return entry, lengths

    def _learn(self, tokenizer: Any, new: list[str], lookup: Lookup) -> None:
        """Tokenize chunks not seen before and keep their entries. A batch is one Doc, its
        chunks apart by a line break: the whitespace token between two chunks keeps spaCy's
        special cases from matching across them, so each chunk gets its own tokenization
        whatever it is batched with."""
        entries, sizes = [self.entry], [self.size]
        for begin in range(0, len(new), _BATCH):
            batch = new[begin:begin + _BATCH]
            doc = tokenizer(_SEPARATOR.join(batch))
            space = doc.to_array(IS_SPACE).astype(bool)
            entry, _ = lookup([doc])
            # a chunk is a run of tokens between separators
            first = ~space & np.concatenate([[True], space[:-1]])
            chunk_of = (np.cumsum(first) - 1)[~space]
            if int(first.sum()) == len(batch):
                entries.append(entry[~space])
                sizes.append(np.bincount(chunk_of, minlength=len(batch)).astype(np.int64))
            else:  # pragma: no cover - a chunk that did not tokenize on its own
                entry, lengths = lookup(list(tokenizer.pipe(batch)))
                entries.append(entry)
                sizes.append(lengths)
        self.entry = np.concatenate(entries)
        self.size = np.concatenate(sizes)
        self.first = np.cumsum(self.size) - self.size
        self.ids.update(zip(new, range(len(self.ids), len(self.ids) + len(new))))
        self.chars += sum(map(len, new))
