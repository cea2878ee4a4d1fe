"""Label survey exports of any size: ``label_file`` streams a file through the model.

* **Lossless**: every input row and column, in order, plus ``moment``, ``confidence`` and
  ``p_magic`` / ``p_ordinary`` / ``p_misery``, ``familiarity``, ``non_answer``,
  ``needs_review`` and ``language_ok``. A CSV output is written in the input's delimiter and
  encoding (``output_sep`` / ``output_encoding`` to choose). Rows with a blank text are kept,
  unlabeled;
  non-answers (``"n/a"``, ``"No comment"``, a number alone) are ``ordinary`` and counted.
  See :mod:`moments_nlp.io.read` for how cells are read.
* **Streaming**: CSV, TSV, JSONL and Parquet go through in chunks of ``chunk_size`` rows, so
  memory does not grow with the file.
* **Safe output**: rows go to a temporary file next to the output, moved into place only when
  complete. An error or Ctrl-C removes it; an existing output is kept unless ``force=True``.
* **Progress**: a tqdm bar over rows, off when stderr is not a terminal (``show_progress=None``).
* **Multi-core**: ``n_process`` worker processes each run the whole model on a share of every
  chunk; **Dask**: ``dask="tcp://scheduler:8786"`` (or ``"local"``) sends chunks to a cluster.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "survey.csv").write_text("id,comment\\n1,The crew was wonderful\\n2,\\n")
>>> summary = label_file(folder / "survey.csv", folder / "labeled.csv", text_column="comment")
>>> summary.rows, summary.labeled, summary.blank, summary.non_answers
(2, 1, 1, 0)
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from moments_nlp.errors import InputError, OutputExistsError, option
from moments_nlp.insight.moments import moments as find_moments
from moments_nlp.io._dask import label_chunks_on_cluster
from moments_nlp.io._label_table import added_columns, check_min_confidence, without_added
from moments_nlp.io._summary import LabelSummary, Tally, output_cells, output_dialect
from moments_nlp.io.read import (
    Layout,
    count_rows,
    file_format,
    inspect_layout,
    iter_chunks,
    open_writer,
    text_values,
)
from moments_nlp.labels import LABELS
from moments_nlp.model._parallel import worker_pool
from moments_nlp.model.persist import load_model

__all__ = ["LabelSummary", "label_file"]


def _same_file(source: Path, target: Path) -> bool:
    """Whether ``target`` is ``source``: the same path after resolving, or the same inode."""
    if source.resolve() == target.resolve():
        return True
    try:
        return target.exists() and os.path.samefile(source, target)
    except OSError:
        return False


def _check_paths(source: Path, target: Path, *, force: bool) -> None:
    file_format(source)
    file_format(target)
    if not source.is_file():
        raise InputError(f"no such input file: {source}")
    if _same_file(source, target):
        raise InputError(f"the output {target} is the input file {source}; labeling never "
                         "overwrites its input, even with ", option("force", True),
                         ": give another output name")
    if target.exists() and not force:
        raise OutputExistsError(f"{target} exists; pass ", option("force", True),
                                " to overwrite it")
    if target.is_dir():
        raise InputError(f"output {target} is a folder; give a file name such as labeled.csv")
    if not target.parent.is_dir():
        raise InputError(f"output folder {target.parent} does not exist")


class _Checked:
    """Chunks checked for clashing columns, with the texts of a dotted path as a column.

    A nested text column (``response.comment``) is added to each chunk for labeling;
    ``added`` says so, and :func:`_without` drops it again before writing.
    """

    def __init__(self, chunks: Iterator[pd.DataFrame], text_column: str, *,
                 overwrite: bool) -> None:
        self._chunks = chunks
        self.text_column = text_column
        self.overwrite = overwrite
        self.added = False
        self.originals: list[str] = []

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for chunk in self._chunks:
            clash = without_added(chunk.columns, added_columns(), overwrite=self.overwrite)
            self.originals = [str(c) for c in chunk.columns if c not in clash]
            texts = text_values(chunk, self.text_column)
            if self.text_column not in chunk.columns:
                chunk = chunk.assign(**{self.text_column: texts})
                self.added = True
            yield chunk


def _without(labeled_chunks: Iterator[pd.DataFrame],
             checked: _Checked) -> Iterator[pd.DataFrame]:
    for labeled in labeled_chunks:
        yield labeled.drop(columns=[checked.text_column]) if checked.added else labeled


def _progress(total: int | None, show_progress: bool | None) -> Any:
    from tqdm import tqdm  # tqdm.auto warns in notebooks without ipywidgets

    disable = None if show_progress is None else not show_progress
    return tqdm(total=total, unit="rows", desc="labeling", disable=disable, smoothing=0.1)


def label_file(input: str | Path, output: str | Path, *, text_column: str,
               model: Any = None, chunk_size: int = 20_000, n_process: int = 1,
               show_progress: bool | None = None, force: bool = False,
               min_confidence: float | None = None, dask: str | None = None,
               sep: str | None = None, encoding: str | None = None,
               skip_rows: int | None = None, sheet: str | int | None = None,
               header_row: int | None = None, moments: str | Path | None = None,
               overwrite: bool = False, output_sep: str | None = None,
               output_encoding: str | None = None) -> LabelSummary:
    """Label every row of a survey export and write it, with the labels, to ``output``.

    Parameters
    ----------
    input : str or Path
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.jsonl``, ``.parquet`` or ``.xlsx``.
    output : str or Path
        Any of the same formats (chosen by extension, independent of the input's).
    text_column : str
        The column holding the feedback text; a dotted path such as ``response.comment`` picks
        a field of nested records (JSONL objects, Parquet structs).
    model : MomentClassifier, optional
        Default: the model shipped with the package (:func:`moments_nlp.load`).
    chunk_size : int, default 20000
        Rows read, labeled and written at a time.
    n_process : int, default 1
        Worker processes; each runs the whole model on a share of every chunk.
    show_progress : bool, optional
        ``None`` shows a progress bar only when stderr is a terminal; True / False force it.
    force : bool, default False
        Overwrite an existing ``output``. The input itself is never overwritten: an ``output``
        (or ``moments``) that is the input file (the same path, a symlink or hard link to it)
        is an error even with ``force=True``.
    min_confidence : float, optional
        ``needs_review`` is True where the confidence is below this, from 0 to 1 (default
        0.5).
    dask : str, optional
        Label on a Dask cluster: a scheduler address (``"tcp://host:8786"``) or ``"local"`` for
        a local cluster of ``n_process`` (at least 2) worker processes.
    sep : str, optional
        CSV / TSV delimiter (``","``, ``";"``, ``"tab"``, ``"|"``, ...). Default: sniffed among
        those four for ``.csv``, tab for ``.tsv``.
    encoding : str, optional
        Encoding of a CSV / TSV / JSONL input. Default: UTF-8 if the file is valid UTF-8, else
        detected (charset-normalizer); the summary says which.
    skip_rows : int, optional
        Rows after the header that are not data. Default: 2 for a Qualtrics export (its
        question-text and ``{"ImportId": ...}`` rows, detected), else 0.
    sheet : str or int, optional
        ``.xlsx`` input: the sheet to read, by name or by position from 0. Default: the first.
    header_row : int, optional
        ``.xlsx`` input: the row holding the column names, numbered from 1 as in Excel (rows
        above it are not read). Default: 1.
    moments : str or Path, optional
        Also write the moments per touchpoint (:func:`moments_nlp.insight.moments.moments`) to this
        file, any format as for ``output``; ``text_id`` is the 0-based row of the input.
    overwrite : bool, default False
        Replace the columns labeling adds when the input has them already (an already labeled
        file); without it, such an input is an error.
    output_sep, output_encoding : str, optional
        Delimiter and encoding of a CSV / TSV output. Default: the input's own when it is CSV /
        TSV (a cp1252 ``;`` export is written as cp1252 ``;``), else ``,`` and UTF-8. The
        summary says which.

    Returns
    -------
    LabelSummary

    Raises
    ------
    OutputExistsError
        If ``output`` exists and ``force`` is False (a ``FileExistsError`` too).
    ColumnNotFoundError
        If ``text_column`` is absent (the message lists the available columns).
    RaggedRowsError
        For a CSV / TSV row with more or fewer fields than the header (line and counts).
    InputError
        For unreadable, empty or unsupported files (an ``.xlsx`` or gzip file named ``.csv`` is
        named as such), a text column holding dicts or lists, or an input that already has the
        added columns.
    MissingExtraError
        For Parquet / Excel / Dask without their optional dependencies.
    """
    start = time.perf_counter()
    source, target = Path(input), Path(output)
    _check_paths(source, target, force=force)
    min_confidence = check_min_confidence(min_confidence)
    if model is None:
        model = load_model()
    if moments is not None:
        _check_paths(source, Path(moments), force=force)
        if _same_file(Path(moments), target):
            raise InputError(f"the moments file must differ from the output {target}")
    layout = inspect_layout(source, sep=sep, encoding=encoding, skip_rows=skip_rows,
                            sheet=sheet, header_row=header_row)
    dialect = output_dialect(layout, file_format(target), sep=output_sep,
                             encoding=output_encoding)
    checked = _Checked(iter_chunks(source, chunk_size=chunk_size, columns=[text_column],
                                   layout=layout), text_column, overwrite=overwrite)
    chunks = iter(checked)
    sink = None if moments is None else _MomentsSink(Path(moments), model, text_column)
    report = _Report(source, target, show_progress, start, layout, dialect, checked, sink)
    if dask is not None:
        labeled_chunks = label_chunks_on_cluster(
            model, chunks, dask, text_column=text_column, min_confidence=min_confidence,
            n_workers=max(2, n_process), overwrite=overwrite)
        return _write(_without(labeled_chunks, checked), report)
    if n_process > 1:
        previous = model.n_process
        model.set_n_process(n_process)
        try:
            with worker_pool(model, n_process):  # started before any thread (progress bar)
                labeled_chunks = _label_chunks(model, chunks, text_column, min_confidence,
                                               overwrite)
                return _write(_without(labeled_chunks, checked), report)
        finally:
            model.set_n_process(previous)
    labeled_chunks = _label_chunks(model, chunks, text_column, min_confidence, overwrite)
    return _write(_without(labeled_chunks, checked), report)


def _label_chunks(model: Any, chunks: Iterator[pd.DataFrame], text_column: str,
                  min_confidence: float, overwrite: bool) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        # skip_rows=0: the reader skipped the header rows (inspect_layout)
        yield model.label(chunk, text_column, min_confidence=min_confidence, skip_rows=0,
                          overwrite=overwrite)


def _temp_beside(target: Path) -> Path:
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".part")
    os.close(handle)
    temp = Path(temp_name)
    umask = os.umask(0)
    os.umask(umask)
    temp.chmod(0o666 & ~umask)  # mkstemp makes 0600 files; the output gets the usual mode
    return temp


class _MomentsSink:
    """The ``moments=`` file: moments of each labeled chunk, moved into place at the end."""

    def __init__(self, target: Path, model: Any, text_column: str) -> None:
        self.target, self.model, self.text_column = target, model, text_column
        self.temp = _temp_beside(target)
        self.writer = open_writer(self.temp, like=target)

    def write(self, labeled: pd.DataFrame) -> None:
        self.writer.write(find_moments(labeled[self.text_column], model=self.model))

    def finish(self, ok: bool) -> None:
        self.writer.close()
        if ok:
            os.replace(self.temp, self.target)
        else:
            self.temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Report:
    source: Path
    target: Path
    show_progress: bool | None
    start: float
    layout: Layout
    dialect: tuple[str, str, str]
    checked: _Checked
    sink: _MomentsSink | None = None


def _write(labeled_chunks: Iterator[pd.DataFrame], report: _Report) -> LabelSummary:
    source, target, sink = report.source, report.target, report.sink
    temp = _temp_beside(target)
    tally = Tally()
    out_fmt = file_format(target)
    sep, encoding, written = report.dialect
    try:
        writer = open_writer(temp, like=target, sep=sep, encoding=encoding)
        try:
            total = report.layout.rows if report.layout.rows is not None else count_rows(source)
            with _progress(total, report.show_progress) as bar:
                for labeled in labeled_chunks:
                    writer.write(output_cells(labeled, report.checked.originals,
                                              in_fmt=report.layout.fmt, out_fmt=out_fmt,
                                              text_column=report.checked.text_column))
                    if sink is not None:
                        sink.write(labeled)
                    tally.add(labeled)
                    bar.update(len(labeled))
        finally:
            writer.close()
        if sink is not None:
            sink.finish(ok=True)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        if sink is not None:
            sink.finish(ok=False)
        raise
    labeled_rows = sum(tally.counts.values())
    return LabelSummary(
        input=source, output=target, rows=tally.rows, labeled=labeled_rows,
        blank=tally.rows - labeled_rows,
        label_counts={label: tally.counts.get(label, 0) for label in LABELS},
        non_answers=tally.non_answers, needs_review=tally.review,
        cleaned_characters=writer.cleaned_characters, truncated_cells=writer.truncated_cells,
        seconds=time.perf_counter() - report.start, layout=report.layout,
        not_english=tally.not_english, written=written,
    )
