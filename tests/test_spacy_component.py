"""Tests for moments_nlp.insight.spacy_component: the "moments_nlp" spaCy pipeline component."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import spacy

import moments_nlp as mn
from moments_nlp.labels import LABELS

TEXTS = ["The crew was wonderful but my tray table was broken",
         "The support agent was polite, but the issue is still not resolved.",
         "Thanks!", "", "The app keeps crashing and the refund never came",
         "Lovely food, rude waiter."] * 3


def _summary(doc: spacy.tokens.Doc, key: str = "moments") -> tuple[object, ...]:
    return (doc.text, tuple(round(doc.cats[label], 9) for label in doc.cats),
            tuple((s.start_char, s.end_char, s.label_, s._.moment) for s in doc.spans[key]))


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("moments_nlp")
    return pipeline


def test_the_entry_point_is_installed() -> None:
    points = metadata.entry_points(group="spacy_factories")
    assert "moments_nlp" in {point.name for point in points}


def test_cats_and_moment_spans(nlp: spacy.language.Language) -> None:
    doc = nlp("The crew was wonderful but my tray table was broken")
    assert set(doc.cats) == set(LABELS)
    assert abs(sum(doc.cats.values()) - 1.0) < 1e-6
    expected = mn.load().predict_proba([doc.text]).iloc[0]
    assert all(abs(doc.cats[label] - expected[label]) < 1e-9 for label in LABELS)
    spans = {span.label_: span for span in doc.spans["moments"]}
    assert spans["staff"].text == "crew" and spans["staff"]._.moment == "magic"
    assert spans["facilities"]._.moment == "misery"
    assert spans["facilities"]._.moment_evidence == "my tray table was broken"
    assert set(spans["staff"]._.moment_proba) == set(LABELS)
    rows = mn.moments([doc.text]).set_index("touchpoint")
    assert {s.label_: s._.moment for s in doc.spans["moments"]} == rows["moment"].to_dict()


def test_unresolved_issue_and_texts_without_touchpoints(nlp: spacy.language.Language) -> None:
    doc = nlp("The support agent was polite, but the issue is still not resolved.")
    assert {s.label_: s._.moment for s in doc.spans["moments"]}["resolution"] == "misery"
    doc = nlp("Thanks!")
    assert list(doc.spans["moments"]) == [] and set(doc.cats) == set(LABELS)
    doc = nlp("   ")
    assert list(doc.spans["moments"]) == [] and doc.cats == {}


def test_pipe_in_two_processes_matches_one(nlp: spacy.language.Language) -> None:
    one = [_summary(doc) for doc in nlp.pipe(TEXTS, batch_size=4)]
    two = [_summary(doc) for doc in nlp.pipe(TEXTS, batch_size=4, n_process=2)]
    assert one == two == [_summary(nlp(text)) for text in TEXTS]


def test_to_disk_and_spacy_load(tmp_path: Path) -> None:
    from moments_nlp.model.persist import resolve_model_path

    folder = str(resolve_model_path(None))
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.add_pipe("moments_nlp", config={"model": folder, "spans_key": "mots"})
    pipeline.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["sentencizer", "moments_nlp"]
    assert loaded.get_pipe("moments_nlp").model_path == folder
    assert [_summary(d, "mots") for d in loaded.pipe(TEXTS[:6])] == [
        _summary(d, "mots") for d in pipeline.pipe(TEXTS[:6])]


def test_a_fresh_interpreter_finds_the_factory_without_importing_the_package() -> None:
    code = ("import spacy, sys; nlp = spacy.blank('en'); nlp.add_pipe('moments_nlp'); "
            "doc = nlp('The pasta was cold'); "
            "print([s.label_ for s in doc.spans['moments']], sorted(doc.cats)); "
            "print('moments_nlp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout.split("\n")
    assert out[0] == "['food_drink'] ['magic', 'misery', 'ordinary']"
