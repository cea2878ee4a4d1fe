"""A re-entrant lock that a forked child gets fresh.

spaCy's tokenizer and the feature counter's token table are shared by every thread using a
model, so the code that updates them holds one of these. The work is GIL-bound anyway, so
threads lose nothing. A forked worker (``n_process``) gets a new, free lock: the parent's may be
held by a thread that does not exist in the child.

Examples
--------
>>> from moments_nlp._locks import ForkSafeLock
>>> lock = ForkSafeLock()
>>> with lock, lock:  # re-entrant
...     pass
"""

from __future__ import annotations

import os
import threading
from types import TracebackType

__all__ = ["ForkSafeLock"]


class ForkSafeLock:
    """A ``threading.RLock`` that is replaced by a fresh one in a forked child."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> ForkSafeLock:
        self._lock.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._lock.release()
