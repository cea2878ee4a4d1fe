"""Which Moment of Truth a comment is about: touchpoints found with spaCy matchers on lemmas.

A touchpoint is a place where the customer meets the company: ``staff``, ``wait_time``,
``cleanliness``, ``price_billing``, ``product_quality``, ``food_drink``, ``delivery``,
``digital``, ``network``, ``communication``, ``booking``, ``facilities``, ``atmosphere``,
``accommodation``, ``policy``, ``resolution`` (whether the customer's problem was solved; see
:data:`TOUCHPOINTS`). :func:`touchpoints` finds the ones
each text mentions with a :class:`spacy.matcher.PhraseMatcher` on lemmas
(``spacy.blank("en")`` plus the lookup lemmatizer of ``spacy-lookups-data``), so ``"waiting"``,
``"waited"`` and ``"wait"`` all match the phrase ``"wait"``. :mod:`moments_nlp.insight.moments`
gives each touchpoint of a comment its own moment.

Vocabulary format (a dict, or a JSON / YAML file holding one)::

    {"touchpoint": ["phrase", ...]}                        # phrases only, or
    {"touchpoint": {"phrases": [...],   # matched on lemmas of the lower-cased text
                    "words": [...],     # matched on exact lower-case forms
                    "patterns": [...],  # spaCy Matcher token patterns
                    "exclude": [...],   # phrases (lemmas) or token patterns that cancel
                                        # a match they overlap
                    "context": [...]}}  # sense rules for ambiguous terms (below)

Word senses: a matched word can have a sense that is not the touchpoint's (``"cozy"`` of a
sweater is not the ``atmosphere`` of a place, ``"buttons"`` of a shirt are not ``digital``). A
``context`` rule ``{"terms": [...], "near": [...], "window": 6}`` keeps a match of one of its
``terms`` only when a word of ``near`` stands within ``window`` tokens of it in the same
sentence; ``{"terms": [...], "unless_near": [...]}`` drops it when a sense-breaking neighbour
does. Terms and neighbours are compared as lemmas of the lower-cased text.

Negation: a touchpoint is named whenever it is *mentioned*, whatever is said about it, so a
negated mention still counts: ``"no wait at all"`` is ``wait_time`` and ``"no complaints about
the staff"`` is ``staff``. Negation never removes a touchpoint. Idioms that only look like a
mention are listed under ``exclude`` instead (``"can't wait to come back"`` is not
``wait_time``, ``"wait staff"`` is ``staff``).

Examples
--------
>>> touchpoints(["The floor was filthy", "We waited 45 minutes", "Thanks!"])
[['cleanliness'], ['wait_time'], []]
>>> touchpoints(["The bouncer was rude"], vocabulary={"security": ["bouncer"]})
[['staff', 'security']]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moments_nlp._texts import as_text_list
from moments_nlp.errors import InputError, require

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = [
    "TOUCHPOINTS",
    "TouchpointMatcher",
    "default_vocabulary",
    "load_vocabulary",
    "matcher_for",
    "touchpoints",
]

#: The default touchpoints, in the order results are given.
TOUCHPOINTS: tuple[str, ...] = ("staff", "wait_time", "cleanliness", "price_billing",
                                "product_quality", "food_drink", "delivery", "digital", "network",
                                "communication", "booking", "facilities", "atmosphere",
                                "accommodation", "policy", "resolution")
_KEYS = ("phrases", "words", "patterns", "exclude", "context")
_CONTEXT_KEYS = ("terms", "near", "unless_near", "window")
_SENTENCE_END = frozenset(".!?;")
Vocabulary = dict[str, dict[str, list[Any]]]


def default_vocabulary() -> Vocabulary:
    """The vocabulary shipped with moments-nlp (a fresh copy you may change).

    Examples
    --------
    >>> vocab = default_vocabulary()
    >>> tuple(vocab) == TOUCHPOINTS, "wait" in vocab["wait_time"]["phrases"]
    (True, True)
    """
    text = resources.files("moments_nlp.insight").joinpath("touchpoints_default.json").read_text(
        "utf-8")
    return _normalize(json.loads(text), source="touchpoints_default.json")


def load_vocabulary(source: str | Path | Mapping[str, Any]) -> Vocabulary:
    """Read and check a vocabulary from a dict or a ``.json`` / ``.yaml`` / ``.yml`` file.

    Raises
    ------
    InputError
        For a missing file, another extension, or entries of the wrong shape.
    MissingExtraError
        For a YAML file without PyYAML (extra ``yaml``).

    Examples
    --------
    >>> load_vocabulary({"parking": ["car park", "parking"]})["parking"]["phrases"]
    ['car park', 'parking']
    """
    if isinstance(source, Mapping):
        return _normalize(source, source="dict")
    path = Path(source)
    if not path.is_file():
        raise InputError(f"vocabulary file not found: {path}")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        data = json.loads(text)
    elif suffix in (".yaml", ".yml"):
        yaml: Any = require("yaml", "yaml")
        data = yaml.safe_load(text)
    else:
        raise InputError(f"vocabulary file must end in .json, .yaml or .yml, got {path.name!r}")
    if not isinstance(data, Mapping):
        raise InputError(f"{path} must hold a mapping of touchpoint -> phrases, "
                         f"got {type(data).__name__}")
    return _normalize(data, source=str(path))


def _normalize(data: Mapping[str, Any], *, source: str) -> Vocabulary:
    vocab: Vocabulary = {}
    for name, entry in data.items():
        if str(name).startswith("_"):
            continue
        if isinstance(entry, str) or not isinstance(entry, (Mapping, list, tuple)):
            raise InputError(f"{source}: touchpoint {name!r} needs a list of phrases or a dict "
                             f"with keys {list(_KEYS)}, got {type(entry).__name__}")
        if not isinstance(entry, Mapping):
            entry = {"phrases": list(entry)}
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise InputError(f"{source}: touchpoint {name!r} has unknown keys {unknown}; "
                             f"expected some of {list(_KEYS)}")
        clean: dict[str, list[Any]] = {}
        for key in _KEYS:
            items = list(entry.get(key) or [])
            want = {"patterns": (list,), "exclude": (str, list), "context": (Mapping,)}.get(
                key, (str,))
            bad = [item for item in items if not isinstance(item, want)]
            if bad:
                kinds = {list: "token-pattern lists", str: "strings", Mapping: "rule dicts"}
                raise InputError(f"{source}: {name}.{key} must hold "
                                 f"{' or '.join(kinds[w] for w in want)}, got {bad[:3]!r}")
            if key == "context":
                items = [_context_rule(rule, f"{source}: {name}.context") for rule in items]
            clean[key] = items
        vocab[str(name)] = clean
    return vocab


def _context_rule(rule: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(rule) - set(_CONTEXT_KEYS))
    if unknown or not rule.get("terms") or ("near" in rule) == ("unless_near" in rule):
        raise InputError(f"{where}: a rule needs 'terms' and one of 'near' / 'unless_near' "
                         f"(and optionally 'window'), got keys {sorted(rule)}")
    words = {key: [str(w) for w in rule[key]] for key in ("terms", "near", "unless_near")
             if key in rule}
    return {**words, "window": int(rule.get("window", 6))}


def _merge(base: Vocabulary, extra: Vocabulary) -> Vocabulary:
    merged = {name: {key: list(items) for key, items in entry.items()}
              for name, entry in base.items()}
    for name, entry in extra.items():
        target = merged.setdefault(name, {key: [] for key in _KEYS})
        for key in _KEYS:
            target[key].extend(item for item in entry[key] if item not in target[key])
    return merged


class TouchpointMatcher:
    """spaCy matchers built once for a vocabulary; call :meth:`find` on texts.

    Parameters
    ----------
    vocabulary : dict
        Checked vocabulary (see :func:`load_vocabulary`).
    batch_size : int, default 256
        Texts per ``nlp.pipe`` batch.

    Examples
    --------
    >>> TouchpointMatcher(default_vocabulary()).find(["Charged twice for one order"])
    [['price_billing']]
    """

    def __init__(self, vocabulary: Vocabulary, *, batch_size: int = 256) -> None:
        import spacy
        from spacy.matcher import Matcher, PhraseMatcher

        from moments_nlp.text.preprocess import build_nlp

        self.vocabulary = vocabulary
        self.batch_size = batch_size
        self.names = list(vocabulary)
        self._nlp: spacy.language.Language = build_nlp("blank:en", lemmatize=True)
        nlp = self._nlp
        self._lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._exclude = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._exclude_tokens = Matcher(nlp.vocab)
        self._tokens = Matcher(nlp.vocab)
        self._senses: dict[str, list[tuple[set[str], set[str], bool, int]]] = {}
        for name, entry in vocabulary.items():
            if entry["phrases"]:
                self._lemma.add(name, list(nlp.pipe(p.lower() for p in entry["phrases"])))
            if entry["words"]:
                self._lower.add(name, [nlp.make_doc(w.lower()) for w in entry["words"]])
            phrases = [p for p in entry["exclude"] if isinstance(p, str)]
            if phrases:
                self._exclude.add(name, list(nlp.pipe(p.lower() for p in phrases)))
            for matcher, patterns in ((self._tokens, entry["patterns"]),
                                      (self._exclude_tokens,
                                       [p for p in entry["exclude"] if isinstance(p, list)])):
                try:
                    if patterns:
                        matcher.add(name, patterns)
                except (ValueError, TypeError) as exc:
                    raise InputError(f"touchpoint {name!r}: invalid spaCy token pattern: {exc}"
                                     ) from exc
            self._senses[name] = [
                ({self._lemmas(t) for t in rule["terms"]},
                 {self._lemmas(w) for w in rule.get("near", rule.get("unless_near", []))},
                 "near" in rule, rule["window"]) for rule in entry["context"]]
        # matchers without patterns warn when called: skip them
        self._active = [m for m in (self._lemma, self._lower, self._tokens) if len(m)]
        self._blocking = [m for m in (self._exclude, self._exclude_tokens) if len(m)]

    def _lemmas(self, phrase: str) -> str:
        return " ".join(token.lemma_ or token.lower_ for token in self._nlp(phrase.lower()))

    def _sense_ok(self, name: str, doc: Doc, start: int, end: int) -> bool:
        """Whether the ``context`` rules of ``name`` keep the match ``doc[start:end]``."""
        rules = self._senses.get(name)
        if not rules:
            return True
        span = doc[start:end]
        keys = {" ".join(t.lemma_ or t.lower_ for t in span), span.text.lower()}
        for terms, words, needed, window in rules:
            if not keys & terms:
                continue
            around = _sentence_window(doc, start, end, window)
            seen = {t.lemma_ for t in around} | {t.lower_ for t in around}
            seen |= {f"{a.lemma_} {b.lemma_}" for a, b in pairwise(around)}
            if bool(seen & words) != needed:
                return False
        return True

    def match(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Every ``(touchpoint, start_char, end_char)`` match in a doc of :meth:`docs`."""
        strings = self._nlp.vocab.strings
        blocked: dict[str, list[tuple[int, int]]] = {}
        for matcher in self._blocking:
            for key, start, end in matcher(doc):
                blocked.setdefault(strings[key], []).append((start, end))
        found: list[tuple[str, int, int]] = []
        for matcher in self._active:
            for key, start, end in matcher(doc):
                name = strings[key]
                if any(s < end and start < e for s, e in blocked.get(name, ())):
                    continue
                if not self._sense_ok(name, doc, start, end):
                    continue
                span = doc[start:end]
                found.append((name, span.start_char, span.end_char))
        return sorted(set(found), key=lambda m: (m[1], m[2], m[0]))

    def docs(self, texts: Iterable[str]) -> Iterator[Doc]:
        """The texts lower-cased and tokenized (with lemmas) for :meth:`match`.

        Lower-casing keeps every character's position, so character offsets into a doc are
        offsets into the original text.
        """
        return self._nlp.pipe((_lower(text) for text in texts), batch_size=self.batch_size)

    def find_spans(self, texts: Iterable[object]) -> list[list[tuple[str, int, int]]]:
        """Per text, every ``(touchpoint, start_char, end_char)`` match left after exclusions."""
        return [self.match(doc) for doc in self.docs(as_text_list(texts))]

    def find(self, texts: Iterable[object]) -> list[list[str]]:
        """Per text, the touchpoints it mentions, in vocabulary order."""
        order = {name: i for i, name in enumerate(self.names)}
        return [sorted({name for name, _, _ in spans}, key=order.__getitem__)
                for spans in self.find_spans(texts)]


