"""Dotted text columns into nested records, and text columns that hold dicts or lists."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import ColumnNotFoundError, InputError
from moments_nlp.io import read_table
from moments_nlp.io._nested import text_values

DATA = Path(__file__).parent / "data"
NESTED = DATA / "nested_response.jsonl"


def test_dotted_path_picks_the_nested_field() -> None:
    frame = read_table(NESTED, columns=["response.comment"])
    assert text_values(frame, "response.comment").tolist()[:2] == [
        "The crew was wonderful", "My bag was lost and nobody helped"]
    assert pd.isna(text_values(frame, "response.comment")[2])  # no comment: a missing text


def test_label_file_with_a_dotted_path_keeps_the_original_columns(
        tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    out = tmp_path / "out.jsonl"
    summary = mn.label_file(NESTED, out, text_column="response.comment", model=default_model)
    assert (summary.rows, summary.labeled, summary.blank) == (3, 2, 1)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    source = [json.loads(line) for line in NESTED.read_text().splitlines()]
    assert [{k: r[k] for k in ("id", "response")} for r in records] == source
    assert list(records[0]) == ["id", "response", "moment", "confidence", "p_magic",
                                "p_ordinary", "p_misery", "familiarity", "non_answer",
                                "needs_review", "language_ok"]
    assert [r["moment"] for r in records] == ["magic", "misery", None]


def test_nested_cells_are_json_in_csv_output(tmp_path: Path,
                                             default_model: mn.MomentClassifier) -> None:
    out = tmp_path / "out.csv"
    mn.label_file(NESTED, out, text_column="response.comment", model=default_model)
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert json.loads(back["response"][0]) == {"comment": "The crew was wonderful", "score": 9}


def test_a_dict_column_is_an_error_naming_the_column_and_row(
        tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    with pytest.raises(InputError, match=r"text column 'response' holds dict values, not text: "
                                         r"data row 1 is \{'comment'.*'response\.comment'"):
        mn.label_file(NESTED, tmp_path / "out.csv", text_column="response", model=default_model)
    assert not (tmp_path / "out.csv").exists()


def test_a_list_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "lists.jsonl"
    path.write_text('{"id": 1, "tags": "fine"}\n{"id": 2, "tags": ["late", "rude"]}\n')
    frame = read_table(path)
    with pytest.raises(InputError, match=r"'tags' holds list values, not text: data row 2"):
        text_values(frame, "tags")


def test_an_unknown_nested_field_lists_the_ones_there() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"'response\.text' not found .*"
                                                  r"\['response\.comment', 'response\.score'\]"):
        read_table(NESTED, columns=["response.text"])
    with pytest.raises(ColumnNotFoundError, match=r"'answer\.text' not found .*\['id', "):
        read_table(NESTED, columns=["answer.text"])


def test_a_real_column_with_a_dot_wins(tmp_path: Path) -> None:
    path = tmp_path / "dots.csv"
    path.write_text("id,response.comment\n1,Great\n")
    assert text_values(read_table(path), "response.comment").tolist() == ["Great"]
