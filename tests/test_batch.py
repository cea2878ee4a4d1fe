"""label_file: every format pair on a nasty export, safe output, progress, processes."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import ColumnNotFoundError, InputError
from moments_nlp.io import EXCEL_CELL_LIMIT, batch, read_table
from moments_nlp.io._label_table import ADDED_COLUMNS

FORMATS = ["csv", "csv.gz", "tsv", "jsonl", "parquet", "xlsx"]
LONG = "The lounge was lovely but my bag was lost. " * 4_652  # ~200,000 characters
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def nasty_frame() -> pd.DataFrame:
    """A survey export with everything that goes wrong in real ones."""
    comments: list[Any] = [
        "The crew was wonderful, thank you!",
        "",
        "   \t ",
        None,
        "Loved it 😍🎉 best flight ever",
        "服务很好，谢谢 東京の空港はきれい",
        "bad\x07 control\x01 chars\x1f and \x00 nul",
        "<b>Terrible</b> &amp; slow <script>alert(1)</script>",
        'line one\r\nline two "quoted", with a comma',
        "NA",
        "None",
        LONG,
        "The crew was wonderful, thank you!",
        '=HYPERLINK("http://x.invalid","click")',
        "12345",
    ]
    ids = [f"R-{i:03d}" for i in range(len(comments))]
    ids[12] = ids[0]  # a duplicate row
    return pd.DataFrame({"response_id": ids, "nps": [10, 5, 7, 3, 9, 8, 1, 0, 4, 6, 6, 2, 10, 7, 5],
                         "comment": comments})


def _write_input(frame: pd.DataFrame, path: Path) -> None:
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        frame.to_csv(path, index=False)
    elif name.endswith(".tsv"):
        frame.to_csv(path, index=False, sep="\t")
    elif name.endswith(".jsonl"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:  # an .xlsx export cannot hold these characters nor cells over 32,767 characters
        clean = frame.copy()
        clean["comment"] = clean["comment"].map(
            lambda v: _excel_stored(v) if isinstance(v, str) else v)
        clean.to_excel(path, index=False)


def _canon(value: Any) -> str:
    """One spelling for a cell across formats: missing and empty are both ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _excel_stored(text: str) -> str:
    """What an .xlsx cell gives back: no illegal characters, cut, XML line ends (CRLF -> LF)."""
    return _ILLEGAL.sub("", text)[:EXCEL_CELL_LIMIT].replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(scope="module")
def model() -> mn.MomentClassifier:
    return mn.load()


