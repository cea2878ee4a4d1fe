"""Fuzzing and concurrency: no crash on any text, one label per non-blank text, threads agree."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import moments_nlp as mn
from moments_nlp.text.preprocess import SpacyPreprocessor

EXAMPLES = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

emoji_sequences = st.lists(
    st.sampled_from(["😀", "😡", "👍🏽", "👨‍👩‍👧", "🇺🇸", "❤️", "✈️", "🤷‍♀️", "💩", "🙏"]),
    min_size=1, max_size=8,
).map("".join)
control = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20)
whitespace = st.text(alphabet=" \t\n\r\u00a0\u2003\u200b", max_size=20)
mixed_scripts = st.text(
    alphabet=st.sampled_from(list("abcXYZ日本語中文한국어العربيةрусскийΕλληνικά ,.!?:()&;#@$%")),
    max_size=200,
)
any_unicode = st.text(max_size=300)
long_texts = st.integers(min_value=5_000, max_value=60_000).map(
    lambda n: ("so slow " * (n // 8 + 1))[:n])
not_strings = st.one_of(st.none(), st.just(math.nan), st.integers(), st.floats(),
                        st.booleans(), st.dates(), st.just(pd.NA))
texts_strategy = st.one_of(any_unicode, emoji_sequences, control, whitespace, mixed_scripts,
                           st.just(""), st.just("&amp;&lt;b&gt;<br/>&#128512;"))


def _check_proba(frame: pd.DataFrame, n: int) -> None:
    assert list(frame.columns) == list(mn.LABELS)
    assert len(frame) == n
    values = frame.to_numpy()
    assert np.isfinite(values).all()
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-9)


@EXAMPLES
@given(st.lists(texts_strategy, min_size=1, max_size=6))
def test_preprocess_never_crashes(texts: list[str]) -> None:
    out = SpacyPreprocessor().transform(texts)
    assert len(out) == len(texts)
    assert all(isinstance(tok, str) and tok for doc in out for tok in doc)


@EXAMPLES
@given(st.lists(texts_strategy, min_size=1, max_size=6))
def test_predict_one_label_per_text(default_model: mn.MomentClassifier, texts: list[str]) -> None:
    labels = default_model.predict(texts)
    blank = [not text.strip() for text in texts]
    assert len(labels) == len(texts)
    assert all((label is None) if skip else label in mn.LABELS
               for label, skip in zip(labels, blank))
    proba = default_model.predict_proba(texts)
    assert proba[blank].isna().all().all()  # a blank text gets NaN, as in label()
    _check_proba(proba[[not skip for skip in blank]], len(texts) - sum(blank))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.one_of(texts_strategy, not_strings), min_size=1, max_size=6))
def test_label_blanks_unlabeled_rest_labeled(default_model: mn.MomentClassifier,
                                             cells: list[Any]) -> None:
    frame = pd.DataFrame({"id": range(len(cells)), "comment": pd.Series(cells, dtype=object)})
    out = default_model.label(frame, text_column="comment")
    assert list(out.columns[:2]) == ["id", "comment"] and list(out["id"]) == list(range(len(cells)))
    for cell, moment, p in zip(cells, out["moment"], out["p_magic"]):
        missing = cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell))
        text = "" if missing else str(cell)
        if text.strip():
            assert moment in mn.LABELS and 0.0 <= p <= 1.0
        else:
            assert moment is pd.NA and math.isnan(p)
    labeled = out[out["moment"].notna()]
    sums = labeled[[f"p_{label}" for label in mn.LABELS]].sum(axis=1)
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(long_texts)
def test_very_long_texts(default_model: mn.MomentClassifier, text: str) -> None:
    assert default_model.predict([text]) in (["magic"], ["ordinary"], ["misery"])


def test_threads_agree_with_sequential(default_model: mn.MomentClassifier,
                                       seed: pd.DataFrame) -> None:
    texts = list(seed["text"])
    chunks = [texts[i::8] for i in range(8)]
    sequential = [default_model.predict(chunk) for chunk in chunks]
    fresh = mn.load()  # a model nobody has used yet: its lazy spaCy set-up races too
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(fresh.predict, chunks * 3))
    assert threaded == sequential * 3


def test_bare_string_refused(default_model: mn.MomentClassifier) -> None:
    with pytest.raises(mn.InputError, match="got a single str; wrap it in a list"):
        default_model.predict("The crew was wonderful")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cells=st.lists(texts_strategy, min_size=1, max_size=5),
       formats=st.sampled_from([(".csv", ".csv"), (".jsonl", ".parquet"), (".tsv", ".jsonl"),
                                (".parquet", ".csv"), (".csv", ".xlsx")]))
def test_label_file_keeps_every_row(default_model: mn.MomentClassifier,
                                    tmp_path_factory: pytest.TempPathFactory,
                                    cells: list[str], formats: tuple[str, str]) -> None:
    from moments_nlp.io import read_table

    folder = tmp_path_factory.mktemp("fuzz")
    source, target = folder / f"in{formats[0]}", folder / f"out{formats[1]}"
    frame = pd.DataFrame({"row": [f"r{i}" for i in range(len(cells))], "comment": cells})
    if formats[0] == ".parquet":
        frame.to_parquet(source)
    elif formats[0] == ".jsonl":
        frame.to_json(source, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(source, index=False, sep="\t" if formats[0] == ".tsv" else ",",
                     lineterminator="\r\n")  # so that a lone "\r" in a cell is quoted
    summary = mn.label_file(source, target, text_column="comment", model=default_model,
                            show_progress=False)
    out = read_table(target)
    assert summary.rows == len(cells) == len(out)
    assert list(out["row"]) == list(frame["row"])
    blank = pd.Series([not cell.strip() for cell in cells])
    assert summary.blank == int(blank.sum())
    moments = out["moment"].fillna("").astype(str)
    assert (moments[blank] == "").all()
    assert moments[~blank].isin(mn.LABELS).all()
