"""Dask scale-out: label Dask DataFrames lazily, or send a file's chunks to a cluster.

``clf.label(ddf, text_column=...)`` (dispatched here) returns a lazy Dask DataFrame with the same
added columns as the pandas path, and the same labels: each partition goes through
:meth:`MomentClassifier.label`. The model is one key of the graph (``dask.delayed``), shared by
all partitions on a worker, never pickled per partition. It travels wrapped in
:class:`_Shipped`, which each worker process unpickles once: if the scheduler moves the key to a
worker again (the Active Memory Manager drops spare replicas, work stealing fetches them back),
the worker reuses the model it already built instead of building another.

Pointing it at a real cluster::

    from distributed import Client
    import dask.dataframe as dd, moments_nlp as mn

    client = Client("tcp://scheduler-host:8786")   # every worker: pip install moments-nlp
    ddf = dd.read_parquet("s3://bucket/survey/*.parquet")
    mn.load().label(ddf, text_column="comment").to_parquet("s3://bucket/labeled/")

Workers need ``moments-nlp`` (same version) installed; the model travels with the graph.

Examples
--------
>>> import pandas as pd, dask.dataframe as dd, moments_nlp as mn
>>> ddf = dd.from_pandas(pd.DataFrame({"comment": ["Superb crew", None]}), npartitions=1)
>>> lazy = mn.load().label(ddf, text_column="comment")
>>> list(lazy.columns)
['comment', 'moment', 'confidence', 'p_magic', 'p_ordinary', 'p_misery', 'familiarity',
 'non_answer', 'needs_review', 'language_ok']
>>> lazy.compute(scheduler="sync")["moment"].tolist()
['magic', <NA>]
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import Any

import pandas as pd

from moments_nlp.errors import ColumnNotFoundError, InputError, require
from moments_nlp.io._nested import nested_path
from moments_nlp.model._parallel import single_process

__all__ = ["label_chunks_on_cluster", "label_dask"]


class _Shipped:
    """The model as it travels to Dask workers: unpickled at most once per process.

    It carries a token made once, where it is created (the SHA-256 of the model's first
    pickle), and keeps it on every copy: a pickle of the same model need not be the same bytes
    twice, so the token is never recomputed from a copy. Unpickling looks the token up in a
    small per-process cache (:data:`_RECEIVED`) first, so a worker that receives the model again
    gets the object it already has.
    """

    def __init__(self, model: Any, token: str | None = None) -> None:
        self.model = model
        self.token = token

    def __reduce__(self) -> tuple[Any, tuple[str, bytes]]:
        payload = pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL)
        if self.token is None:
            self.token = hashlib.sha256(payload).hexdigest()
        return _receive, (self.token, payload)


#: Models received by this process, newest last (at most :data:`_KEEP`).
_RECEIVED: OrderedDict[str, _Shipped] = OrderedDict()
_KEEP = 2
_LOCK = threading.Lock()


def _receive(token: str, payload: bytes) -> _Shipped:
    """Unpickle a shipped model, or return the one this process already received."""
    with _LOCK:
        shipped = _RECEIVED.get(token)
        if shipped is None:
            shipped = _Shipped(pickle.loads(payload), token)
            _RECEIVED[token] = shipped
            while len(_RECEIVED) > _KEEP:
                _RECEIVED.popitem(last=False)
        else:
            _RECEIVED.move_to_end(token)
        return shipped


def _label_partition(partition: pd.DataFrame, shipped: _Shipped, text_column: str,
                     min_confidence: float | None, overwrite: bool = False) -> pd.DataFrame:
    # skip_rows=0: header rows are the reader's business (a partition is not a file's start)
    return shipped.model.label(partition, text_column, min_confidence=min_confidence,
                               skip_rows=0, overwrite=overwrite)


def label_dask(model: Any, ddf: Any, text_column: str, *,
               min_confidence: float | None = None, overwrite: bool = False) -> Any:
    """Lazily label a Dask DataFrame (what ``model.label(ddf, ...)`` calls).

    Parameters
    ----------
    model : MomentClassifier
    ddf : dask.dataframe.DataFrame
    text_column : str
    min_confidence : float, optional
    overwrite : bool, default False
        Replace the columns labeling adds when ``ddf`` has them already (else an error).

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf``'s columns plus :data:`moments_nlp.io._label_table.ADDED_COLUMNS`, with the
        same dtypes as the pandas path (the meta is the pandas path's
        own output).

    Raises
    ------
    ColumnNotFoundError
        If ``text_column`` is absent (lists the available columns).
    """
    dask: Any = require("dask", "dask")
    if text_column not in ddf.columns and nested_path(ddf._meta, text_column) is None:
        raise ColumnNotFoundError(
            f"text column {text_column!r} not found; available columns: "
            f"{[str(c) for c in ddf.columns]}"
        )
    serial = single_process(model)
    meta = serial.label(ddf._meta, text_column, min_confidence=min_confidence, skip_rows=0,
                        overwrite=overwrite)
    shipped = dask.delayed(_Shipped(serial), name=f"moment-classifier-{uuid.uuid4().hex}")
    return ddf.map_partitions(_label_partition, shipped, text_column, min_confidence, overwrite,
                              meta=meta, enforce_metadata=False)


def _client(address: str, n_workers: int) -> tuple[Any, Any]:
    distributed: Any = require("distributed", "dask")
    if address == "local":
        # ":0": the dashboard on a free port (8787 may be another cluster's)
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(address, timeout="20s"), None
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from exc


def label_chunks_on_cluster(model: Any, chunks: Iterator[pd.DataFrame], address: str, *,
                            text_column: str, min_confidence: float | None = None,
                            n_workers: int = 2,
                            overwrite: bool = False) -> Iterator[pd.DataFrame]:
    """Label chunks on a Dask cluster and yield them back in order.

    The file is still read and written here, in chunks (so any format works and nothing is
    lost); only the labeling runs on the workers. The model is broadcast to every worker once.
    At most two chunks per worker are in flight, so memory stays bounded.

    Parameters
    ----------
    address : str
        A scheduler address (``"tcp://host:8786"``) or ``"local"`` for a
        ``distributed.LocalCluster`` of ``n_workers`` processes (closed at the end).
    """
    client, cluster = _client(address, n_workers)
    pending: deque[Any] = deque()
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        shipped = client.scatter(_Shipped(single_process(model)), broadcast=True, hash=False)
        for chunk in chunks:
            pending.append(client.submit(_label_partition, chunk, shipped, text_column,
                                         min_confidence, overwrite, pure=False))
            while len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
