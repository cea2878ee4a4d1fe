"""moments-nlp: label customer feedback as Moments of Magic, Ordinary or Moments of Misery.

Three lines get you going:

>>> import moments_nlp as mn
>>> clf = mn.load()
>>> clf.predict(["The crew was wonderful", "The tray table was broken and sticky"])
['magic', 'misery']

The package is a house with wings; imports run one way, from the faces down to the base::

    cli                          the ``moments-nlp`` command
    train, classifier            the public faces: train(), MomentClassifier, load()
    io                           survey exports in and out, labeling them row by row
    insight | training           explanations, touchpoints, moments, shares, the report |
                                 validation, cross-validation, evaluation, label quality, ...
    model                        the estimator core: features, solver, calibration, folders
    text                         reading one text: tokenizer, normalization, clauses, lexicon
    labels, _texts, errors       the base: the label vocabulary, text checks, the errors

``lint-imports`` checks the order (``[tool.importlinter]`` in ``pyproject.toml``).
"""

from __future__ import annotations

from importlib import metadata as _metadata

from moments_nlp.classifier import MomentClassifier, load
from moments_nlp.errors import (
    ColumnNotFoundError,
    InputError,
    InputWarning,
    ModelIntegrityError,
    MomentsError,
    TrainingDataError,
    UnknownLabelError,
    UntrustedModelError,
)
from moments_nlp.insight.moments import moments
from moments_nlp.insight.report import report
from moments_nlp.insight.touchpoint_matcher import touchpoints
from moments_nlp.io.batch import LabelSummary, label_file
from moments_nlp.io.feedback import read_feedback
from moments_nlp.labels import DISPLAY_NAMES, LABELS, normalize_labels
from moments_nlp.train import train, train_file
from moments_nlp.training.compare import ComparisonResult, compare_models
from moments_nlp.training.evaluate import EvaluationReport
from moments_nlp.training.quality import find_label_issues

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
    "InputWarning",
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
    "read_feedback",
    "report",
    "touchpoints",
    "train",
    "train_file",
]
