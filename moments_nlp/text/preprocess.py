"""spaCy preprocessing as a scikit-learn transformer: texts in, normalized token lists out.

The tokenizer runs once per text (``nlp.pipe`` with ``batch_size`` and ``n_process``); every
feature later is computed from these tokens. Normalization handles what feedback really holds:

* HTML entities (``&amp;``) are unescaped, control characters become spaces;
* URLs -> ``<url>``, e-mail addresses -> ``<email>``; ``@handles`` -> ``<user>`` followed by the
  lower-cased handle (who is addressed is a signal: a brand's support account, a competitor);
* numbers -> ``<num>``, other digits -> ``0``, currency symbols -> ``<money>``;
* emoji and emoticons are kept and tagged with their sentiment (``<emo_pos>`` / ``<emo_neg>``);
* elongations are shortened (``soooo`` -> ``soo``) and case is folded;
* negation scope: the words after ``not``, ``never``, ``n't``, ``no`` ... up to the next
  punctuation mark or contrast word get a ``not_`` prefix (``wasn't helpful`` -> ``not_helpful``).

Examples
--------
>>> from moments_nlp.text.preprocess import SpacyPreprocessor
>>> SpacyPreprocessor().transform(["Sooo not good :( http://x.co"])
[['soo', 'not', 'not_good', ':(', '<emo_neg>', '<url>']]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import spacy
from sklearn.base import BaseEstimator, TransformerMixin
from spacy.attrs import LEMMA, NORM, ORTH
from spacy.tokens import Doc

from moments_nlp._texts import as_text_list
from moments_nlp.text._chunks import by_chunks
from moments_nlp.text._normalize import (
    _NEGATORS,
    _NLP_LOCK,
    _SCOPE_ENDERS,
    _SENTENCE_END,
    _clean,
    _normalize_token,
)
from moments_nlp.text._table import token_lists

__all__ = ["SpacyPreprocessor", "align_tokens", "build_nlp"]


_KEY = [ORTH, NORM]
_LEMMA_KEY = [ORTH, NORM, LEMMA]


def build_nlp(pipeline: str = "blank:en", *, lemmatize: bool = False) -> spacy.language.Language:
    """Build the spaCy pipeline used for tokenization.

    Parameters
    ----------
    pipeline : str, default "blank:en"
        ``"blank:<lang>"`` for ``spacy.blank(lang)`` (no download), or the name of any installed
        spaCy pipeline package such as ``"en_core_web_sm"``. Components other than the tokenizer
        (and the lemmatizer with its dependencies, when ``lemmatize=True``) are never loaded.
    lemmatize : bool, default False
        Add a lookup lemmatizer (tables from the ``spacy-lookups-data`` package) to a blank
        pipeline, or keep the installed pipeline's lemmatizer.

    Returns
    -------
    spacy.language.Language

    Examples
    --------
    >>> [t.text for t in build_nlp()("Don't stop")]
    ['Do', "n't", 'stop']
    """
    if pipeline.startswith("blank:"):
        nlp = spacy.blank(pipeline.split(":", 1)[1])
        if lemmatize:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        return nlp
    if lemmatize:
        return spacy.load(pipeline, exclude=["ner", "parser", "textcat", "textcat_multilabel",
                                             "entity_ruler", "entity_linker", "spancat"])
    path = spacy.util.get_package_path(pipeline) if spacy.util.is_package(pipeline) else pipeline
    meta = spacy.util.load_meta(f"{path}/meta.json") if spacy.util.is_package(pipeline) else {}
    return spacy.load(pipeline, exclude=list(meta.get("pipeline", [])))


class SpacyPreprocessor(TransformerMixin, BaseEstimator):
    """Tokenize and normalize feedback texts with spaCy.

    Stateless: ``fit`` only checks its input; ``transform`` works without it. The spaCy pipeline
    is built lazily and is not pickled with the estimator (it is rebuilt after loading).

    Parameters
    ----------
    pipeline : str, default "blank:en"
        See :func:`build_nlp`.
    lemmatize : bool, default False
        Use lemmas instead of word forms (needs ``spacy-lookups-data`` for blank pipelines).
    negation_scope : int, default 4
        How many words after a negator get the ``not_`` prefix (0 turns negation marking off).
    batch_size : int, default 1000
        Texts per batch in ``nlp.pipe``.
    n_process : int, default 1
        Processes for ``nlp.pipe``.

    Examples
    --------
    >>> SpacyPreprocessor(negation_scope=0).fit_transform(["Never again!!"])
    [['never', 'again', '!', '!']]
    """

    def __init__(self, pipeline: str = "blank:en", *, lemmatize: bool = False,
                 negation_scope: int = 4, batch_size: int = 1000, n_process: int = 1) -> None:
        self.pipeline = pipeline
        self.lemmatize = lemmatize
        self.negation_scope = negation_scope
        self.batch_size = batch_size
        self.n_process = n_process

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_nlp", None)
        state.pop("_cache", None)
        state.pop("_words", None)
        return state

    def fit(self, X: Iterable[object], y: object = None) -> SpacyPreprocessor:
        """Check the input; nothing is learned. Returns ``self``."""
        as_text_list(X)
        return self

    def transform(self, X: Iterable[object]) -> list[list[str]]:
        """Turn each text into its list of normalized tokens.

        Parameters
        ----------
        X : iterable of str
            Texts (a bare ``str`` is refused). ``None``/NaN become empty token lists.

        Returns
        -------
        list of list of str
        """
        with _NLP_LOCK:
            if self._tokenizer_only():
                return token_lists(self, as_text_list(X))[0]
            return [self._tokens(doc) for doc in self._docs(X)]

    def _tokenizer_only(self) -> bool:
        """Whether :func:`moments_nlp.text._table.token_lists` serves this preprocessor (a bare
        tokenizer, no lemmas: it runs in this process, whatever ``n_process`` says)."""
        return not self.lemmatize and not self._get_nlp().pipe_names

    def _docs(self, X: Iterable[object]) -> Iterator[Any]:
        """The spaCy Docs of the cleaned texts (call with ``_NLP_LOCK`` held). A bare
        rule-based tokenizer reads a text chunk by chunk, each whitespace-free chunk on its own
        (see :mod:`moments_nlp.text._chunks`)."""
        texts = [_clean(text) for text in as_text_list(X)]
        nlp = self._get_nlp()
        if nlp.pipe_names:
            return iter(nlp.pipe(texts, batch_size=self.batch_size, n_process=self.n_process))
        tokenizer: Any = nlp.tokenizer
        if by_chunks(tokenizer):
            return (_chunk_doc(tokenizer, text) for text in texts)
        return iter(tokenizer.pipe(texts, batch_size=self.batch_size))

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> Any:
        """Not meaningful: the output is token lists, not columns."""
        raise AttributeError("SpacyPreprocessor outputs token lists, not feature columns")

    def _get_nlp(self) -> spacy.language.Language:
        nlp = getattr(self, "_nlp", None)
        if nlp is None:
            nlp = build_nlp(self.pipeline, lemmatize=self.lemmatize)
            self._cache: dict[tuple[int, ...], tuple[tuple[str, ...], bool, bool]] = {}
            self._nlp = nlp
        return nlp

    def transform_sentences(self, X: Iterable[object]) -> tuple[list[list[str]], list[list[int]]]:
        """:meth:`transform`, and where each text's sentences end in its token list.

        Returns
        -------
        tokens : list of list of str
            As :meth:`transform`.
        ends : list of list of int
            Per text, the token positions at which a sentence ends (after ``.``, ``!``, ``?``
            and runs of them); ``tokens[i][a:b]`` for consecutive ends (and 0 / the length) are
            its sentences.

        Examples
        --------
        >>> SpacyPreprocessor().transform_sentences(["Great crew. Lost bag!"])
        ([['great', 'crew', 'lost', 'bag', '!']], [[2, 5]])
        """
        tokens: list[list[str]] = []
        ends: list[list[int]] = []
        with _NLP_LOCK:
            if self._tokenizer_only():
                return token_lists(self, as_text_list(X))
            for doc in self._docs(X):
                ends.append([])
                tokens.append(self._tokens(doc, ends[-1]))
        return tokens, ends

    def _tokens(self, doc: Any, ends: list[int] | None = None) -> list[str]:
        if not len(doc):
            return []
        cache = self._cache
        scope_max = self.negation_scope
        # spaCy sets a token's NORM per occurrence (tokenizer special cases: "pm" after a time
        # becomes "p.m.", "nt" in "dont" becomes "not"), so the key holds every input of the
        # cached value: spelling, norm (and lemma). The other inputs (like_url, like_num,
        # is_punct, ...) are lexeme attributes, fixed by the spelling. The keys come from one
        # ``Doc.to_array`` call: no Token object is made for a token already in the cache.
        columns = doc.to_array(_LEMMA_KEY if self.lemmatize else _KEY).T.tolist()
        out: list[str] = []
        scope = 0
        for i, key in enumerate(zip(*columns)):
            entry = cache.get(key)
            if entry is None:
                entry = self._entry(doc[i])
                if len(cache) < 500_000:
                    cache[key] = entry
            normal, punct, stop = entry
            if stop and ends is not None and out:  # a run of marks ends one sentence
                end = len(out) + len(normal)
                if ends and ends[-1] == len(out):
                    ends[-1] = end
                else:
                    ends.append(end)
            if not normal:
                if punct:
                    scope = 0
                continue
            word = normal[0]
            if scope and word[0].isalpha() and word not in _SCOPE_ENDERS:
                out.append("not_" + word)
                scope -= 1
            else:
                out.extend(normal)
                scope = 0 if word in _SCOPE_ENDERS else scope
            if word in _NEGATORS and scope_max:
                scope = scope_max
        return out

    def _entry(self, tok: Any) -> tuple[tuple[str, ...], bool, bool]:
        """One token's normalized form, whether it is punctuation and whether it ends a
        sentence (the cached value)."""
        lower = tok.lemma_.lower() if self.lemmatize and tok.lemma_ else tok.norm_
        normal = _normalize_token(
            tok.text, lower, like_url=tok.like_url, like_email=tok.like_email,
            like_num=tok.like_num, is_currency=tok.is_currency, is_punct=tok.is_punct,
        )
        return tuple(normal), bool(tok.is_punct), bool(_SENTENCE_END.match(tok.text))


def _chunk_doc(tokenizer: Any, text: str) -> Any:
    """One Doc of the tokens of the text's whitespace-free chunks, each tokenized alone."""
    docs = [tokenizer(chunk) for chunk in text.split()]
    return Doc.from_docs(docs) if docs else tokenizer("")


