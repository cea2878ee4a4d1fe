"""The token table: from spaCy's token ids straight to numbered normalized tokens.

The string path (:meth:`SpacyPreprocessor.transform
<moments_nlp.text.preprocess.SpacyPreprocessor.transform>` token by token) builds each token's
normalized strings in Python. The table skips that for tokens seen before: each spaCy token's
``(ORTH, NORM)`` ids are looked up in one sorted hash index (a ``pandas.Index``) that gives the
token's normalized form as numbers of a :class:`_Numbering`; the negation scope and the sentence
ends are then array arithmetic over the whole batch. Only a token never seen before goes through
Python (its normal form is made once by ``SpacyPreprocessor._entry``, as in the string path).
Texts reach the table as whitespace chunks (:mod:`moments_nlp.text._chunks`): only chunks never
seen before are tokenized.

Two numberings use it: :class:`_Words` numbers token strings, for :func:`token_lists` (what
``SpacyPreprocessor.transform`` returns for a bare tokenizer), and the feature counter of a
fitted model (:class:`moments_nlp.model._counter._FastCounter`) numbers them by its own
columns, for the fast predict path (:mod:`moments_nlp.model._scoring`). The output is the string
path's, token for token: ``tests/test_fused.py`` compares them on thousands of real texts.

Examples
--------
>>> from moments_nlp.text.preprocess import SpacyPreprocessor
>>> token_lists(SpacyPreprocessor(), ["Not good. Great crew!"])
([['not', 'not_good', 'great', 'crew', '!']], [[2, 5]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from spacy.attrs import NORM, ORTH

from moments_nlp.text._chunks import ChunkTable, by_chunks
from moments_nlp.text._normalize import _NEGATORS, _SCOPE_ENDERS, _clean

__all__ = ["Encoded", "token_lists"]

# What a token does to the negation scope (see SpacyPreprocessor._tokens).
_SKIP, _RESET, _NEGATOR, _WORD, _PASS = range(5)
_KEY = [ORTH, NORM]


@dataclass(frozen=True)
class Encoded:
    """Texts as the counter's token numbers.

    Attributes
    ----------
    numbers : ndarray of int64
        The token numbers of all texts, text after text.
    lengths : ndarray of int64
        Tokens per text.
    end_text, end_at : ndarray of int64
        Each sentence end: its text and its position in that text's tokens (as the ``ends`` of
        :meth:`SpacyPreprocessor.transform_sentences`).
    """

    numbers: np.ndarray
    lengths: np.ndarray
    end_text: np.ndarray
    end_at: np.ndarray

    def rows(self) -> np.ndarray:
        """The text (row) of each token number."""
        return np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)


class _Numbering:
    """Token strings numbered as first met, restarted as a whole (``_reset``). Tables built on
    the numbers (:mod:`moments_nlp.text._table`) hang on ``fused`` and check ``generation``."""

    _LIMIT = 500_000  # tokens kept; past it the numbering starts again (memory is bounded)

    def _reset(self) -> None:
        self.generation: int = getattr(self, "generation", -1) + 1
        self.fused: Any = None
        self.tokens: dict[str, int] = {}

    def _add(self, token: str) -> int:
        raise NotImplementedError

    def _grow(self) -> None:
        """Catch up with the tokens numbered since the last call (arrays built per number)."""
        raise NotImplementedError

    def number(self, token: str) -> int:
        """The token's number, given now if it has none yet."""
        found = self.tokens.get(token)
        return self._add(token) if found is None else found


def _encode(preprocess: Any, table: _Table, texts: Sequence[str]) -> Encoded:
    """Tokenize in batches and encode with ``table`` (call holding ``_NLP_LOCK``)."""
    cleaned = [_clean(text) for text in texts]
    tokenizer: Any = preprocess._get_nlp().tokenizer
    size = max(1, preprocess.batch_size)
    scope = preprocess.negation_scope
    if by_chunks(tokenizer):
        parts = [table.encode_chunks(tokenizer, cleaned[begin:begin + size], scope)
                 for begin in range(0, len(cleaned), size)]
    else:
        parts = [table.encode(list(tokenizer.pipe(cleaned[begin:begin + size])), scope)
                 for begin in range(0, len(cleaned), size)]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Encoded(empty, empty, empty, empty)
    offsets = np.cumsum([0] + [len(p.lengths) for p in parts[:-1]])
    return Encoded(np.concatenate([p.numbers for p in parts]),
                   np.concatenate([p.lengths for p in parts]),
                   np.concatenate([p.end_text + o for p, o in zip(parts, offsets)]),
                   np.concatenate([p.end_at for p in parts]))