def _sentence_window(doc: Doc, start: int, end: int, window: int) -> list[Any]:
    """The tokens up to ``window`` before and after ``doc[start:end]``, within its sentence
    (``.``, ``!``, ``?`` and ``;`` end one); the match itself is left out."""
    before: list[Any] = []
    for token in reversed(doc[max(0, start - window):start]):
        if token.text in _SENTENCE_END:
            break
        before.insert(0, token)
    after: list[Any] = []
    for token in doc[end:end + window]:
        if token.text in _SENTENCE_END:
            break
        after.append(token)
    return before + after


def _lower(text: str) -> str:
    """``text.lower()``, except characters whose lower case is longer (``"İ"``) stay as they are."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low) == 1 else char for char, low in zip(text, map(str.lower, text)))


@lru_cache(maxsize=1)
def _default_matcher() -> TouchpointMatcher:
    return TouchpointMatcher(default_vocabulary())


@lru_cache(maxsize=4)
def _cached_matcher(key: str) -> TouchpointMatcher:
    return TouchpointMatcher(json.loads(key))


def matcher_for(vocabulary: str | Path | Mapping[str, Any] | None = None, *,
                replace: bool = False) -> TouchpointMatcher:
    """The matcher for the default vocabulary, extended (or replaced) by ``vocabulary``.

    Matchers are built once per vocabulary and reused (the last four are kept).

    Examples
    --------
    >>> matcher_for() is matcher_for()
    True
    """
    if vocabulary is None:
        if replace:
            raise InputError("replace=True needs a vocabulary to replace the default one with")
        return _default_matcher()
    extra = load_vocabulary(vocabulary)
    vocab = extra if replace else _merge(default_vocabulary(), extra)
    return _cached_matcher(json.dumps(vocab, sort_keys=False))


def touchpoints(texts: Iterable[object], *,
                vocabulary: str | Path | Mapping[str, Any] | None = None,
                replace: bool = False) -> list[list[str]]:
    """The touchpoints each text mentions.

    Parameters
    ----------
    texts : iterable of str
        Blank or missing texts get an empty list.
    vocabulary : dict or path, optional
        Extra touchpoints or phrases (see the module docstring for the format), as a dict or a
        JSON / YAML file. New touchpoints come after the default ones.
    replace : bool, default False
        Use only ``vocabulary`` instead of adding it to the default one.

    Returns
    -------
    list of list of str
        One list per text, touchpoints in vocabulary order, each at most once.

    Examples
    --------
    >>> touchpoints(["The app keeps crashing", "Parcel arrived late and damaged"])
    [['digital'], ['delivery']]
    >>> touchpoints(["Lovely bouncer"], vocabulary={"security": ["bouncer"]}, replace=True)
    [['security']]
    """
    return matcher_for(vocabulary, replace=replace).find(texts)