@pytest.mark.parametrize("source_fmt", FORMATS)
@pytest.mark.parametrize("target_fmt", FORMATS)
def test_every_format_pair_keeps_every_row_and_column(
        tmp_path: Path, model: mn.MomentClassifier, source_fmt: str, target_fmt: str) -> None:
    source = tmp_path / f"in.{source_fmt}"
    target = tmp_path / f"out.{target_fmt}"
    _write_input(nasty_frame(), source)
    original = read_table(source)
    summary = mn.label_file(source, target, text_column="comment", model=model, chunk_size=4)

    out = read_table(target)
    assert list(out.columns) == [*original.columns, *ADDED_COLUMNS]
    assert len(out) == len(original) == summary.rows == 15
    expected = model.label(original, "comment")
    # original columns untouched (as text: formats differ in types), same order
    for column in original.columns:
        want = [_canon(v) for v in original[column]]
        if target_fmt == "xlsx":
            want = [_excel_stored(v) for v in want]
        assert [_canon(v) for v in out[column]] == want, column
    if source_fmt.split(".")[0] == target_fmt.split(".")[0] and target_fmt != "xlsx":
        pd.testing.assert_frame_equal(out[list(original.columns)], original)
    # blanks unlabeled, everything else labeled, same labels as the in-memory path
    blank = [_canon(v).strip() == "" for v in original["comment"]]
    assert [_canon(v) == "" for v in out["moment"]] == blank
    assert [_canon(v) for v in out["moment"]] == [_canon(v) for v in expected["moment"]]
    p_magic = [float(v) if _canon(v) else np.nan for v in out["p_magic"]]
    np.testing.assert_allclose(p_magic, expected["p_magic"], rtol=1e-6)
    # pandas.to_excel wrote '=HYPERLINK(...)' as a formula, never computed: an empty cell
    assert summary.blank == sum(blank) == (4 if source_fmt == "xlsx" else 3)
    assert summary.labeled == 15 - summary.blank == sum(summary.label_counts.values())
    if target_fmt == "xlsx":
        assert summary.truncated_cells == (1 if source_fmt != "xlsx" else 0)
        assert summary.cleaned_characters == (4 if source_fmt != "xlsx" else 0)
    else:
        assert summary.truncated_cells == summary.cleaned_characters == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_summary_line_says_what_happened(tmp_path: Path, model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    _write_input(nasty_frame(), source)
    summary = mn.label_file(source, tmp_path / "out.xlsx", text_column="comment", model=model,
                            min_confidence=0.99)
    line = str(summary)
    assert re.search(r"^15 rows read \(delimiter ',' \(detected\), encoding utf-8 \(detected\)\); "
                     r"12 labeled \(\d+ magic, \d+ ordinary, \d+ misery\); "
                     r"3 non-answers \(n/a, no comment, \.\.\.\) labeled ordinary; "
                     r"3 blank left unlabeled; \d+ needs? review; "
                     r"(\d+ texts? not in English \(language_ok False; the model reads English "
                     r"only\); )?xlsx: 4 characters cleaned, 1 cell cut to 32,767 characters; "
                     r"[\d.]+s( \([\d,]+ rows/s\))? -> .*out.xlsx$",
                     line), line
    assert "\n" not in line


def test_missing_column_lists_the_available_ones(tmp_path: Path,
                                                 model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    _write_input(nasty_frame(), source)
    with pytest.raises(ColumnNotFoundError, match=r"'text'.*\['response_id', 'nps', 'comment'\]"):
        mn.label_file(source, tmp_path / "out.csv", text_column="text", model=model)
    assert list(tmp_path.iterdir()) == [source]


def test_refuses_to_overwrite_without_force(tmp_path: Path, model: mn.MomentClassifier) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_input(nasty_frame(), source)
    target.write_text("precious")
    with pytest.raises(FileExistsError, match="force=True"):
        mn.label_file(source, target, text_column="comment", model=model)
    assert target.read_text() == "precious"
    mn.label_file(source, target, text_column="comment", model=model, force=True)
    assert len(read_table(target)) == 15


def test_already_labeled_input_is_refused(tmp_path: Path, model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["ok"], "moment": ["magic"]}).to_csv(source, index=False)
    with pytest.raises(InputError, match=r"already has columns \['moment'\]"):
        mn.label_file(source, tmp_path / "out.csv", text_column="comment", model=model)


def test_wrong_format_input_names_the_file(tmp_path: Path, model: mn.MomentClassifier) -> None:
    source = tmp_path / "export.parquet"
    source.write_text("id,comment\n1,hello\n")
    with pytest.raises(InputError, match=r"cannot read .*export\.parquet as parquet"):
        mn.label_file(source, tmp_path / "out.csv", text_column="comment", model=model)
    with pytest.raises(InputError, match=r"out\.docx: unsupported file type"):
        mn.label_file(source, tmp_path / "out.docx", text_column="comment", model=model)
    assert list(tmp_path.iterdir()) == [source]


class _Failing:
    """A writer that fails on its second chunk."""

    def __init__(self, inner: Any, exc: BaseException) -> None:
        self.inner, self.exc, self.calls = inner, exc, 0
        self.cleaned_characters = self.truncated_cells = 0

    def write(self, chunk: pd.DataFrame) -> None:
        self.calls += 1
        if self.calls == 2:
            raise self.exc
        self.inner.write(chunk)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_no_partial_file_is_left_on_error(tmp_path: Path, model: mn.MomentClassifier,
                                          monkeypatch: pytest.MonkeyPatch,
                                          exc: BaseException, fmt: str) -> None:
    source, target = tmp_path / "in.csv", tmp_path / f"out.{fmt}"
    _write_input(nasty_frame(), source)
    real = batch.open_writer
    monkeypatch.setattr(batch, "open_writer", lambda *a, **k: _Failing(real(*a, **k), exc))
    with pytest.raises(type(exc)):
        mn.label_file(source, target, text_column="comment", model=model, chunk_size=5)
    assert list(tmp_path.iterdir()) == [source]


def test_progress_bar_counts_rows(tmp_path: Path, model: mn.MomentClassifier,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.parquet"
    _write_input(nasty_frame(), source)
    mn.label_file(source, tmp_path / "a.csv", text_column="comment", model=model,
                  show_progress=True, chunk_size=5)
    assert "15/15" in capsys.readouterr().err
    mn.label_file(source, tmp_path / "b.csv", text_column="comment", model=model,
                  show_progress=False)
    assert capsys.readouterr().err == ""


def _many_rows(n: int) -> pd.DataFrame:
    base = nasty_frame()["comment"].tolist()[:11]
    texts = [f"{base[i % len(base)]} {i % 97}" if base[i % len(base)] else "" for i in range(n)]
    return pd.DataFrame({"row": range(n), "comment": texts})


def test_n_process_gives_the_same_labels(tmp_path: Path, model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    _many_rows(4_500).to_csv(source, index=False)
    one = mn.label_file(source, tmp_path / "one.csv", text_column="comment", model=model)
    two = mn.label_file(source, tmp_path / "two.csv", text_column="comment", model=model,
                        n_process=2, chunk_size=3_000)
    assert one.label_counts == two.label_counts
    pd.testing.assert_frame_equal(read_table(tmp_path / "one.csv"),
                                  read_table(tmp_path / "two.csv"))
    assert model.n_process == 1
    assert multiprocessing.active_children() == []


class _Exploding(mn.MomentClassifier):
    """Raises inside the worker processes (where ``n_process`` is 1)."""

    def _scores(self, texts: Any, *, familiar: bool) -> np.ndarray:
        if self.n_process == 1 and any("boom" in t for t in texts):
            raise RuntimeError("boom in a worker")
        return super()._scores(texts, familiar=familiar)


def test_worker_exception_is_raised_and_workers_stop(tmp_path: Path,
                                                      model: mn.MomentClassifier) -> None:
    bad = _Exploding.__new__(_Exploding)
    bad.__dict__.update(model.__dict__)
    frame = _many_rows(3_000)
    frame.loc[2_500, "comment"] = "boom"
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    with pytest.raises(RuntimeError, match="boom in a worker"):
        mn.label_file(source, target, text_column="comment", model=bad, n_process=2)
    assert list(tmp_path.iterdir()) == [source]
    assert multiprocessing.active_children() == []


def test_api_errors_name_api_parameters(tmp_path: Path) -> None:
    from moments_nlp.errors import InputError, OutputExistsError

    source = tmp_path / "survey.csv"
    source.write_text("comment\nLovely\n")
    out = tmp_path / "out.csv"
    out.write_text("x\n")
    with pytest.raises(OutputExistsError, match="pass force=True to overwrite it") as info:
        mn.label_file(source, out, text_column="comment")
    assert "--force" not in str(info.value) and isinstance(info.value, FileExistsError)
    with pytest.raises(InputError, match=r"is the input file .* even with force=True"):
        mn.label_file(source, source, text_column="comment", force=True)
    assert source.read_text() == "comment\nLovely\n"
