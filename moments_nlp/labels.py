"""The closed label vocabulary: one definition, display names and alias normalization.

Every other module imports :data:`LABELS` from here; no other file spells the labels out.

Examples
--------
>>> from moments_nlp.labels import LABELS, normalize_labels
>>> LABELS
('magic', 'ordinary', 'misery')
>>> normalize_labels(["Moment of Magic", "NEGATIVE", "neutral"])
['magic', 'misery', 'ordinary']
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final, Literal

from moments_nlp._texts import as_text_list, is_blank, is_missing
from moments_nlp.errors import InputError, UnknownLabelError

__all__ = [
    "LABELS",
    "DISPLAY_NAMES",
    "Label",
    "normalize_label",
    "normalize_labels",
    "labeled_texts",
    "nps_to_label",
    "score_labels",
    "stars_to_label",
]

Label = Literal["magic", "ordinary", "misery"]

#: The closed vocabulary, in a fixed order (probability columns follow it).
LABELS: Final[tuple[str, str, str]] = ("magic", "ordinary", "misery")

#: Human-readable names for reports and charts.
DISPLAY_NAMES: Final[Mapping[str, str]] = {
    "magic": "Moment of Magic",
    "ordinary": "Ordinary",
    "misery": "Moment of Misery",
}

_ALIASES: Final[Mapping[str, str]] = {
    # magic
    "magic": "magic",
    "moment of magic": "magic",
    "moments of magic": "magic",
    "moment_of_magic": "magic",
    "mom": "magic",
    "positive": "magic",
    "pos": "magic",
    "delight": "magic",
    "delighted": "magic",
    "promoter": "magic",
    "+": "magic",
    "1": "magic",
    # ordinary
    "ordinary": "ordinary",
    "neutral": "ordinary",
    "neu": "ordinary",
    "mixed": "ordinary",
    "okay": "ordinary",
    "ok": "ordinary",
    "passive": "ordinary",
    "0": "ordinary",
    # misery
    "misery": "misery",
    "moment of misery": "misery",
    "moments of misery": "misery",
    "moment_of_misery": "misery",
    "negative": "misery",
    "neg": "misery",
    "detractor": "misery",
    "complaint": "misery",
    "-": "misery",
    "-1": "misery",
}


def _key(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return " ".join(text.replace("-", " ").split()) if len(text) > 2 else text


def normalize_label(value: object) -> str:
    """Map one label spelling to the closed vocabulary.

    Parameters
    ----------
    value : object
        A label as found in user data, e.g. ``"Moment of Misery"``, ``"POSITIVE"``, ``" magic "``.

    Returns
    -------
    str
        One of :data:`LABELS`.

    Raises
    ------
    UnknownLabelError
        If the spelling is not known.

    Examples
    --------
    >>> normalize_label("  Moment of Misery ")
    'misery'
    """
    return normalize_labels([value])[0]


def normalize_labels(values: Iterable[object]) -> list[str]:
    """Map label spellings to the closed vocabulary, all at once.

    Missing values (``None``/NaN) count as unknown. The error lists every unknown value with its
    count, so that a whole column can be fixed in one pass.

    Parameters
    ----------
    values : iterable of object
        Labels as found in user data.

    Returns
    -------
    list of str
        One label of :data:`LABELS` per input value.

    Raises
    ------
    UnknownLabelError
        If any value is unknown; the message lists them with counts.

    Examples
    --------
    >>> normalize_labels(["Magic", "MISERY", "Ordinary"])
    ['magic', 'misery', 'ordinary']
    """
    out: list[str] = []
    unknown: Counter[str] = Counter()
    for value in values:
        if is_missing(value):
            unknown["<missing>"] += 1
            out.append("")
            continue
        label = _ALIASES.get(_key(value))
        if label is None:
            unknown[repr(value)] += 1
            out.append("")
        else:
            out.append(label)
    if unknown:
        listed = ", ".join(f"{name} ({count}x)" for name, count in unknown.most_common(20))
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise UnknownLabelError(
            f"unknown label values: {listed}{more}; expected one of {', '.join(LABELS)} "
            "or a known alias such as 'Moment of Magic', 'positive', 'neutral', 'negative'"
        )
    return out


def labeled_texts(texts: Iterable[object], labels: Iterable[object], *,
                  purpose: str) -> tuple[list[str], list[str]]:
    """Non-blank texts with their normalized labels, in input order (blank rows are skipped).

    Parameters
    ----------
    texts, labels : iterable
        Equally long; labels in any known spelling.
    purpose : str
        What the pairs are for, named in the error when none is left.

    Raises
    ------
    InputError
        Different lengths, or no non-blank text.
    UnknownLabelError
        Unknown labels, listed with counts.

    Examples
    --------
    >>> labeled_texts(["great", " ", "meh"], ["positive", "neutral", "neutral"], purpose="demo")
    (['great', 'meh'], ['magic', 'ordinary'])
    """
    text_list = as_text_list(texts)
    label_list = normalize_labels(labels)
    if len(text_list) != len(label_list):
        raise InputError(f"got {len(text_list)} texts but {len(label_list)} labels")
    pairs = [(t, lab) for t, lab in zip(text_list, label_list) if not is_blank(t)]
    if not pairs:
        raise InputError(f"no non-blank texts {purpose}")
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def _scale_to_label(values: Iterable[object], mapping: dict[int, str], what: str) -> list[str]:
    out: list[str] = []
    bad: Counter[str] = Counter()
    for value in values:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = float("nan")
        if number.is_integer() and int(number) in mapping:
            out.append(mapping[int(number)])
        else:
            bad[repr(value)] += 1
            out.append("")
    if bad:
        listed = ", ".join(f"{name} ({count}x)" for name, count in bad.most_common(20))
        raise UnknownLabelError(f"{what}; got {listed}")
    return out


def stars_to_label(values: Iterable[object]) -> list[str]:
    """Map star ratings to labels: 1-2 -> misery, 3 -> ordinary, 4-5 -> magic.

    Parameters
    ----------
    values : iterable of object
        Ratings on a 1 to 5 scale (ints, floats with no fraction, or their strings).

    Returns
    -------
    list of str

    Raises
    ------
    UnknownLabelError
        If a value is not a whole number from 1 to 5; the message lists them with counts.

    Examples
    --------
    >>> stars_to_label([1, 3, "5"])
    ['misery', 'ordinary', 'magic']
    """
    mapping = {1: "misery", 2: "misery", 3: "ordinary", 4: "magic", 5: "magic"}
    return _scale_to_label(values, mapping, "star ratings must be whole numbers 1-5")


def nps_to_label(values: Iterable[object]) -> list[str]:
    """Map NPS answers (0-10, "how likely are you to recommend us?") to labels.

    Detractors 0-6 -> misery, passives 7-8 -> ordinary, promoters 9-10 -> magic.

    Parameters
    ----------
    values : iterable of object
        Scores on the 0 to 10 scale (ints, floats with no fraction, or their strings).

    Returns
    -------
    list of str

    Raises
    ------
    UnknownLabelError
        If a value is not a whole number from 0 to 10; the message lists them with counts.

    Examples
    --------
    >>> nps_to_label([0, "6", 7, 8.0, "9", 10])
    ['misery', 'misery', 'ordinary', 'ordinary', 'magic', 'magic']
    """
    mapping = {score: "misery" if score <= 6 else "ordinary" if score <= 8 else "magic"
               for score in range(11)}
    return _scale_to_label(values, mapping, "NPS scores must be whole numbers 0-10")


def score_labels(values: Iterable[object], *, from_stars: bool = False,
                 from_nps: bool = False) -> list[str]:
    """Labels from label values, star ratings (``from_stars``) or NPS scores (``from_nps``).

    Examples
    --------
    >>> score_labels(["positive", "MISERY"]), score_labels([9], from_nps=True)
    (['magic', 'misery'], ['magic'])
    """
    if from_stars and from_nps:
        raise UnknownLabelError("from_stars and from_nps are two readings of a score: pass one")
    if from_stars:
        return stars_to_label(values)
    if from_nps:
        return nps_to_label(values)
    return normalize_labels(values)
