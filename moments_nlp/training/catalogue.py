"""The source catalogue: the labeled sets the project trains and evaluates on, from one file.

``data/sources.toml`` holds one entry per source (its file, licence, attribution, role, label
mapping and weight share). The training scripts, the benchmarks and the model cards read it
through this module, so that adding a source means adding one entry to that file.

The data files themselves live in ``../shared/data`` beside the repository and are never copied
into it; a source whose file is absent raises :class:`FileNotFoundError` naming the path.

Examples
--------
>>> from moments_nlp.training.catalogue import read_catalogue
>>> catalogue = read_catalogue()
>>> catalogue["airline"].role
'evaluation only'
>>> sorted(name for name, source in catalogue.items() if source.trainable)[:3]
['clothing', 'clothing_sentences', 'multidomain']
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Source", "read_catalogue", "load_source", "catalogue_path", "shared_data_dir"]

_REPO = Path(__file__).resolve().parents[2]
_ROLES = ("train", "evaluation only")
_METRICS = ("macro_f1", "share_ordinary")


def catalogue_path() -> Path:
    """The catalogue file, ``data/sources.toml`` of the repository."""
    return _REPO / "data" / "sources.toml"


def shared_data_dir() -> Path:
    """The shared data folder, ``../shared/data`` beside the repository root."""
    return _REPO.parent / "shared" / "data"


@dataclass(frozen=True)
class Source:
    """One catalogue entry (see ``data/sources.toml`` for the meaning of each field)."""

    name: str
    domain: str
    role: str
    license: str
    attribution: str
    labels: str
    share: float
    metric: str = "macro_f1"
    file: str | None = None
    test_file: str | None = None
    derived_from: str | None = None
    keep_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def trainable(self) -> bool:
        """Whether the source may be trained on and shipped in a model."""
        return self.role == "train"

    def path(self, which: str = "train") -> Path | None:
        """The file of the ``"train"`` or ``"test"`` split, or None when there is none."""
        spec = self.file if which == "train" else self.test_file
        if spec is None:
            return None
        root, _, rest = spec.partition(":")
        if root == "shared":
            return shared_data_dir() / rest
        if root == "repo":
            return _REPO / rest
        raise ValueError(f"source {self.name!r}: file {spec!r} must start with 'shared:' or "
                         "'repo:'")


def read_catalogue(path: str | Path | None = None) -> dict[str, Source]:
    """Read and check the catalogue; entries keep the file's order.

    Parameters
    ----------
    path : str or Path, optional
        The TOML file; default :func:`catalogue_path`.

    Returns
    -------
    dict of str to Source
    """
    path = Path(path) if path is not None else catalogue_path()
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    entries: Mapping[str, Mapping[str, object]] = raw.get("sources", {})
    out: dict[str, Source] = {}
    for name, entry in entries.items():
        try:
            source = Source(name=name, **{key: (tuple(value) if isinstance(value, list)
                                                else value)
                                          for key, value in entry.items()})  # type: ignore[arg-type]
        except TypeError as error:
            raise ValueError(f"{path}: source {name!r}: {error}") from None
        if source.role not in _ROLES:
            raise ValueError(f"{path}: source {name!r} has role {source.role!r}; expected one "
                             f"of {_ROLES}")
        if source.metric not in _METRICS:
            raise ValueError(f"{path}: source {name!r} has metric {source.metric!r}; expected "
                             f"one of {_METRICS}")
        if (source.file is None) == (source.derived_from is None):
            raise ValueError(f"{path}: source {name!r} needs exactly one of 'file' and "
                             "'derived_from'")
        if source.derived_from is not None and source.derived_from not in out:
            raise ValueError(f"{path}: source {name!r} is derived from "
                             f"{source.derived_from!r}, which must come before it")
        out[name] = source
    return out


def load_source(source: Source, which: str = "train") -> pd.DataFrame:
    """Read one split of a file-based source as ``text``, ``label`` and its kept columns.

    Texts are read as written (``keep_default_na=False``: a text ``"None"`` stays a text).

    Parameters
    ----------
    source : Source
    which : {"train", "test"}

    Returns
    -------
    pandas.DataFrame
    """
    path = source.path(which)
    if path is None:
        raise ValueError(f"source {source.name!r} has no {which!r} file")
    if not path.is_file():
        raise FileNotFoundError(f"source {source.name!r}: {path} does not exist (the shared "
                                "data folder sits beside the repository)")
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    missing = [c for c in ("text", "label", *source.keep_columns) if c not in frame.columns]
    if missing:
        raise ValueError(f"source {source.name!r}: {path} has no column(s) {missing}")
    return frame[["text", "label", *source.keep_columns]].reset_index(drop=True)
