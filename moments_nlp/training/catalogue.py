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

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Source", "read_catalogue", "load_source", "derived_rows", "model_params", "FILTERS",
           "catalogue_path", "shared_data_dir"]

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
    filter: str | None = None
    min_sentences: int = 1

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


# An answer to "How could we improve?" that only says there is nothing to improve is coded very
# positive: the label belongs to the question, not to the words ("Nothing they looked after me",
# "Cannot think of anything"). Such magic answers are what the ``question_label`` filter drops.
_IMPROVE_QUESTION = re.compile(r"improve|better", re.IGNORECASE)
_NOTHING_TO_IMPROVE = re.compile(
    r"^\W*(nothing|none|no\b|not\b|nope|nil|n/?a\b|can['’]?t|cannot|can not|couldn['’]?t|"
    r"could not|i (can['’]?t|cannot|can not|couldn['’]?t|could not|don['’]?t|do not|have no|"
    r"have nothing|wouldn['’]?t|would not)|don['’]?t|there (is|was|isn['’]?t|wasn['’]?t|['’]s) "
    r"(nothing|no)|no one|keep (up|doing|it)|everything)", re.IGNORECASE)


def question_label_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose label comes from the question, not the words: magic answers to an
    improvement question that open with "nothing", "none", "can't think", ... (True = drop).

    >>> question_label_rows(pd.DataFrame({
    ...     "text": ["Nothing, all fine", "Staff were lovely", "Nothing worked"],
    ...     "label": ["magic", "magic", "misery"],
    ...     "question": ["How could we improve?"] * 3})).tolist()
    [True, False, False]
    """
    improve = frame["question"].astype(str).str.contains(_IMPROVE_QUESTION)
    opens = frame["text"].astype(str).map(lambda text: bool(_NOTHING_TO_IMPROVE.match(text)))
    return improve & (frame["label"] == "magic") & opens


#: Named row filters a catalogue entry may apply to its train split (True = drop the row).
FILTERS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "question_label": question_label_rows}


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
        if source.filter is not None and source.filter not in FILTERS:
            raise ValueError(f"{path}: source {name!r} has filter {source.filter!r}; expected "
                             f"one of {sorted(FILTERS)}")
        if source.derived_from is not None and source.derived_from not in out:
            raise ValueError(f"{path}: source {name!r} is derived from "
                             f"{source.derived_from!r}, which must come before it")
        out[name] = source
    return out


def load_source(source: Source, which: str = "train", *,
                apply_filter: bool = True) -> pd.DataFrame:
    """Read one split of a file-based source as ``text``, ``label`` and its kept columns.

    Texts are read as written (``keep_default_na=False``: a text ``"None"`` stays a text). The
    source's ``filter`` drops rows of the train split (never of the test split) unless
    ``apply_filter=False``.

    Parameters
    ----------
    source : Source
    which : {"train", "test"}
    apply_filter : bool, default True

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
    frame = frame[["text", "label", *source.keep_columns]]
    if apply_filter and which == "train" and source.filter is not None:
        frame = frame[~FILTERS[source.filter](frame)]
    return frame.reset_index(drop=True)


def derived_rows(source: Source, parent: pd.DataFrame, *,
                 preprocessor: object = None) -> pd.DataFrame:
    """The rows of a derived source: the clear sentences of its parent's texts that have at least
    ``min_sentences`` sentences, as ``text``, ``label`` and ``parent`` (the parent's row label).

    Parameters
    ----------
    source : Source
        An entry with ``derived_from``.
    parent : pandas.DataFrame
        The parent's train rows (``text``, ``label``).
    preprocessor : SpacyPreprocessor, optional
        Tokenizes the sentences for their polarity.
    """
    from moments_nlp.training._sentence_signal import _SENTENCE_END, review_sentences

    if source.derived_from is None:
        raise ValueError(f"source {source.name!r} is not derived from another source")
    parent = parent[parent["text"].astype(str).map(
        lambda text: len(_SENTENCE_END.split(text.strip())) >= source.min_sentences)]
    rows = pd.DataFrame(review_sentences(parent["text"].astype(str).tolist(),
                                         parent["label"].astype(str).tolist(),
                                         preprocessor=preprocessor),  # type: ignore[arg-type]
                        columns=["text", "label", "parent"])
    rows["parent"] = parent.index[rows["parent"].to_numpy(dtype="int64")]
    return rows


def model_params(path: str | Path | None = None) -> dict[str, object]:
    """The shipped default's model parameters: the ``[default_model]`` table of the catalogue."""
    path = Path(path) if path is not None else catalogue_path()
    with path.open("rb") as handle:
        return dict(tomllib.load(handle).get("default_model", {}))
