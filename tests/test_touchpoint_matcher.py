"""Tests for moments_nlp.insight.touchpoint_matcher: lemma matchers and the vocabulary format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import moments_nlp as mn
from moments_nlp.errors import InputError
from moments_nlp.insight.touchpoint_matcher import (
    TOUCHPOINTS,
    default_vocabulary,
    load_vocabulary,
    touchpoints,
)

OBVIOUS = [
    ("The restroom was absolutely filthy.", "cleanliness"),
    ("We were left waiting 45 minutes at the counter.", "wait_time"),
    ("The agent at the desk was so rude to me.", "staff"),
    ("I was charged twice for the same order!", "price_billing"),
    ("Your app keeps crashing every time I open it.", "digital"),
    ("My parcel arrived late and damaged.", "delivery"),
]


@pytest.mark.parametrize(("text", "expected"), OBVIOUS)
def test_obvious_cases(text: str, expected: str) -> None:
    assert expected in touchpoints([text])[0]


@pytest.mark.parametrize("text", ["Thanks!", "ok", "I love this brand", "Never again.",
                                  "Happy new year everyone", "Can't wait to come back!",
                                  "I'm fine, thank you", "", "   "])
def test_does_not_fire_on_unrelated_text(text: str) -> None:
    assert touchpoints([text]) == [[]]


def test_negated_mentions_still_count() -> None:
    found = touchpoints(["No wait at all.", "No complaints about the staff.",
                         "The toilets were not clean."])
    assert found == [["wait_time"], ["staff"], ["cleanliness", "facilities"]]


def test_inflections_match_through_lemmas() -> None:
    assert touchpoints(["They overcharged me", "I queued forever", "parcels went missing"]) == [
        ["price_billing"], ["wait_time"], ["delivery"]]


def test_order_follows_vocabulary_and_is_unique() -> None:
    result = touchpoints(["The app crashed and the rude staff charged me, rude staff again"])[0]
    assert result == ["staff", "price_billing", "digital"]
    assert tuple(default_vocabulary()) == TOUCHPOINTS


def test_extend_and_replace_from_dict() -> None:
    extra = {"security": ["bouncer", "security guard"], "staff": ["steward"]}
    assert mn.touchpoints(["The bouncer and the steward"], vocabulary=extra) == [
        ["staff", "security"]]
    assert touchpoints(["The bouncer was rude"], vocabulary=extra, replace=True) == [["security"]]


def test_vocabulary_files(tmp_path: Path) -> None:
    as_json = tmp_path / "v.json"
    as_json.write_text(json.dumps({"parking": {"phrases": ["car park"], "words": ["valet"],
                                               "patterns": [[{"LOWER": "bay"}]]}}))
    assert touchpoints(["Car parks, valet and a bay"], vocabulary=as_json, replace=True) == [
        ["parking"]]
    as_yaml = tmp_path / "v.yaml"
    as_yaml.write_text("menu:\n  - menu\n  - specials board\n")
    assert touchpoints(["The specials board"], vocabulary=as_yaml, replace=True) == [["menu"]]


def test_bad_vocabularies(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown keys"):
        load_vocabulary({"x": {"phrase": ["a"]}})
    with pytest.raises(InputError, match="needs a list of phrases"):
        load_vocabulary({"x": "a"})
    with pytest.raises(InputError, match="must hold strings"):
        load_vocabulary({"x": [1]})
    with pytest.raises(InputError, match="vocabulary file not found"):
        load_vocabulary(tmp_path / "missing.json")
    bad = tmp_path / "v.txt"
    bad.write_text("x")
    with pytest.raises(InputError, match=r"must end in \.json"):
        load_vocabulary(bad)
    with pytest.raises(InputError, match="invalid spaCy token pattern"):
        touchpoints(["a"], vocabulary={"x": {"patterns": [[{"NOPE": 1}]]}})
    with pytest.raises(InputError, match="replace=True needs a vocabulary"):
        touchpoints(["a"], replace=True)


# issue 30: a matched word needs its sense (clothing reviews named these touchpoints wrongly)
@pytest.mark.parametrize(("text", "wrong"), [
    ("no raw edges or seams", "food_drink"),
    ("Cut out design, no seams or hems", "network"),
    ("my only reservations were the thickness", "booking"),
    ("i am nursing", "staff"),
    ("Oh so cozy!", "atmosphere"),
    ("the buttons across the chest were gaping", "digital"),
    ("Saw this top online and hoped for the best.", "digital"),
    ("i'm 5'9 and 135 pounds and a small is plenty big", "price_billing"),
    ("the base color is a very light peach", "atmosphere"),
    ("last summer I wore it every day", "product_quality"),
])
def test_word_senses_of_clothing_reviews(text: str, wrong: str) -> None:
    assert wrong not in touchpoints([text])[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("The chicken was raw in the middle", "food_drink"),
    ("The signal keeps cutting out", "network"),
    ("My call cut out twice", "network"),
    ("I booked a reservation for two", "booking"),
    ("The nurses were wonderful", "staff"),
    ("Lovely cozy restaurant", "atmosphere"),
    ("Click the button and nothing happens", "digital"),
    ("The online form kept crashing", "digital"),
    ("It cost 30 pounds", "price_billing"),
    ("The support agent was polite, but the issue is still not resolved.", "resolution"),
    ("They never fixed the fault", "resolution"),
])
def test_word_senses_keep_the_touchpoint_sense(text: str, expected: str) -> None:
    assert expected in touchpoints([text])[0]


def test_resolution_needs_a_problem_being_dealt_with() -> None:
    assert touchpoints(["The only problem is the length", "No problems at all"]) == [[], []]


def test_context_rules_and_pattern_excludes() -> None:
    vocab = {"venue": {"phrases": ["cozy"], "exclude": [[{"LOWER": "cozy"}, {"LOWER": "knit"}]],
                       "context": [{"terms": ["cozy"], "near": ["bar", "pub"], "window": 3}]},
             "garment": {"phrases": ["linen"],
                         "context": [{"terms": ["linen"], "unless_near": ["bed"]}]}}
    found = touchpoints(["A cozy little pub", "So cozy", "cozy knit at the bar", "linen dress",
                         "bed linen"], vocabulary=vocab, replace=True)
    assert found == [["venue"], [], [], ["garment"], []]
    with pytest.raises(InputError, match="one of 'near' / 'unless_near'"):
        load_vocabulary({"x": {"phrases": ["a"], "context": [{"terms": ["a"]}]}})
    with pytest.raises(InputError, match="rule dicts"):
        load_vocabulary({"x": {"phrases": ["a"], "context": ["a"]}})