def align_tokens(preprocessor: SpacyPreprocessor,
                 texts: Iterable[object]) -> list[list[tuple[str, str, int]]]:
    """Normalized tokens of each text, each paired with the word it came from.

    Runs the same normalization as :meth:`SpacyPreprocessor.transform` and maps every output
    token back to its spaCy token, so features can be reported in the user's own words
    (used by :mod:`moments_nlp.insight.explain`). Meant for a few texts at a time: each word is also
    normalized on its own to find its share of the output.

    Parameters
    ----------
    preprocessor : SpacyPreprocessor
    texts : iterable of str

    Returns
    -------
    list of list of (str, str, int)
        Per text, ``(normalized token, original word, word index)`` in output order; the
        normalized tokens equal ``preprocessor.transform(texts)``. A token that cannot be
        traced back (should not happen) gets itself as word and index -1.

    Examples
    --------
    >>> align_tokens(SpacyPreprocessor(), ["Wasn't helpful :("])
    [[('was', 'Was', 0), ('not', "n't", 1), ('not_helpful', 'helpful', 2), (':(', ':(', 3), \
('<emo_neg>', ':(', 3)]]
    """
    with _NLP_LOCK:
        docs = list(preprocessor._docs(texts))
    result: list[list[tuple[str, str, int]]] = []
    for doc in docs:
        out = preprocessor._tokens(doc)
        pairs: list[tuple[str, str, int]] = []
        k = 0
        for i, tok in enumerate(doc):
            for alone in preprocessor._tokens(doc[i:i + 1].as_doc()):
                if k < len(out) and (out[k] == alone or out[k].endswith("_" + alone)):
                    pairs.append((out[k], tok.text, i))
                    k += 1
        pairs.extend((word, word, -1) for word in out[k:])  # untraced tail (should not happen)
        result.append(pairs)
    return result
