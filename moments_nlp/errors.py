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
    ├── OutputExistsError        an output exists (also a FileExistsError)
    └── MissingExtraError        an optional dependency is not installed (names the extra)

:class:`ModelVersionWarning` is a warning, not an error: a model saved by other library versions.

Messages that tell the user which option to change hold an :func:`option` instead of its
spelling: ``str(error)`` names the Python parameter (``force=True``), and
:meth:`MomentsError.cli_message` names the command-line flag (``--force``), which is what the
``moments-nlp`` command prints.

Examples
--------
>>> from moments_nlp.errors import MomentsError, InputError
>>> issubclass(InputError, ValueError)
True
>>> error = InputError("output exists; pass ", option("force", True), " to overwrite it")
>>> str(error)
'output exists; pass force=True to overwrite it'
>>> error.cli_message()
'output exists; pass --force to overwrite it'
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "InputWarning",
    "ModelVersionWarning",
    "OutputExistsError",
    "Hint",
    "option",
]

_UNSET = object()


@dataclass(frozen=True)
class Hint:
    """A part of an error message spelled one way for Python callers and another for the CLI.

    Attributes
    ----------
    api : str
        How the message says it to a Python caller, e.g. ``conflicts='drop'``.
    cli : str
        How it says it on the command line, e.g. ``--conflicts drop``.
    """

    api: str
    cli: str


def option(name: str, value: object = _UNSET, *, flag: str | None = None) -> Hint:
    """A parameter to set: ``name=value`` in Python, ``--flag value`` on the command line.

    Parameters
    ----------
    name : str
        The keyword argument of the Python function, e.g. ``"skip_rows"``.
    value : object, optional
        The value to suggest. Without it only the name is given; ``True`` is a bare flag.
    flag : str, optional
        The command-line flag when it is not ``--`` + ``name`` with dashes, e.g. ``"--cv"`` for
        ``cv_folds``.

    Examples
    --------
    >>> option("conflicts", "drop")
    Hint(api="conflicts='drop'", cli='--conflicts drop')
    >>> option("cv_folds", 5, flag="--cv").cli, option("skip_rows").api
    ('--cv 5', 'skip_rows')
    """
    cli = flag or "--" + name.replace("_", "-")
    if value is _UNSET:
        return Hint(name, cli)
    if value is True:
        return Hint(f"{name}=True", cli)
    return Hint(f"{name}={value!r}", f"{cli} {value}")


class MomentsError(ValueError):
    """Base class of every moments-nlp error.

    Parameters
    ----------
    *parts : str or Hint
        The message, in pieces: text, and :class:`Hint` parts (see :func:`option`) that are
        spelled as Python parameters by ``str()`` and as flags by :meth:`cli_message`.
    """

    def _render(self, cli: bool) -> str:
        return "".join((part.cli if cli else part.api) if isinstance(part, Hint) else str(part)
                       for part in self.args)

    def __str__(self) -> str:
        return self._render(cli=False)

    def cli_message(self) -> str:
        """The message with command-line flags (``--force``) instead of Python parameters."""
        return self._render(cli=True)


class UnknownLabelError(MomentsError):
    """A label outside ``LABELS`` and its known aliases."""


class InputError(MomentsError):
    """Input texts, tables or files that cannot be used as given."""


class ColumnNotFoundError(InputError, KeyError):
    """A named column is not in the table; the message lists the available columns."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self._render(cli=False)


class RaggedRowsError(InputError):
    """A CSV / TSV record whose field count differs from the header's (names line and counts)."""


class TrainingDataError(MomentsError):
    """Labeled data that cannot train a model (too few examples, one class only, ...)."""


class ModelIntegrityError(MomentsError):
    """A model folder that is missing, altered or unreadable."""


class UntrustedModelError(ModelIntegrityError):
    """A pickled model from outside the package, loaded without ``trusted=True``."""


class OutputExistsError(MomentsError, FileExistsError):
    """An output file or folder exists and overwriting it was not asked for."""

    def __str__(self) -> str:  # OSError would print "[Errno ...]" for a message in parts
        return self._render(cli=False)


class MissingExtraError(MomentsError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class InputWarning(UserWarning):
    """Input that is labeled as asked but looks wrong (an export's header rows as data, ...)."""


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
