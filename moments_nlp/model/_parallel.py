"""Multi-process prediction: worker processes each run the whole pipeline on a share of texts.

spaCy's own ``nlp.pipe(n_process=...)`` only moves tokenization to other processes and sends
every ``Doc`` back, so normalization, features and the classifier stay in one process (and the
``Doc`` transfer costs about as much as it saves). Here each worker runs preprocess -> features
-> classifier on a slice of the texts and returns only the ``(n, 3)`` probabilities.

* The model reaches each worker once, when the worker starts (inherited on ``fork``, pickled
  once per worker elsewhere), never once per task.
* Workers ignore Ctrl-C; the parent stops them. An exception in a worker is raised in the
  parent; a worker that dies raises ``BrokenProcessPool`` instead of hanging.
* :func:`worker_pool` keeps one pool alive for many calls (``label_file`` uses it for every
  chunk); outside it, each call starts and stops its own pool.

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> with worker_pool(clf, 2) as pool:
...     pool.proba(["Lovely crew", "Lost my bag"] * 4).shape
(8, 3)
"""

from __future__ import annotations

import copy
import functools
import gc
import multiprocessing
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["MIN_PARALLEL_TEXTS", "WorkerPool", "parallel_proba", "worker_pool"]

#: Below this many texts one process is faster than starting workers.
MIN_PARALLEL_TEXTS = 2_000
_SLICE = 1_000  # texts per task: small enough to balance, large enough to amortize IPC
_ACTIVE: dict[int, WorkerPool] = {}
_WORKER_MODEL: Any = None


def _init_worker(model: Any) -> None:
    global _WORKER_MODEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    model.n_process = 1  # a copy: the worker runs serially
    model.pipeline_.named_steps["preprocess"].set_params(n_process=1)
    if getattr(model, "encoder_", None) is not None:
        model.encoder_.set_threads(1)  # the accurate tier's encoder: one thread per worker
    _WORKER_MODEL = model


def _work(texts: list[str], familiar: bool) -> np.ndarray:
    return np.asarray(_WORKER_MODEL._scores(texts, familiar=familiar))


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class WorkerPool:
    """A pool of worker processes holding one fitted model; use :func:`worker_pool`."""

    def __init__(self, model: Any, n_process: int) -> None:
        self.model = model
        self.n_process = n_process
        context = _context()
        self._executor = ProcessPoolExecutor(max_workers=n_process, mp_context=context,
                                             initializer=_init_worker, initargs=(model,))
        if context.get_start_method() == "fork":
            # Start the workers now, with the parent's objects frozen out of the collector, so
            # that the workers' garbage collector does not copy the shared model pages.
            gc.freeze()
            try:
                self._executor.submit(int).result()
            finally:
                gc.unfreeze()

    def proba(self, texts: Sequence[str], *, familiar: bool = False) -> np.ndarray:
        """Probabilities of ``texts`` (``(n, 3)``, LABELS order), computed in the workers; with
        ``familiar=True`` the familiarity as a fourth column (``MomentClassifier._scores``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 3 + familiar))
        size = max(1, min(_SLICE, -(-len(texts) // self.n_process)))
        slices = [texts[i:i + size] for i in range(0, len(texts), size)]
        work = functools.partial(_work, familiar=familiar)
        return np.concatenate(list(self._executor.map(work, slices)))

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers; ``cancel=True`` drops pending work and terminates them at once."""
        if cancel:
            processes = list((getattr(self._executor, "_processes", None) or {}).values())
            self._executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)
        else:
            self._executor.shutdown(wait=True)


@contextmanager
def worker_pool(model: Any, n_process: int) -> Iterator[WorkerPool]:
    """Keep ``n_process`` workers for ``model`` while the block runs.

    Inside the block, ``model.predict`` / ``label`` / ``predict_proba`` use these workers
    (when ``model.n_process > 1``). On an exception or Ctrl-C the workers are terminated.
    """
    pool = WorkerPool(model, n_process)
    _ACTIVE[id(model)] = pool
    try:
        yield pool
    except BaseException:
        pool.close(cancel=True)
        raise
    else:
        pool.close()
    finally:
        _ACTIVE.pop(id(model), None)


def parallel_proba(model: Any, texts: Sequence[str], n_process: int, *,
                   familiar: bool = False) -> np.ndarray:
    """Probabilities from ``n_process`` workers: the active :func:`worker_pool` or a new one
    (``familiar``: see :meth:`WorkerPool.proba`)."""
    pool = _ACTIVE.get(id(model))
    if pool is not None:
        return pool.proba(texts, familiar=familiar)
    with worker_pool(model, n_process) as fresh:
        return fresh.proba(texts, familiar=familiar)


def single_process(model: Any) -> Any:
    """The model to ship to a process that may not start processes of its own (a Dask worker):
    itself, or a shallow copy with ``n_process = 1``."""
    if getattr(model, "n_process", 1) == 1:
        return model
    serial = copy.copy(model)
    serial.n_process = 1
    return serial
