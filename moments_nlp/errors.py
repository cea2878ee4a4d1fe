"""Errors raised by moments-nlp.

Every error is a :class:`MomentsError`, which is a :class:`ValueError`, so ``except ValueError``
keeps working for callers that do not know this library::

    MomentsError (ValueError)
    ├── UnknownLabelError        a label value outside the closed vocabulary
    ├── InputError               bad texts or tables: wrong type, missing column, bad file
    │   ├── ColumnNotFoundError  a named column is absent (lists the available ones)
    │   └── RaggedRowsError      a CSV row with more or fewer fields than the header
    ├── TrainingDataError        labeled data that cannot train a model
    ├── ModelIntegrityError      a model folder is missing, altered or garbled
    │   └── UntrustedModelError  a pickle from outside the package without ``trusted=True``
    └── MissingExtraError        an optional dependency is not installed (names the extra)

:class:`ModelVersionWarning` is a warning, not an error: a model saved by other library versions.

Examples
--------
>>> from moments_nlp.errors import MomentsError, InputError
>>> issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "MomentsError",
    "UnknownLabelError",
    "InputError",
    "ColumnNotFoundError",
    "RaggedRowsError",
    "TrainingDataError",
    "ModelIntegrityError",
    "UntrustedModelError",
    "MissingExtraError",
    "ModelVersionWarning",
]


class MomentsError(ValueError):
    """Base class of every moments-nlp error."""


class UnknownLabelError(MomentsError):
    """A label outside ``LABELS`` and its known aliases."""


class InputError(MomentsError):
    """Input texts, tables or files that cannot be used as given."""


class ColumnNotFoundError(InputError, KeyError):
    """A named column is not in the table; the message lists the available columns."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RaggedRowsError(InputError):
    """A CSV / TSV record whose field count differs from the header's (names line and counts)."""


class TrainingDataError(MomentsError):
    """Labeled data that cannot train a model (too few examples, one class only, ...)."""


class ModelIntegrityError(MomentsError):
    """A model folder that is missing, altered or unreadable."""


class UntrustedModelError(ModelIntegrityError):
    """A pickled model from outside the package, loaded without ``trusted=True``."""


class MissingExtraError(MomentsError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class ModelVersionWarning(UserWarning):
    """A model folder saved with other versions of moments-nlp, scikit-learn or spaCy."""


def require(module: str, extra: str) -> object:
    """Import an optional dependency or raise :class:`MissingExtraError` naming the extra.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"openpyxl"``.
    extra : str
        The extra of moments-nlp that installs it, e.g. ``"excel"``.

    Returns
    -------
    module

    Examples
    --------
    >>> require("json", "none").__name__
    'json'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module} is needed for this; install it with: pip install 'moments-nlp[{extra}]'"
        ) from exc
