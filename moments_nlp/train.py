"""Training from labeled texts: validation, fitting, cross-validated reports and the model card.

:func:`train` validates labeled data (labels, blank texts, duplicates, conflicting labels, classes
with too few examples), fits a :class:`~moments_nlp.model.MomentClassifier` (or, with ``base=``, a
warm-started one) and writes what it found into ``clf.card_``. With ``cv_folds=k`` it also scores
the same recipe by stratified k-fold cross-validation and stores the report under
``card_["metrics"]["cross_validated"]``. :func:`train_file` does the same for a labeled file of
any format :func:`moments_nlp.io.read_table` reads, and saves the model folder.

Examples
--------
>>> import moments_nlp as mn
>>> texts = ["great", "awful", "fine"] * 6
>>> clf = mn.train(texts, ["magic", "misery", "ordinary"] * 6, cv=2)
>>> clf.card_["training"]["rows"]
18
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from moments_nlp._crossval import cross_validate, format_cv_report, learning_curve, make_estimator
from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import TrainingDataError, option
from moments_nlp.labels import LABELS, normalize_labels, stars_to_label
from moments_nlp.model import MomentClassifier
from moments_nlp.shares import reference_from_proba

__all__ = [
    "CONFLICT_POLICIES",
    "cross_validate",
    "data_sha256",
    "format_cv_report",
    "train",
    "train_file",
    "validate_training_data",
]

#: What to do with a text that appears with different labels.
CONFLICT_POLICIES = ("error", "drop", "majority")


def data_sha256(texts: Iterable[str], labels: Iterable[str]) -> str:
    """SHA-256 of labeled data as ``text<TAB>label<LF>`` lines, in order.

    Examples
    --------
    >>> data_sha256(["a"], ["magic"])[:12]
    'b6693999577c'
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(f"{text}\t{label}\n".encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def validate_training_data(
    texts: Iterable[object], labels: Iterable[object], *, from_stars: bool = False,
    conflicts: str = "error", duplicates: str = "keep", min_per_class: int = 2,
) -> tuple[list[str], list[str], dict[str, Any]]:
    """Check and clean labeled texts; return ``(texts, labels, summary)``.

    Steps, in order: labels are normalized (star ratings 1-2 -> misery, 3 -> ordinary,
    4-5 -> magic with ``from_stars=True``); blank texts are dropped and counted; texts carrying
    different labels are handled by ``conflicts``; exact duplicate rows are counted (and dropped
    with ``duplicates="drop"``); finally every label needs ``min_per_class`` examples.

    Parameters
    ----------
    texts, labels : iterable
    from_stars : bool, default False
    conflicts : {"error", "drop", "majority"}, default "error"
        ``"drop"`` removes every row of a conflicting text; ``"majority"`` keeps the rows with
        the text's most frequent label (a tie drops the text).
    duplicates : {"keep", "drop"}, default "keep"
    min_per_class : int, default 2

    Returns
    -------
    texts : list of str
    labels : list of str
    summary : dict
        ``rows``, ``blank_rows_dropped``, ``duplicates``, ``conflicts``, ``label_counts``.

    Raises
    ------
    UnknownLabelError
        Unknown labels, listed with counts.
    TrainingDataError
        Mismatched lengths, conflicting labels (``conflicts="error"``), too few examples.

    Examples
    --------
    >>> t, y, s = validate_training_data(["ok", "ok", " ", "bad"], ["neutral"] * 2 + ["neg"] * 2,
    ...                                  min_per_class=0)
    >>> s["blank_rows_dropped"], s["duplicates"]["rows"], y
    (1, 1, ['ordinary', 'ordinary', 'misery'])
    """
    if conflicts not in CONFLICT_POLICIES:
        raise TrainingDataError(f"conflicts must be one of {CONFLICT_POLICIES}, got {conflicts!r}")
    if duplicates not in ("keep", "drop"):
        raise TrainingDataError(f"duplicates must be 'keep' or 'drop', got {duplicates!r}")
    text_list = as_text_list(texts)
    label_list = stars_to_label(labels) if from_stars else normalize_labels(labels)
    if len(text_list) != len(label_list):
        raise TrainingDataError(f"got {len(text_list)} texts but {len(label_list)} labels")
    frame = pd.DataFrame({"text": text_list, "label": label_list})
    blank = frame["text"].map(is_blank)
    frame = frame[~blank]
    conflict_info = _resolve_conflicts(frame, conflicts)
    frame = conflict_info.pop("_frame")
    dup = frame.duplicated(keep="first")
    dup_info = {"rows": int(dup.sum()), "policy": duplicates,
                "rows_dropped": int(dup.sum()) if duplicates == "drop" else 0}
    if duplicates == "drop":
        frame = frame[~dup]
    counts = frame["label"].value_counts()
    label_counts = {label: int(counts.get(label, 0)) for label in LABELS}
    short = {label: n for label, n in label_counts.items() if n < min_per_class}
    if short:
        listed = ", ".join(f"{label!r} has {n}" for label, n in short.items())
        raise TrainingDataError(
            f"too few examples: {listed}; every label needs at least {min_per_class} "
            f"(after dropping blanks and conflicts); label counts: {label_counts}"
        )
    summary = {"rows": len(frame), "blank_rows_dropped": int(blank.sum()),
               "duplicates": dup_info, "conflicts": conflict_info, "label_counts": label_counts}
    return frame["text"].tolist(), frame["label"].tolist(), summary


def _resolve_conflicts(frame: pd.DataFrame, policy: str) -> dict[str, Any]:
    labels_per_text = frame.groupby("text", sort=False)["label"].nunique()
    conflicting = labels_per_text.index[labels_per_text > 1]
    info: dict[str, Any] = {"texts": len(conflicting), "policy": policy, "rows_dropped": 0,
                            "examples": []}
    if len(conflicting) == 0:
        info["_frame"] = frame
        return info
    mask = frame["text"].isin(set(conflicting))
    for text in conflicting[:3]:
        counts = frame.loc[frame["text"] == text, "label"].value_counts()
        info["examples"].append({"text": text[:80], "labels": {k: int(v) for k, v in
                                                                counts.items()}})
    info["rows"] = int(mask.sum())
    if policy == "error":
        shown = "; ".join(f"{e['text']!r} {e['labels']}" for e in info["examples"])
        raise TrainingDataError(
            f"{len(conflicting)} texts ({int(mask.sum())} rows) carry different labels, e.g. "
            f"{shown}; fix them or pass ", option("conflicts", "drop"), " or ",
            option("conflicts", "majority"),
        )
    keep = ~mask
    if policy == "majority":
        for text in conflicting:
            rows = frame["text"] == text
            counts = frame.loc[rows, "label"].value_counts()
            if len(counts) < 2 or counts.iloc[0] > counts.iloc[1]:
                keep |= rows & (frame["label"] == counts.index[0])
    info["rows_dropped"] = int((~keep).sum())
    info["_frame"] = frame[keep]
    return info


def _per_row(name: str, values: Iterable[Any] | None, rows: int) -> list[Any] | None:
    """``values`` as a list, refused unless it has one value per row left after validation."""
    if values is None:
        return None
    listed = list(values)
    if len(listed) != rows:
        raise TrainingDataError(
            f"{name} has {len(listed)} values but {rows} rows remain after validation (blank, "
            f"duplicate or conflicting rows were dropped); drop them from the data before "
            f"passing {name}")
    return listed


def train(texts: Iterable[object], labels: Iterable[object], *,
          sources: list[dict[str, str]] | None = None, base: Any = None,
          cv_folds: int = 0, from_stars: bool = False, conflicts: str = "error",
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
        Any known label spelling (see :func:`moments_nlp.labels.normalize_labels`), or 1-5 star
        ratings with ``from_stars=True``.
    sources : list of dict, optional
        Where the data came from (``name``, ``license``), recorded in the card.
    base : MomentClassifier, path or "default", optional
        Warm start: combine what this fitted model knows with the new data (see
        :class:`moments_nlp._warmstart.WarmStartClassifier`). Pays off with a few hundred
        labels in a new domain.
    cv_folds : int, default 0
        With ``k >= 2``, also run stratified k-fold cross-validation and store the report in
        ``card_["metrics"]["cross_validated"]`` (costs k extra fits), and the reference shares
        fitted on the out-of-fold probabilities in ``card_["shares_reference"]``, which
        :meth:`MomentClassifier.estimate_shares` with ``method="em"`` then prefers to the
        cheaper held-out fit every model stores in ``shares_reference_`` (its default
        method, KDE, uses the held-out sample instead; see :mod:`moments_nlp.shares`).
    from_stars, conflicts, duplicates
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
        A progress bar over the stages and folds of the fit: None (default) shows it on a
        terminal once the fit has taken two seconds; True always, False never.
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
    estimator = make_estimator(base, options)
    minimum = max(estimator.cv, cv_folds, 2)
    text_list, label_list, summary = validate_training_data(
        texts, labels, from_stars=from_stars, conflicts=conflicts, duplicates=duplicates,
        min_per_class=minimum,
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
                                     base=getattr(clf, "base", None), **options)
        card["metrics"] = {"cross_validated": {**report.to_dict(), "folds": cv_folds}}
        # the class balance these probabilities are calibrated to (estimate_shares' reference)
        card["shares_reference"] = reference_from_proba(oof, label_list)
    clf.card_ = card
    return clf


def train_file(input: str | Path, *, text_column: str, label_column: str,
               from_stars: bool = False, conflicts: str = "error", duplicates: str = "keep",
               cv_folds: int = 5, base: Any = None, output: str | Path | None = None,
               format: str = "skops", plots: bool = False, show_progress: bool | None = None,
               read_options: dict[str, Any] | None = None, **options: Any) -> MomentClassifier:
    """Train from a labeled file (csv, tsv, jsonl, parquet, xlsx) and save the model folder.

    Parameters
    ----------
    input : str or Path
    text_column, label_column : str
    from_stars, conflicts, duplicates, cv_folds, base, show_progress
        As in :func:`train`; the cross-validated report is on by default here.
    output : str or Path, optional
        Model folder to write (nothing is saved without it).
    format : {"skops", "joblib"}, default "skops"
    plots : bool, default False
        Save ``confusion.png`` and ``learning_curve.png`` (needs matplotlib, extra ``plot``).
    read_options : dict, optional
        How to read ``input`` (``sep``, ``encoding``, ``skip_rows``, ``sheet``, ``header_row``):
        see :func:`moments_nlp.io.inspect_layout`.
    **options
        Parameters of :class:`MomentClassifier`.

    Returns
    -------
    MomentClassifier
        With ``card_`` holding the training summary, the file's name and SHA-256 and the
        cross-validated metrics.
    """
    from moments_nlp.io import read_table
    from moments_nlp.persist import sha256_file

    table = read_table(input, columns=[text_column, label_column], **(read_options or {}))
    clf = train(table[text_column], table[label_column], base=base, cv_folds=cv_folds,
                from_stars=from_stars, conflicts=conflicts, duplicates=duplicates,
                show_progress=show_progress, **options)
    clf.card_["training"]["file"] = {"name": Path(input).name, "sha256": sha256_file(input),
                                     "rows_read": len(table)}
    if plots and cv_folds >= 2:
        text_list, label_list, _ = validate_training_data(
            table[text_column], table[label_column], from_stars=from_stars, conflicts=conflicts,
            duplicates=duplicates, min_per_class=0)
        curve = learning_curve(text_list, label_list, folds=cv_folds,
                               base=getattr(clf, "base", None), **options)
        full = clf.card_["metrics"]["cross_validated"]
        curve.append({"rows": len(text_list) * (cv_folds - 1) / cv_folds,
                      "macro_f1": full["macro_f1"]})
        clf.card_["metrics"]["learning_curve"] = curve
    if output is not None:
        clf.save(output, format=format)
        if plots and cv_folds >= 2:
            from moments_nlp._plots import plot_confusion, plot_learning_curve

            plot_confusion(clf.card_["metrics"]["cross_validated"], Path(output) / "confusion.png")
            plot_learning_curve(clf.card_["metrics"]["learning_curve"],
                                Path(output) / "learning_curve.png")
    return clf