class _Words(_Numbering):
    """Token strings numbered as first seen: the table's numbering when strings are wanted
    (:func:`token_lists`), in place of a feature counter's."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self.words: list[str] = []
        self.array = np.zeros(0, dtype=object)  # ``words`` as an array, for gathering

    def _add(self, word: str) -> int:
        number = self.tokens[word] = len(self.words)
        self.words.append(word)
        return number

    def _grow(self) -> None:
        """Append the words added since the last call to ``array``."""
        new = self.words[len(self.array):]
        if new:
            self.array = np.concatenate([self.array, np.asarray(new, dtype=object)])


def token_lists(preprocess: Any,
                texts: Sequence[str]) -> tuple[list[list[str]], list[list[int]]]:
    """:meth:`SpacyPreprocessor.transform_sentences` through the table: the same token lists
    and sentence ends, without the per-token Python loop. Call holding ``_NLP_LOCK``."""
    words = getattr(preprocess, "_words", None)
    if words is None:
        words = preprocess._words = _Words()
    encoded = _encode(preprocess, _table(preprocess, words), texts)
    flat = words.array[encoded.numbers]
    tokens = [part.tolist() for part in np.split(flat, np.cumsum(encoded.lengths)[:-1])]
    ends: list[list[int]] = [[] for _ in texts]
    for text, end in zip(encoded.end_text.tolist(), encoded.end_at.tolist()):
        ends[text].append(end)
    return tokens if texts else [], ends


def _table(preprocess: Any, counter: _Numbering) -> _Table:
    """The counter's table for this preprocessor, new when either has started again."""
    if len(counter.tokens) > counter._LIMIT:
        counter._reset()
    table = getattr(counter, "fused", None)
    if (table is None or table.preprocess is not preprocess
            or table.generation != counter.generation):
        table = counter.fused = _Table(preprocess, counter)
    return table


