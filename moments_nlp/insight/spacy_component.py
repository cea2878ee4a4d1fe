"""moments-nlp as a spaCy pipeline component: ``nlp.add_pipe("moments_nlp")``.

The factory ``"moments_nlp"`` is registered through the ``spacy_factories`` entry point of the
package (``pyproject.toml``), so any spaCy pipeline finds it once moments-nlp is installed,
without importing it first. For each doc the component sets

* ``doc.cats``: the comment's probabilities, ``{"magic": ..., "ordinary": ..., "misery": ...}``
  (what :meth:`MomentClassifier.predict_proba` gives for ``doc.text``); a blank doc keeps
  its ``cats`` as they were (empty);
* ``doc.spans["moments"]`` (the key is the ``spans_key`` setting): one span per touchpoint
  mention, whose ``label_`` is the touchpoint (``"staff"``, ``"facilities"``, ...), with
  ``span._.moment`` (``"magic"`` / ``"ordinary"`` / ``"misery"``: the moment of that touchpoint
  in this comment, as :func:`moments_nlp.moments` finds it from the clause that mentions it),
  ``span._.moment_proba`` (the three probabilities of that moment) and ``span._.moment_evidence``
  (the clause it was read from). All mentions of one touchpoint share its moment; overlapping
  mentions of one touchpoint are merged into one span, and spans of different touchpoints may
  overlap (a span group allows it).

Settings (``config=`` of ``add_pipe``, saved in the pipeline's ``config.cfg``):

``model`` : str or None, default None
    A model folder (:meth:`MomentClassifier.save`); ``None`` is the default model shipped with
    the package. The folder is read when the pipeline is built (``spacy.load`` included), so a
    saved pipeline stores the path, not the model.
``vocabulary`` : str or None, default None
    A touchpoint vocabulary file (JSON / YAML) that extends the default one.
``spans_key`` : str, default "moments"

The component reads ``doc.text`` only, so it works after any tokenizer or pipeline.

Examples
--------
>>> import spacy
>>> nlp = spacy.blank("en")
>>> _ = nlp.add_pipe("moments_nlp")
>>> doc = nlp("The crew was wonderful but my tray table was broken")
>>> max(doc.cats, key=doc.cats.get) in ("magic", "ordinary", "misery")
True
>>> [(span.text, span.label_, span._.moment) for span in doc.spans["moments"]]
[('crew', 'staff', 'magic'), ('tray table was broken', 'facilities', 'misery'),
 ('broken', 'product_quality', 'misery')]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from moments_nlp.insight.moments import GENERAL, moments
from moments_nlp.insight.touchpoint_matcher import matcher_for
from moments_nlp.labels import LABELS
from moments_nlp.model._parallel import single_process
from moments_nlp.model.persist import load_model

__all__ = ["MomentsComponent", "make_moments_component"]

for _name in ("moment", "moment_proba", "moment_evidence"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class MomentsComponent:
    """The pipeline component behind the ``"moments_nlp"`` factory (see the module docstring).

    Parameters
    ----------
    nlp : spacy.language.Language
    name : str
    model : str or None
        A model folder, or None for the shipped default model.
    vocabulary : str or None
        Extra touchpoints (a JSON / YAML file).
    spans_key : str
        Key of ``doc.spans`` that receives the touchpoint spans.
    batch_size : int
        Docs scored together by :meth:`pipe`.

    Examples
    --------
    >>> import spacy
    >>> component = MomentsComponent(spacy.blank("en"), "moments_nlp")
    >>> doc = component(spacy.blank("en")("The app keeps crashing"))
    >>> [(s.text, s.label_, s._.moment) for s in doc.spans["moments"]]
    [('app', 'digital', 'misery'), ('keeps crashing', 'digital', 'misery')]
    """

    def __init__(self, nlp: Language, name: str, *, model: str | None = None,
                 vocabulary: str | None = None, spans_key: str = "moments",
                 batch_size: int = 256) -> None:
        self.name = name
        self.model_path = model
        self.vocabulary = vocabulary
        self.spans_key = spans_key
        self.batch_size = batch_size
        # nlp.pipe(n_process=...) already runs in several processes: score in this one
        self.model = single_process(load_model(model))

    def __call__(self, doc: Doc) -> Doc:
        return self._annotate([doc])[0]

    def pipe(self, stream: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        """Annotate docs in batches (one model call per batch)."""
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        texts = [doc.text for doc in docs]
        proba = self.model.predict_proba(texts)
        rows = moments(texts, model=self.model, vocabulary=self.vocabulary)
        rows = rows[rows["touchpoint"] != GENERAL]
        found: dict[tuple[int, str], Any] = {
            (int(row.text_id), str(row.touchpoint)): row for row in rows.itertuples(index=False)}
        mentions = matcher_for(self.vocabulary).find_spans(texts)
        for i, (doc, spans) in enumerate(zip(docs, mentions)):
            scores = {label: float(proba[label].iloc[i]) for label in LABELS}
            if not any(math.isnan(p) for p in scores.values()):  # a blank doc has no label
                doc.cats = scores
            group = []
            for touchpoint, start, end in _merged(spans):
                span = doc.char_span(start, end, label=touchpoint, alignment_mode="expand")
                row = found.get((i, touchpoint))
                if span is None or row is None:
                    continue
                span._.moment = str(row.moment)
                span._.moment_proba = {label: float(getattr(row, f"p_{label}"))
                                       for label in LABELS}
                span._.moment_evidence = str(row.evidence)
                group.append(span)
            doc.spans[self.spans_key] = group
        return docs


def _merged(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping mentions of one touchpoint as one span (``"app"``, ``"keeps crashing"``
    stay two; ``"crashing"`` inside ``"keeps crashing"`` is not a third), in text order."""
    out: list[list[Any]] = []
    for touchpoint, start, end in sorted(spans, key=lambda m: (m[0], m[1], -m[2])):
        if out and out[-1][0] == touchpoint and start < out[-1][2]:
            out[-1][2] = max(out[-1][2], end)
        else:
            out.append([touchpoint, start, end])
    return [(str(t), int(s), int(e)) for t, s, e in sorted(out, key=lambda m: (m[1], m[2]))]


@Language.factory("moments_nlp", default_config={"model": None, "vocabulary": None,
                                                 "spans_key": "moments", "batch_size": 256})
def make_moments_component(nlp: Language, name: str, model: str | None,
                           vocabulary: str | None, spans_key: str,
                           batch_size: int) -> MomentsComponent:
    """The ``"moments_nlp"`` factory (registered by the ``spacy_factories`` entry point).

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> nlp.add_pipe("moments_nlp", config={"spans_key": "mots"}).spans_key
    'mots'
    """
    return MomentsComponent(nlp, name, model=model, vocabulary=vocabulary, spans_key=spans_key,
                            batch_size=batch_size)
