"""What :func:`~moments_nlp.io.batch.label_file` reports, and how its output keeps the input's form.

* :class:`LabelSummary`: the counts of a run, and its one-line report (``str()``).
* :func:`output_dialect`: the delimiter and encoding of a CSV / TSV output: the input's own when
  the input is CSV / TSV (a cp1252 ``;`` export is written back as cp1252 ``;``, which a
  European Excel opens as it opened the input), else ``,`` (tab for TSV) and UTF-8; given ones
  win.
* :func:`output_cells`: the input's columns as the output format should hold them: numbers read
  as CSV text are numbers in ``.xlsx``, and whole numbers that pandas holds as floats (an Excel
  column with an empty cell) are written ``9`` to CSV, not ``9.0``.

Examples
--------
>>> from moments_nlp.io._sniff import Layout
>>> output_dialect(Layout("csv", sep=";", encoding="cp1252"), "csv")
(';', 'cp1252', "delimiter ';', encoding cp1252 (as the input)")
>>> output_dialect(Layout("xlsx"), "csv")
(',', 'utf-8', "delimiter ',', encoding utf-8")
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from moments_nlp.errors import InputError, option
from moments_nlp.io._sniff import DELIMITERS, Layout, _parse_sep
from moments_nlp.io._writers import EXCEL_CELL_LIMIT
from moments_nlp.labels import LABELS

__all__ = ["LabelSummary", "Tally", "output_cells", "output_dialect", "plural"]

#: A CSV cell that is a number and reads back as the same number (no leading zero, no more
#: digits than a float holds exactly): written to ``.xlsx`` as a number.
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``"1 non-answer"``, ``"2 non-answers"``, ``"1,234 rows"``.

    Examples
    --------
    >>> plural(1, "character"), plural(0, "cell"), plural(2, "row", "rows")
    ('1 character', '0 cells', '2 rows')
    """
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


@dataclass(frozen=True)
class LabelSummary:
    """What :func:`~moments_nlp.io.batch.label_file` did; ``str()`` gives a one-line report.

    Attributes
    ----------
    input, output : pathlib.Path
    rows : int
        Rows read (= rows written).
    labeled : int
        Rows that got a label.
    blank : int
        Rows left unlabeled because their text was missing, empty or whitespace.
    label_counts : dict
        Rows per label, in ``LABELS`` order.
    non_answers : int
        Labeled rows that are non-answers (``"n/a"``, ``"No comment"``, ``"-"``, a number
        alone; see :mod:`moments_nlp.text._non_answers`): labeled ``ordinary`` by rule, not by the
        model, and included in ``labeled`` and in the ``ordinary`` count.
    needs_review : int or None
        Rows whose confidence is below ``min_confidence`` (0.5 unless given).
    not_english : int
        Labeled rows whose text does not read as English (``language_ok`` False).
    cleaned_characters, truncated_cells : int
        ``.xlsx`` output only: characters Excel cannot store that were removed, and cells cut
        to 32,767 characters.
    seconds : float
        Wall time.
    layout : Layout or None
        How the input was read: delimiter and encoding (detected or given) of CSV / TSV,
        header rows skipped (Qualtrics exports are detected).
    written : str
        How a CSV / TSV output was written (delimiter and encoding); empty for other formats.

    Examples
    --------
    >>> print(LabelSummary(Path("in.csv"), Path("out.csv"), rows=1, labeled=1, blank=0,
    ...                    label_counts={"magic": 1}, non_answers=1, needs_review=0))
    1 row read; 1 labeled (1 magic, 0 ordinary, 0 misery); 1 non-answer (n/a, no comment, ...)
    labeled ordinary; 0 blank left unlabeled; 0 need review -> out.csv
    """

    input: Path
    output: Path
    rows: int
    labeled: int
    blank: int
    label_counts: dict[str, int] = field(default_factory=dict)
    non_answers: int = 0
    needs_review: int | None = None
    cleaned_characters: int = 0
    truncated_cells: int = 0
    seconds: float = 0.0
    layout: Layout | None = None
    not_english: int = 0
    written: str = ""

    def __str__(self) -> str:
        counts = ", ".join(f"{self.label_counts.get(label, 0):,} {label}" for label in LABELS)
        read = f"{plural(self.rows, 'row')} read"
        if self.layout is not None and str(self.layout):
            read += f" ({self.layout})"
        parts = [read, f"{self.labeled:,} labeled ({counts})",
                 f"{plural(self.non_answers, 'non-answer')} (n/a, no comment, ...) labeled "
                 "ordinary", f"{self.blank:,} blank left unlabeled"]
        if self.needs_review is not None:
            parts.append(f"{self.needs_review:,} need{'s' if self.needs_review == 1 else ''} "
                         "review")
        if self.not_english:
            parts.append(f"{plural(self.not_english, 'text')} not in English (language_ok "
                         "False; the model reads English only)")
        if self.cleaned_characters or self.truncated_cells:
            parts.append(f"xlsx: {plural(self.cleaned_characters, 'character')} cleaned, "
                         f"{plural(self.truncated_cells, 'cell')} cut to "
                         f"{EXCEL_CELL_LIMIT:,} characters")
        if self.written:
            parts.append(f"written with {self.written}")
        if self.seconds > 0 and self.rows:
            rate = self.rows / self.seconds
            parts.append(f"{self.seconds:.1f}s ({rate:,.0f} rows/s)" if rate >= 10
                         else f"{self.seconds:.1f}s")
        return "; ".join(parts) + f" -> {self.output}"


