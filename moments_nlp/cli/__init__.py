"""cli: the ``moments-nlp`` command line, a thin layer over functions a notebook can call.

The commands are in :mod:`moments_nlp.cli._commands`, their options in
:mod:`moments_nlp.cli._args`; ``python -m moments_nlp.cli`` runs :func:`main`.

May import: everything below it (the public classes and every wing).
"""

from moments_nlp.cli._args import build_parser
from moments_nlp.cli._commands import main

__all__ = ["build_parser", "main"]
