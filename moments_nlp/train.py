"""Training from labeled texts: the public ``train`` and ``train_file``.

:func:`train` validates labeled data (:func:`moments_nlp.training.validate.validate_training_data`:
labels, blank texts, duplicates, conflicting labels, classes with too few examples), fits a
:class:`~moments_nlp.MomentClassifier` (or, with ``base=``, a warm-started one) and writes what it
found into ``clf.card_``. With ``cv_folds=k`` it also scores the same recipe by stratified k-fold
cross-validation and stores the report under ``card_["metrics"]["cross_validated"]``.
:func:`train_file` does the same for a labeled file of any format
:func:`moments_nlp.io.read_table` reads, and saves the model folder.

These two sit beside the public classes (:mod:`moments_nlp.classifier`), above the wings they
compose: ``training`` (validation, cross-validation), ``io`` (reading the file) and ``model``.

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["great", "awful", "fine"] * 6
>>> clf = mn.train(texts, ["magic", "misery", "ordinary"] * 6, cv=2)
>>> clf.card_["training"]["rows"]
18
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from moments_nlp.classifier import MomentClassifier, WarmStartClassifier
from moments_nlp.errors import OutputExistsError, option
from moments_nlp.io.read import read_table
from moments_nlp.model._held_out import reference_from_proba
from moments_nlp.model.persist import sha256_file
from moments_nlp.training._crossval import (
    cross_validate,
    format_cv_report,
    learning_curve,
    make_estimator,
)
from moments_nlp.training._plots import plot_confusion, plot_learning_curve
from moments_nlp.training.validate import (
    CONFLICT_POLICIES,
    _per_row,
    data_sha256,
    validate_training_data,
)

__all__ = [
    "CONFLICT_POLICIES",
    "cross_validate",
    "data_sha256",
    "format_cv_report",
    "train",
    "train_file",
    "validate_training_data",
]


def train(texts: Iterable[object], labels: Iterable[object], *,
          sources: list[dict[str, str]] | None = None, base: Any = None,
          cv_folds: int = 0, from_stars: bool = False, from_nps: bool = False,
          conflicts: str = "error",
          duplicates: str = "keep", sample_weight: Iterable[float] | None = None,
          groups: Iterable[object] | None = None,
          calibration_weight: Iterable[float] | None = None, show_progress: bool | None = None,
          **options: Any) -> MomentClassifier:
    """Validate labeled texts and fit a :class:`MomentClassifier`.

    Blank texts are dropped and counted; labels are normalized (``"positive"`` -> ``magic`` ...);
    see :func:`validate_training_data` for the checks and the ``conflicts`` / ``duplicates``
    policies.

    Parameters
    ----------
    texts : iterable of str
    labels : iterable
        Any known label spelling (see :func:`moments_nlp.labels.normalize_labels`), 1-5 star
        ratings with ``from_stars=True``, or 0-10 NPS scores with ``from_nps=True`` (0-6
        misery, 7-8 ordinary, 9-10 magic).
    sources : list of dict, optional
        Where the data came from (``name``, ``license``), recorded in the card.
    base : MomentClassifier, path or "default", optional
        Warm start: combine what this fitted model knows with the new data (see
        :class:`moments_nlp.training._warmstart.WarmStartClassifier`). Pays off with a few hundred
        labels in a new domain.
    cv_folds : int, default 0
        The same default as ``moments-nlp train --cv``. With ``k >= 2``, also run
        stratified k-fold cross-validation and store the report in
        ``card_["metrics"]["cross_validated"]`` (costs k extra fits), and the reference shares
        fitted on the out-of-fold probabilities in ``card_["shares_reference"]``, which
        :meth:`MomentClassifier.estimate_shares` with ``method="em"`` then prefers to the
        cheaper held-out fit every model stores in ``shares_reference_`` (its default
        method, KDE, uses the held-out sample instead; see :mod:`moments_nlp.insight.shares`).
    from_stars, from_nps, conflicts, duplicates
        See :func:`validate_training_data`.
    sample_weight : iterable of float, optional
        One weight per row (see :meth:`MomentClassifier.fit`); the rows must all survive
        validation, so drop blank or conflicting rows first.
    groups : iterable, optional
        One group per row, held out together by the calibration folds (see
        :meth:`MomentClassifier.fit`); like ``sample_weight``, the rows must all survive
        validation.
    calibration_weight : iterable of float, optional
        One weight per row in the temperature fit only (see :meth:`MomentClassifier.fit`);
        like ``sample_weight``, the rows must all survive validation.
    show_progress : bool, optional
        A progress bar over the stages and folds of the fit, and one over the
        cross-validation folds (each fold's fit shows its stages): None (default) shows them
        on a terminal once a fit has taken two seconds; True always, False never.
    **options
        Parameters of :class:`MomentClassifier` (``C``, ``ngram_max``, ``cv`` ...).

    Returns
    -------
    MomentClassifier
        Fitted, with a ``card_`` dict describing the training data.

    Raises
    ------
    TrainingDataError
        Mismatched lengths, no usable rows, conflicting labels, or too few examples of a label.
    UnknownLabelError
        Unknown label values, listed with their counts.
    """
    estimator = make_estimator(base, options, plain=MomentClassifier, warm=WarmStartClassifier)
    minimum = max(estimator.cv, cv_folds, 2)
    text_list, label_list, summary = validate_training_data(
        texts, labels, from_stars=from_stars, from_nps=from_nps, conflicts=conflicts,
        duplicates=duplicates, min_per_class=minimum,
    )
    summary["sha256"] = data_sha256(text_list, label_list)
    weights = _per_row("sample_weight", sample_weight, len(text_list))
    group_list = _per_row("groups", groups, len(text_list))
    calibration = _per_row("calibration_weight", calibration_weight, len(text_list))
    clf = estimator.fit(text_list, label_list, sample_weight=weights, groups=group_list,
                        calibration_weight=calibration, show_progress=show_progress)
    card: dict[str, Any] = {"training": summary, "sources": sources or []}
    if base is not None:
        card["base"] = clf.base_info_()
    if cv_folds >= 2:
        report, oof = cross_validate(text_list, label_list, folds=cv_folds,
                                     base=getattr(clf, "base", None),
                                     show_progress=show_progress, **options)
        card["metrics"] = {"cross_validated": {**report.to_dict(), "folds": cv_folds}}
        # the class balance these probabilities are calibrated to (estimate_shares' reference)
        card["shares_reference"] = reference_from_proba(oof, label_list)
    clf.card_ = card
    return clf


def train_file(input: str | Path, *, text_column: str, label_column: str,
               from_stars: bool = False, from_nps: bool = False, conflicts: str = "error",
               duplicates: str = "keep", cv_folds: int = 0, base: Any = None,
               output: str | Path | None = None, format: str = "skops", plots: bool = False,
               show_progress: bool | None = None, read_options: dict[str, Any] | None = None,
               overwrite: bool = False, **options: Any) -> MomentClassifier:
    """Train from a labeled file (csv, tsv, jsonl, parquet, xlsx) and save the model folder.

    Parameters
    ----------
    input : str or Path
    text_column, label_column : str
    from_stars, from_nps, conflicts, duplicates, cv_folds, base, show_progress
        As in :func:`train` (no cross-validated report unless ``cv_folds`` is 2 or more, as
        there and on the command line).
    output : str or Path, optional
        Model folder to write (nothing is saved without it).
    overwrite : bool, default False
        Replace ``output`` when it is a folder that is not empty (else an error, before any
        fit).
    format : {"skops", "joblib"}, default "skops"
    plots : bool, default False
        Save ``confusion.png`` and ``learning_curve.png`` (needs matplotlib, extra ``plot``).
    read_options : dict, optional
        How to read ``input`` (``sep``, ``encoding``, ``skip_rows``, ``sheet``, ``header_row``):
        see :func:`moments_nlp.io.read.inspect_layout`.
    **options
        Parameters of :class:`MomentClassifier`.

    Returns
    -------
    MomentClassifier
        With ``card_`` holding the training summary, the file's name and SHA-256 and the
        cross-validated metrics.
    """
    if output is not None and not overwrite and Path(output).exists() and (
            not Path(output).is_dir() or any(Path(output).iterdir())):
        raise OutputExistsError(f"{output} exists and is not empty; pass ",
                                option("overwrite", True, flag="--force"), " to replace it")
    table = read_table(input, columns=[text_column, label_column], **(read_options or {}))
    clf = train(table[text_column], table[label_column], base=base, cv_folds=cv_folds,
                from_stars=from_stars, from_nps=from_nps, conflicts=conflicts,
                duplicates=duplicates, show_progress=show_progress, **options)
    clf.card_["training"]["file"] = {"name": Path(input).name, "sha256": sha256_file(input),
                                     "rows_read": len(table)}
    if plots and cv_folds >= 2:
        text_list, label_list, _ = validate_training_data(
            table[text_column], table[label_column], from_stars=from_stars, from_nps=from_nps,
            conflicts=conflicts, duplicates=duplicates, min_per_class=0)
        curve = learning_curve(text_list, label_list, folds=cv_folds,
                               base=getattr(clf, "base", None), **options)
        full = clf.card_["metrics"]["cross_validated"]
        curve.append({"rows": len(text_list) * (cv_folds - 1) / cv_folds,
                      "macro_f1": full["macro_f1"]})
        clf.card_["metrics"]["learning_curve"] = curve
    if output is not None:
        clf.save(output, format=format, overwrite=True)  # checked before the fit
        if plots and cv_folds >= 2:
            plot_confusion(clf.card_["metrics"]["cross_validated"], Path(output) / "confusion.png")
            plot_learning_curve(clf.card_["metrics"]["learning_curve"],
                                Path(output) / "learning_curve.png")
    return clf
