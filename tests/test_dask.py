"""Dask scale-out on a real LocalCluster with two worker processes."""

from __future__ import annotations

import os
import pickle
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.errors import ColumnNotFoundError
from moments_nlp.io import _dask, read_table
from moments_nlp.model.estimator import OUTPUT_COLUMNS

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

TEXTS = ["The crew was wonderful", "", None, "Lost my bag 😡 and nobody helped", "NA",
         "服务很好", "<b>ok</b> &amp; fine", "line\r\nbreak", "  ", "Seats were fine I guess"]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One cluster for the whole module: starting worker processes is slow."""
    # ":0": the scheduler's HTTP server takes a free port; with None it tries 8787, and when
    # another cluster on the machine holds 8787 it leaks a socket (a ResourceWarning)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


@pytest.fixture(scope="module")
def model() -> mn.MomentClassifier:
    return mn.load()


def _frame(n: int = 80) -> pd.DataFrame:
    return pd.DataFrame({"row": range(n), "channel": ["web", "app"] * (n // 2),
                         "comment": [TEXTS[i % len(TEXTS)] for i in range(n)]})


def test_labels_are_identical_to_the_pandas_path(client: Any,
                                                 model: mn.MomentClassifier) -> None:
    frame = _frame()
    expected = model.label(frame, "comment", min_confidence=0.8)
    lazy = model.label(dd.from_pandas(frame, npartitions=5), text_column="comment",
                       min_confidence=0.8)
    added = [*OUTPUT_COLUMNS, "needs_review", "language_ok"]
    assert list(lazy.columns) == [*frame.columns, *added]
    for column in added:  # meta matches what partitions hold
        assert lazy._meta[column].dtype == expected[column].dtype, column
    got = client.compute(lazy).result()
    assert got["moment"].tolist() == expected["moment"].tolist()
    numeric = [c for c in OUTPUT_COLUMNS[1:] if c != "non_answer"]
    np.testing.assert_allclose(got[numeric], expected[numeric], rtol=1e-12)
    for column in ("non_answer", "needs_review", "language_ok"):
        assert got[column].tolist() == expected[column].tolist()


class _CountingModel(mn.MomentClassifier):
    """Writes the process id to a file every time it is unpickled."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        with open(state["log_path"], "a") as log:
            log.write(f"{os.getpid()}\n")


def _counting(model: mn.MomentClassifier, log: Path) -> _CountingModel:
    counting = _CountingModel.__new__(_CountingModel)
    counting.__dict__.update(model.__dict__)
    counting.log_path = str(log)
    return counting


def test_the_model_is_one_key_of_the_graph(model: mn.MomentClassifier) -> None:
    lazy = model.label(dd.from_pandas(_frame(160), npartitions=16), text_column="comment")
    graph = dict(lazy.__dask_graph__())
    holders = [key for key, task in graph.items()
               if isinstance(getattr(task, "value", task), _dask._Shipped)]
    assert len(holders) == 1, holders  # not one copy per partition
    assert sum(1 for task in graph.values()
               if holders[0] in getattr(task, "dependencies", ())) == 16


def test_a_process_unpickles_a_shipped_model_once(model: mn.MomentClassifier,
                                                  tmp_path: Path) -> None:
    log = tmp_path / "unpickled.log"
    shipped = _dask._Shipped(_counting(model, log))
    first = pickle.loads(pickle.dumps(shipped))
    again = pickle.loads(pickle.dumps(shipped))  # as when a key is sent again
    relayed = pickle.loads(pickle.dumps(first))  # a copy passed on by a worker: same token
    assert first is again is relayed and first.token == shipped.token
    assert first.model.predict(["Superb crew"]) == ["magic"]
    assert log.read_text().split() == [str(os.getpid())]


def test_the_model_reaches_each_worker_once(client: Any, model: mn.MomentClassifier,
                                            tmp_path: Path) -> None:
    counting = _counting(model, tmp_path / "unpickled.log")
    lazy = counting.label(dd.from_pandas(_frame(160), npartitions=16), text_column="comment")
    assert len(client.compute(lazy).result()) == 160
    workers = set(map(str, client.run(os.getpid).values()))
    pids = Counter(Path(counting.log_path).read_text().split())
    assert set(pids) <= workers | {str(os.getpid())}
    pids.pop(str(os.getpid()), None)  # the scheduler runs in this process
    # 16 partitions, at most one model built per worker process, however often the scheduler
    # moves the key (the Active Memory Manager drops spare replicas; stealing fetches them back)
    assert pids and max(pids.values()) == 1, pids


def test_missing_column_lists_the_available_ones(model: mn.MomentClassifier) -> None:
    ddf = dd.from_pandas(_frame(4), npartitions=1)
    with pytest.raises(ColumnNotFoundError, match=r"'text'.*\['row', 'channel', 'comment'\]"):
        model.label(ddf, text_column="text")


def test_label_file_on_the_cluster_matches_local(client: Any, model: mn.MomentClassifier,
                                                 tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    _frame(90).to_json(source, orient="records", lines=True)
    local = mn.label_file(source, tmp_path / "local.parquet", text_column="comment",
                          model=model)
    remote = mn.label_file(source, tmp_path / "remote.parquet", text_column="comment",
                           model=model, chunk_size=7, dask=client.scheduler.address)
    assert (remote.rows, remote.labeled, remote.label_counts) == (
        local.rows, local.labeled, local.label_counts)
    pd.testing.assert_frame_equal(read_table(tmp_path / "remote.parquet"),
                                  read_table(tmp_path / "local.parquet"))


def test_the_accurate_model_labels_on_the_cluster_as_locally(client: Any) -> None:
    """The accurate tier's encoder travels to the workers as a handle (folder and hashes) and
    reopens its checked files there; the labels and probabilities match the pandas path."""
    accurate = mn.load("accurate")
    frame = _frame(40)
    expected = accurate.label(frame, "comment")
    got = client.compute(accurate.label(dd.from_pandas(frame, npartitions=4),
                                        text_column="comment")).result()
    assert got["moment"].tolist() == expected["moment"].tolist()
    np.testing.assert_allclose(got["p_misery"].to_numpy(dtype=float),
                               expected["p_misery"].to_numpy(dtype=float), atol=1e-6)