class _Table:
    """``(ORTH, NORM)`` ids -> what the token becomes, as counter numbers."""

    _LIMIT = 500_000  # keys kept; past it the table starts again

    def __init__(self, preprocess: Any, counter: _Numbering) -> None:
        self.preprocess = preprocess
        self.counter = counter
        self.generation = counter.generation
        self.keys: dict[tuple[int, int], int] = {}
        # ORTH ids (hash-indexed) with the NORM and entry of their first key (one NORM per
        # ORTH; other keys of the same ORTH are found in ``keys``)
        self.orth = np.zeros(0, dtype=np.uint64)
        self.index = pd.Index(self.orth)
        self.norm = np.zeros(0, dtype=np.uint64)
        self.entry = np.zeros(0, dtype=np.int64)
        # per entry: kind, output count, the two outputs, the negated first output, sentence stop
        self.kind = np.zeros(0, dtype=np.int8)
        self.n_out = np.zeros(0, dtype=np.int64)
        self.out = np.zeros((0, 2), dtype=np.int64)
        self.negated = np.zeros(0, dtype=np.int64)
        self.stop = np.zeros(0, dtype=bool)
        self._rows: list[tuple[int, int, int, int, int, bool]] = []
        self._new_keys: list[tuple[int, int, int]] = []
        self.chunk_table = ChunkTable()

    def encode(self, docs: list[Any], scope_max: int) -> Encoded:
        self._bound()
        entry, lengths = self._lookup(docs)
        return _stream(self, entry, lengths, scope_max)

    def encode_chunks(self, tokenizer: Any, texts: list[str], scope_max: int) -> Encoded:
        """:meth:`encode` of the texts' Docs, from their whitespace-separated chunks (see
        :class:`moments_nlp.text._chunks.ChunkTable`)."""
        self._bound()
        entry, lengths = self.chunk_table.entries(tokenizer, texts, self._lookup)
        return _stream(self, entry, lengths, scope_max)

    def _bound(self) -> None:
        """Start again past ``_LIMIT`` keys; forget the chunks past their limit."""
        if len(self.keys) > self._LIMIT:
            self.__init__(self.preprocess, self.counter)  # type: ignore[misc]
        elif self.chunk_table.full():
            self.chunk_table.clear()

    def _lookup(self, docs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        arrays = [doc.to_array(_KEY) for doc in docs]
        lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        flat = np.concatenate(arrays) if arrays else np.zeros((0, 2), dtype=np.uint64)
        orth, norm = flat[:, 0], flat[:, 1]
        entry = np.full(len(flat), -1, dtype=np.int64)
        if len(self.orth) and len(flat):
            at = self.index.get_indexer(orth)  # type: ignore[arg-type]  # an array is fine
            hit = at >= 0
            hit[hit] = self.norm[at[hit]] == norm[hit]
            entry[hit] = self.entry[at[hit]]
        missing = np.flatnonzero(entry < 0)
        if len(missing):
            starts = np.cumsum(lengths) - lengths
            doc_of = np.searchsorted(starts, missing, side="right") - 1
            found = self.keys.get
            for i, d, o, n in zip(missing.tolist(), doc_of.tolist(), orth[missing].tolist(),
                                  norm[missing].tolist()):
                number = found((o, n))
                if number is None:
                    number = self._add((o, n), docs[d][i - int(starts[d])])
                entry[i] = number
            self._commit()
        return entry, lengths

    def _add(self, key: tuple[int, int], token: Any) -> int:
        normal, punct, stop = self.preprocess._entry(token)
        if not normal:
            kind = _RESET if punct else _SKIP
        elif normal[0] in _SCOPE_ENDERS:
            kind = _RESET
        elif normal[0] in _NEGATORS:
            kind = _NEGATOR
        else:
            kind = _WORD if normal[0][0].isalpha() else _PASS
        number = self.counter.number
        outs = [number(word) for word in normal[:2]]
        negated = number("not_" + normal[0]) if kind in (_WORD, _NEGATOR) else -1
        outs += [-1] * (2 - len(outs))
        self._rows.append((kind, len(normal), outs[0], outs[1], negated, stop))
        entry = len(self.keys)
        self.keys[key] = entry
        self._new_keys.append((key[0], key[1], entry))
        return entry

    def _commit(self) -> None:
        """Append the new entries to the arrays, the new ORTH ids to the index."""
        self.counter._grow()
        if self._rows:
            rows = np.asarray(self._rows, dtype=np.int64).reshape(-1, 6)
            self.kind = np.concatenate([self.kind, rows[:, 0].astype(np.int8)])
            self.n_out = np.concatenate([self.n_out, rows[:, 1]])
            self.out = np.concatenate([self.out, rows[:, 2:4]])
            self.negated = np.concatenate([self.negated, rows[:, 4]])
            self.stop = np.concatenate([self.stop, rows[:, 5].astype(bool)])
            self._rows = []
        if self._new_keys:
            new = np.asarray(self._new_keys, dtype=np.uint64).reshape(-1, 3)
            self._new_keys = []
            _, first = np.unique(new[:, 0], return_index=True)
            new = new[first]
            new = new[self.index.get_indexer(new[:, 0]) < 0]  # type: ignore[arg-type]
            self.orth = np.concatenate([self.orth, new[:, 0]])
            self.norm = np.concatenate([self.norm, new[:, 1]])
            self.entry = np.concatenate([self.entry, new[:, 2].astype(np.int64)])
            self.index = pd.Index(self.orth)


def _stream(table: _Table, entry: np.ndarray, lengths: np.ndarray, scope_max: int) -> Encoded:
    """Negation scope, output numbers and sentence ends of one batch, as arrays."""
    kind = table.kind[entry]
    doc_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    negated = np.zeros(len(entry), dtype=bool)
    active = np.flatnonzero(kind != _SKIP)
    if scope_max > 0 and len(active) > 1:
        k, d = kind[active], doc_of[active]
        first = np.ones(len(active), dtype=bool)
        first[1:] = d[1:] != d[:-1]
        boundary = first | (k == _RESET) | (k == _NEGATOR)
        heads = np.flatnonzero(boundary)
        segment = np.cumsum(boundary) - 1
        words = np.cumsum(k == _WORD)
        # token t is negated when the segment before it (up to t - 1) opened with a negator in
        # the same text and fewer than scope_max words have been negated since
        head = heads[segment[:-1]]
        after = k[1:]
        hit = (~first[1:] & (k[head] == _NEGATOR) & ((after == _WORD) | (after == _NEGATOR))
               & (words[:-1] - words[head] < scope_max))
        negated[active[1:][hit]] = True
    count = np.where(negated, 1, table.n_out[entry])
    pair = np.column_stack([np.where(negated, table.negated[entry], table.out[entry, 0]),
                            table.out[entry, 1]])
    numbers = pair[np.column_stack([count >= 1, count >= 2])]
    out_lengths = np.bincount(doc_of, weights=count, minlength=len(lengths)).astype(np.int64)
    before = np.cumsum(count) - count
    before -= (np.cumsum(out_lengths) - out_lengths)[doc_of]
    stops = np.flatnonzero(table.stop[entry] & (before > 0))
    ends, owner = before[stops] + count[stops], doc_of[stops]
    keep = np.ones(len(stops), dtype=bool)  # a run of marks ends one sentence: keep its last
    keep[:-1] = ~((owner[1:] == owner[:-1]) & (before[stops[1:]] == ends[:-1]))
    return Encoded(numbers.astype(np.int64), out_lengths, owner[keep], ends[keep])
