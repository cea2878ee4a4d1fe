from __future__ import annotations

import math

import pytest

import moments_nlp as mn
from moments_nlp.errors import UnknownLabelError
from moments_nlp.labels import DISPLAY_NAMES, normalize_label, normalize_labels, stars_to_label


def test_vocabulary_is_closed_and_ordered() -> None:
    assert mn.LABELS == ("magic", "ordinary", "misery")
    assert [DISPLAY_NAMES[label] for label in mn.LABELS] == [
        "Moment of Magic", "Ordinary", "Moment of Misery"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Moment of Magic", "magic"), ("Magic", "magic"), ("MISERY", "misery"),
    ("positive", "magic"), ("neutral", "ordinary"), ("negative", "misery"),
    ("  moment-of-misery ", "misery"), ("Ordinary", "ordinary"), ("POS", "magic"),
])
def test_aliases(raw: str, expected: str) -> None:
    assert normalize_label(raw) == expected


def test_unknown_labels_listed_with_counts() -> None:
    with pytest.raises(UnknownLabelError, match=r"'great' \(2x\), 'meh' \(1x\)"):
        normalize_labels(["magic", "great", "meh", "great"])


def test_missing_label_is_unknown() -> None:
    with pytest.raises(UnknownLabelError, match=r"<missing> \(2x\)"):
        normalize_labels(["magic", None, math.nan])


def test_unknown_label_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="expected one of magic, ordinary, misery"):
        normalize_label("wonderful")


def test_stars() -> None:
    assert stars_to_label([1, 2, 3, 4, 5, "4", 5.0]) == [
        "misery", "misery", "ordinary", "magic", "magic", "magic", "magic"]
    with pytest.raises(UnknownLabelError, match=r"whole numbers 1-5; got 6 \(1x\), 2.5 \(1x\)"):
        stars_to_label([6, 2.5, 3])
