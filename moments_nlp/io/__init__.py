"""io: survey exports in and out, and labeling them row by row.

Reading, sniffing (dialect, encoding, header rows, sheets, dotted columns) and writing exports
atomically in the input's dialect (:mod:`moments_nlp.io.read`, re-exported here, so
``moments_nlp.io.read_table`` works as before); joining a model's answers back onto a table's
rows (:mod:`moments_nlp.io._label_table`); :func:`~moments_nlp.io.batch.label_file` over a
file in chunks, on worker processes or a Dask cluster (:mod:`moments_nlp.io._dask`).

May import: ``insight``, ``model``, ``text`` and the base (``labels``, ``errors``, ``_texts``).
"""

# the reading and writing API, under its names of before (moments_nlp.io.read_table ...)
from moments_nlp.io.read import *  # noqa: F403
from moments_nlp.io.read import __all__ as __all__
