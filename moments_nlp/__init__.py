"""moments-nlp: label customer feedback as Moments of Magic, Ordinary or Moments of Misery.

Three lines get you going:

>>> import moments_nlp as mn
>>> clf = mn.load()
>>> clf.predict(["The crew was wonderful", "The tray table was broken and sticky"])
['magic', 'misery']
"""

from __future__ import annotations

from importlib import metadata as _metadata

from moments_nlp.batch import LabelSummary, label_file
from moments_nlp.compare import ComparisonResult, compare_models
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
from moments_nlp.html_report import report
from moments_nlp.labels import DISPLAY_NAMES, LABELS, normalize_labels
from moments_nlp.model import MomentClassifier
from moments_nlp.moments import moments
from moments_nlp.persist import load_model as load
from moments_nlp.quality import find_label_issues
from moments_nlp.touchpoint_matcher import touchpoints
from moments_nlp.train import train, train_file

try:
    __version__ = _metadata.version("moments-nlp")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "DISPLAY_NAMES",
    "LABELS",
    "ColumnNotFoundError",
    "ComparisonResult",
    "EvaluationReport",
    "InputError",
    "LabelSummary",
    "ModelIntegrityError",
    "MomentClassifier",
    "MomentsError",
    "TrainingDataError",
    "UnknownLabelError",
    "UntrustedModelError",
    "__version__",
    "compare_models",
    "find_label_issues",
    "label_file",
    "load",
    "moments",
    "normalize_labels",
    "report",
    "touchpoints",
    "train",
    "train_file",
]
