"""moments-nlp: label customer feedback as Moments of Magic, Ordinary or Moments of Misery.

Three lines get you going:

>>> import moments_nlp as mn
>>> clf = mn.load()
>>> clf.predict(["The crew was wonderful", "The tray table was broken and sticky"])
['magic', 'misery']
"""

from __future__ import annotations

from importlib import metadata as _metadata

from moments_nlp.errors import (
    ColumnNotFoundError,
    InputError,
    ModelIntegrityError,
    MomentsError,
    TrainingDataError,
    UnknownLabelError,
    UntrustedModelError,
)
from moments_nlp.evaluate import EvaluationReport
from moments_nlp.labels import DISPLAY_NAMES, LABELS, normalize_labels
from moments_nlp.model import MomentClassifier
from moments_nlp.persist import load_model as load
from moments_nlp.train import train

try:
    __version__ = _metadata.version("moments-nlp")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "LABELS",
    "DISPLAY_NAMES",
    "MomentClassifier",
    "EvaluationReport",
    "load",
    "train",
    "normalize_labels",
    "MomentsError",
    "UnknownLabelError",
    "InputError",
    "ColumnNotFoundError",
    "TrainingDataError",
    "ModelIntegrityError",
    "UntrustedModelError",
    "__version__",
]
