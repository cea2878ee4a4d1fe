"""The source catalogue: data/sources.toml, its row filters, derived sources and model table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.training.catalogue import (
    FILTERS,
    derived_rows,
    load_source,
    model_params,
    read_catalogue,
)


def test_catalogue_entries_are_complete() -> None:
    catalogue = read_catalogue()
    assert catalogue["airline"].role == "evaluation only"
    for source in catalogue.values():
        assert source.license and source.attribution and source.labels
        assert source.share >= 0
        if source.filter is not None:
            assert source.filter in FILTERS
    params = model_params()
    assert {"C", "min_df", "sentence_vote"} <= set(params)


def test_unknown_filter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[sources.x]\nfile = "repo:x.csv"\ndomain = "x"\nrole = "train"\n'
                    'license = "MIT"\nattribution = "x"\nlabels = "x"\nshare = 1.0\n'
                    'filter = "nope"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="has filter 'nope'"):
        read_catalogue(path)


def test_question_label_filter_keeps_worded_answers() -> None:
    frame = pd.DataFrame({
        "text": ["Nothing, all fine", "Cannot think of anything", "Staff were lovely",
                 "Nothing worked", "Nothing to add"],
        "label": ["magic", "magic", "magic", "misery", "magic"],
        "question": ["How could we improve?", "What could we do better?",
                     "How could we improve?", "How could we improve?", "FFT Why?"]})
    assert FILTERS["question_label"](frame).tolist() == [True, True, False, False, False]


def test_derived_rows_take_sentences_of_long_texts() -> None:
    source = read_catalogue()["nhs_sentences"]
    parent = pd.DataFrame({"text": ["The staff were lovely. The nurses were wonderful and kind.",
                                    "The staff were lovely and kind.",
                                    "The staff were lovely. The food was awful and cold."],
                           "label": ["magic", "magic", "ordinary"]}, index=[7, 8, 9])
    rows = derived_rows(source, parent)
    assert len(rows) >= 1 and set(rows["parent"]) <= {7, 9}  # min_sentences 2: not row 8
    assert list(rows.columns) == ["text", "label", "parent"]
    assert derived_rows(source, parent.loc[[8]]).empty


def test_nhs_filter_drops_train_rows_only(shared_data: Path) -> None:
    source = read_catalogue()["nhs"]
    whole = load_source(source, "train", apply_filter=False)
    dropped = int(FILTERS["question_label"](whole).sum())
    assert 100 < dropped < 400
    test = load_source(source, "test")
    assert len(test) == 1016