class Tally:
    """Counts of the labeled chunks, as they are written."""

    def __init__(self) -> None:
        self.rows = 0
        self.counts: Counter[str] = Counter()
        self.review = 0
        self.non_answers = 0
        self.not_english = 0

    def add(self, labeled: pd.DataFrame) -> None:
        self.rows += len(labeled)
        self.counts.update(labeled["moment"].dropna().tolist())
        self.non_answers += int(labeled["non_answer"].fillna(False).sum())
        self.review += int(labeled["needs_review"].fillna(False).sum())
        self.not_english += int((~labeled["language_ok"].fillna(True)).sum())


def output_dialect(layout: Layout, out_fmt: str, *, sep: str | None = None,
                   encoding: str | None = None) -> tuple[str, str, str]:
    """``(delimiter, encoding, description)`` of a CSV / TSV output.

    The input's own when it is CSV / TSV (for a TSV output, the tab stays), else ``,`` (tab)
    and UTF-8; ``sep`` / ``encoding`` override.
    """
    if out_fmt not in ("csv", "tsv"):
        if sep is not None or encoding is not None:
            raise InputError(option("output_sep"), " and ", option("output_encoding"),
                             f" apply to a CSV or TSV output, not to {out_fmt}")
        return ",", "utf-8", ""
    from_input = layout.fmt in ("csv", "tsv")
    default_sep = "\t" if out_fmt == "tsv" else (
        layout.sep if from_input and layout.fmt == "csv" and layout.sep else ",")
    chosen_sep = _parse_sep(sep) if sep is not None else default_sep
    chosen = encoding or (layout.encoding if from_input and layout.encoding else "utf-8")
    try:
        codecs.lookup(chosen)
    except LookupError as exc:
        raise InputError(option("output_encoding"), f": unknown encoding {chosen!r}") from exc
    name = "utf-8 with BOM" if chosen.lower().replace("_", "-") == "utf-8-sig" else chosen
    how = f"delimiter {DELIMITERS.get(chosen_sep, repr(chosen_sep))}, encoding {name}"
    if from_input and sep is None and encoding is None and out_fmt == layout.fmt:
        how += " (as the input)"
    return chosen_sep, chosen, how


def _numbers(column: pd.Series) -> pd.Series | None:
    """A CSV text column whose non-empty cells are all plain numbers, as numbers; else None."""
    if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
        return None
    cells = column.dropna()
    filled = cells[cells.map(lambda v: isinstance(v, str) and v != "")]
    if filled.empty or len(filled) < len(cells) - int((cells == "").sum()):
        return None
    if not filled.map(lambda v: _NUMBER.fullmatch(v) is not None).all():
        return None
    return pd.Series([None if not isinstance(v, str) or v == "" else
                      (float(v) if "." in v else int(v)) for v in column],
                     index=column.index, dtype=object, name=column.name)


def output_cells(chunk: pd.DataFrame, originals: list[str], *, in_fmt: str,
                 out_fmt: str, text_column: str) -> pd.DataFrame:
    """The input's columns (``originals``) of a labeled chunk as the output format holds them.

    CSV / TSV -> ``.xlsx``: a column of plain numbers (``9``, ``-3.5``; not ``007``, not the
    text column) becomes numbers. Any input -> CSV / TSV: a float column holding only whole
    numbers (pandas reads an Excel column of integers with an empty cell as floats) is written
    as integers.

    Examples
    --------
    >>> chunk = pd.DataFrame({"nps": ["9", "", "10"], "id": ["007", "8", "9"]})
    >>> output_cells(chunk, ["nps", "id"], in_fmt="csv", out_fmt="xlsx",
    ...              text_column="c")["nps"].tolist()
    [9, None, 10]
    >>> output_cells(pd.DataFrame({"nps": [9.0, np.nan]}), ["nps"], in_fmt="xlsx",
    ...              out_fmt="csv", text_column="c")["nps"].tolist()
    [9, <NA>]
    """
    changed: dict[str, pd.Series] = {}
    for name in originals:
        if name == text_column or name not in chunk.columns:
            continue
        column = chunk[name]
        if out_fmt == "xlsx" and in_fmt in ("csv", "tsv"):
            numbers = _numbers(column)
            if numbers is not None:
                changed[name] = numbers
        elif out_fmt in ("csv", "tsv") and column.dtype.kind == "f":
            values = column.to_numpy()
            finite = values[~np.isnan(values)]
            if len(finite) and np.all(finite == np.round(finite)) and np.all(
                    np.abs(finite) < 2**53):
                changed[name] = column.astype("Int64")
    return chunk.assign(**changed) if changed else chunk
