"""The public classifier: the estimator core, plus what a user does with a fitted model.

:class:`MomentClassifier` is the class users fit, load and save. Its fitting and scoring are the
estimator core's (:class:`~moments_nlp.model.estimator.MomentEstimator`, in the ``model`` wing,
which imports nothing above it); its convenience methods compose the wings above the core:
labeling a table (``io``), explanations and shares (``insight``), evaluation and active
learning (``training``). :class:`WarmStartClassifier` is the same over the warm-start core.

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> clf.predict(["The crew was wonderful", "My bag was lost and nobody helped"])
['magic', 'misery']
>>> list(clf.predict_proba(["fine"]).columns)
['magic', 'ordinary', 'misery']

A blank text gets no label (``None``) and NaN probabilities; a non-answer such as ``"n/a"`` is
``ordinary`` with ``p_ordinary = 1`` (:mod:`moments_nlp.text._non_answers`):

>>> clf.predict(["", "n/a", "Rude staff"])
[None, 'ordinary', 'misery']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moments_nlp.errors import ModelIntegrityError, OutputExistsError, option
from moments_nlp.insight.explain import explain as explain_texts
from moments_nlp.insight.shares import estimate_shares as shares_of
from moments_nlp.io._label_table import label_table
from moments_nlp.labels import LABELS, labeled_texts
from moments_nlp.model.estimator import MomentEstimator
from moments_nlp.model.persist import load_model, save_model
from moments_nlp.training._warmstart import WarmStartEstimator
from moments_nlp.training.evaluate import EvaluationReport, evaluate_predictions
from moments_nlp.training.quality import suggest_labeling as suggest_texts

__all__ = ["MomentClassifier", "WarmStartClassifier", "load"]


class MomentClassifier(MomentEstimator):
    """Label feedback texts as ``magic``, ``ordinary`` or ``misery``.

    A scikit-learn estimator: ``__init__`` stores its parameters, ``fit`` builds and fits a
    :class:`~sklearn.pipeline.Pipeline` (``preprocess`` -> ``features`` -> ``classifier``) and
    returns ``self``; the fitted state lives in attributes ending in ``_``. Fitting and scoring
    are the estimator core's (:class:`moments_nlp.model.estimator.MomentEstimator`); this class
    adds what a user does with a fitted model: :meth:`label` a table, :meth:`explain`,
    :meth:`estimate_shares`, :meth:`suggest_labeling`, :meth:`evaluate` and :meth:`save`.

    Parameters
    ----------
    pipeline : str, default "blank:en"
        spaCy pipeline for tokenization (see :func:`moments_nlp.text.preprocess.build_nlp`).
    negation_scope : int, default 4
        Words after a negator that get the ``not_`` mark.
    ngram_max : int, default 2
        Longest word n-gram.
    subword : int, default 4
        Length of word-start / word-end pieces (0 = off).
    lexicon_features : bool, default True
        Add sentiment-lexicon columns.
    min_df : int, default 1
        Minimum number of texts an n-gram must occur in (2 makes smaller models).
    C : float, default 4.0
        Inverse regularization strength of the logistic regression.
    class_weight : "balanced" or None, default "balanced"
        Class weighting; "balanced" favours macro-F1 on skewed data.
    calibration : {"sigmoid", "isotonic", "temperature"}, default "temperature"
        How probabilities are calibrated on held-out folds.
    cv : int, default 4
        Folds for the calibration (and the share sample). Four folds calibrate as well as five
        on the airline and clothing sets (ECE 0.010 / 0.027 against 0.012 / 0.028) and, on two
        cores, run as two even rounds of two threads instead of three.
    batch_size : int, default 1000
        Texts per spaCy batch.
    n_process : int, default 1
        Processes for spaCy's ``nlp.pipe``. In ``fit`` the ``cv`` fold fits run in threads:
        ``n_process`` of them when it is above 1, else one per available core. The fitted
        model is the same whatever the thread count.
    random_state : int, default 0
        Seed for the folds and the solver.
    sentence_vote : float, default 0.0
        Weight (0 to 1) of a long text's sentences in its label, at prediction time only: a
        text of 30+ words and 2+ sentences blends its probabilities with the mean of its
        sentences' (:mod:`moments_nlp.model._sentence_vote`). The shipped default uses 0.5.
    encoder : str or None, default None
        The accurate tier (:mod:`moments_nlp.model.encoder`): ``"accurate"`` (the shipped
        fine-tuned sentence encoder) or a folder holding one. ``fit`` then also embeds the texts
        and fits a calibrated linear head on the vectors, and every prediction pools the two
        opinions in log space. Needs only ``onnxruntime`` and ``tokenizers``, never torch.
    encoder_weight : float, default 0.5
        The encoder's share (0 to 1) of the pooled log-probabilities.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted pipeline.
    classes_ : numpy.ndarray
        ``LABELS`` as an array (fixed order, every class always present).
    shares_proba_, shares_labels_ : numpy.ndarray or None
        A sample of held-out probabilities on the training data (float32, ``LABELS`` order)
        and their label indices into ``LABELS`` (see
        :func:`moments_nlp.model._held_out.held_out_proba`);
        :meth:`estimate_shares` matches new probabilities to them (KDEy-ML).
    shares_reference_ : numpy.ndarray or None
        The class balance the probabilities are calibrated to, in ``LABELS`` order, fitted on
        the same held-out predictions; :meth:`estimate_shares` uses it for ``method="em"``.
    vote_temperature_ : float
        Inverse temperature of the sentence vote's blended probabilities, fitted on the
        out-of-fold probabilities of the training texts that vote and their sentences (1.0
        without a vote; set for the ``sentence_vote`` given to ``fit``). The held-out sample
        above holds the voted probabilities of those texts.
    """

    def label(self, df: Any, text_column: str = "comment", *,
              min_confidence: float | None = None, explain: bool = False,
              touchpoints: bool = False, moments: bool = False, skip_rows: int | None = None,
              overwrite: bool = False) -> Any:
        """Label a table: a copy of ``df`` plus ``moment``, ``confidence``, ``p_<label>``,
        ``familiarity``, ``non_answer``, ``needs_review`` and ``language_ok``.

        ``confidence`` is the top probability, lowered for texts whose words the model mostly
        never saw (``familiarity`` below :data:`~moments_nlp.model.estimator.FAMILIAR`).
        ``needs_review`` is True where it is below ``min_confidence``. ``language_ok`` is False
        for a text that does not read as English (:mod:`moments_nlp.text._language`): the model
        reads English only, and its label of such a text says little.

        Every row and column of ``df`` is kept, in order. Rows whose text is missing or blank get
        ``<NA>`` as label and NaN scores, never a guess. A non-answer (``"No comment"``,
        ``"n/a"``, ``"-"``, a number alone: :mod:`moments_nlp.text._non_answers`) is not read by the
        model: it gets ``moment="ordinary"``, ``p_ordinary=1``, ``confidence=1``, NaN
        ``familiarity``, ``non_answer=True`` and never ``needs_review``. A Dask DataFrame gives
        back a lazy Dask DataFrame with the same columns.

        A DataFrame gets the checks ``moments-nlp label`` gives a file; read the file with
        :func:`moments_nlp.read_feedback` to get the same rows and cells as the command, and so
        the same labels (``pandas.read_csv`` turns ``N/A`` into a blank, for one).

        Parameters
        ----------
        df : pandas.DataFrame or dask.dataframe.DataFrame
        text_column : str, default "comment"
            The column of texts; a dotted path such as ``response.comment`` reads a field of
            the dicts in column ``response`` (nested JSONL records). A column holding dicts or
            lists is an error naming the rows.
        min_confidence : float, optional
            From 0 to 1: rows whose confidence is below it get ``needs_review=True``.
            Default 0.5.
        explain : bool, default False
            Add ``explanation``: the top terms behind each label (:meth:`explain`), as text.
        touchpoints : bool, default False
            Add ``touchpoints``: the touchpoints each text mentions, ``;``-separated
            (:func:`moments_nlp.insight.touchpoint_matcher.touchpoints`). Both are for pandas
            input only.
        moments : bool, default False
            Also return the moments per touchpoint (:func:`moments_nlp.insight.moments.moments`,
            with the table's index as ``text_id``): the result is then a pair
            ``(labeled, moments)``, both lazy for a Dask DataFrame.
        skip_rows : int, optional
            Leave out this many first rows: an export's header rows read as data (a Qualtrics
            export's question texts and ``{"ImportId": ...}`` row: ``skip_rows=2``). By default
            such rows are detected and warned about
            (:class:`~moments_nlp.errors.InputWarning`),
            and labeled; ``0`` turns the check off.
        overwrite : bool, default False
            Replace the columns labeling adds when ``df`` has them already (a labeled table);
            without it, that is an error.

        Examples
        --------
        >>> import pandas as pd, moments_nlp as mn
        >>> out = mn.load().label(pd.DataFrame({"comment": ["Amazing staff!", None]}))
        >>> out["moment"].tolist()
        ['magic', <NA>]
        >>> mn.load().label(out)
        Traceback (most recent call last):
        ...
        moments_nlp.errors.InputError: the input already has columns ['moment', ...
        """
        return label_table(self, df, text_column, min_confidence=min_confidence, explain=explain,
                           touchpoints=touchpoints, moments=moments, skip_rows=skip_rows,
                           overwrite=overwrite)

    def __call__(self, texts: Iterable[object]) -> list[dict[str, Any]]:
        """Label a list of texts in one call: one ``{"label", "score"}`` dict per text.

        Like a Hugging Face ``pipeline``: ``label`` is :meth:`predict`'s label and ``score`` its
        calibrated probability (the top of :meth:`predict_proba`). A blank text gets
        ``{"label": None, "score": None}``; a non-answer is ``ordinary`` with score 1.0. For
        the other columns (familiarity, review and language flags) use :meth:`label`.

        Examples
        --------
        >>> import moments_nlp as mn
        >>> clf = mn.load()
        >>> [(r["label"], round(r["score"], 2)) for r in clf(["The crew was wonderful"])]
        [('magic', 0.89)]
        >>> clf(["", "n/a"])
        [{'label': None, 'score': None}, {'label': 'ordinary', 'score': 1.0}]
        """
        proba = self.predict_proba(texts).to_numpy()
        out: list[dict[str, Any]] = []
        for row in proba:
            if np.isnan(row).any():
                out.append({"label": None, "score": None})
            else:
                best = int(row.argmax())
                out.append({"label": LABELS[best], "score": float(row[best])})
        return out

    def explain(self, X: Iterable[object], *, top: int | None = 5,
                label: str | None = None) -> list[list[tuple[str, float]]]:
        """The words behind each label, with their weights (see
        :mod:`moments_nlp.insight.explain`)."""
        return explain_texts(self, X, top=top, label=label)

    def estimate_shares(self, X: Iterable[object], *, n_boot: int = 200,
                        confidence: float = 0.95, random_state: int | None = 0,
                        reference: dict[str, float] | None = None,
                        method: str = "auto") -> pd.DataFrame:
        """Share of each label among ``X``, corrected for errors and prior shift, with
        bootstrap intervals (see :func:`moments_nlp.insight.shares.estimate_shares`)."""
        return shares_of(self, X, n_boot=n_boot, confidence=confidence,
                               random_state=random_state, reference=reference, method=method)

    def suggest_labeling(self, X: Iterable[object], n: int = 50, **options: Any) -> pd.DataFrame:
        """The ``n`` unlabeled texts worth labeling next: uncertain and diverse, no near-duplicates.

        See :func:`moments_nlp.training.quality.suggest_labeling` for the method and ``options``.
        """
        return suggest_texts(self, X, n, **options)

    def evaluate(self, X: Iterable[object], y: Iterable[object]) -> EvaluationReport:
        """Score on labeled texts: accuracy, macro-F1, per-class figures, confusion, ECE.

        The predictions scored are :meth:`predict_proba`'s (a non-answer is ``ordinary``);
        rows with a blank text have no prediction and are skipped.
        """
        texts, truth = labeled_texts(X, y, purpose="to evaluate on")
        scores, _, _ = self._answer_scores(texts, familiar=False)
        return evaluate_predictions(truth, scores)

    def save(self, path: str | Path, *, format: str = "skops",
             card: dict[str, Any] | None = None, overwrite: bool = False) -> Path:
        """Save to a model folder (estimator file + ``card.json``); returns the folder.

        ``format="skops"`` (default) can be loaded without running code from the file;
        ``format="joblib"`` is a pickle, which runs code when loaded: only load your own.
        A folder that exists and is not empty is replaced only with ``overwrite=True``
        (``--force`` on the command line).

        Raises
        ------
        OutputExistsError
            If ``path`` is a non-empty folder (or a file) and ``overwrite`` is False.

        Examples
        --------
        >>> import tempfile, moments_nlp as mn
        >>> folder = mn.load().save(tempfile.mkdtemp() + "/model")
        >>> mn.load().save(folder)
        Traceback (most recent call last):
        ...
        moments_nlp.errors.OutputExistsError: .../model exists and is not empty; pass ...
        """
        target = Path(path)
        if not overwrite and (target.is_file() or (target.is_dir() and any(target.iterdir()))):
            raise OutputExistsError(f"{target} exists and is not empty; pass ",
                                    option("overwrite", True, flag="--force"),
                                    " to replace it")
        return save_model(self, path, format=format, card=card)


class WarmStartClassifier(MomentClassifier, WarmStartEstimator):
    """A :class:`MomentClassifier` fitted on new data starting from a fitted base model.

    The parameters, fitting and method are those of the warm-start core,
    :class:`moments_nlp.training._warmstart.WarmStartEstimator`; this class adds the public
    methods. :func:`moments_nlp.train` with ``base=`` returns one.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> texts = ["great crew", "lost my bag", "flight at 9"] * 4
    >>> clf = WarmStartClassifier(base=mn.load(), cv=2).fit(texts, ["magic", "misery",
    ...                                                             "ordinary"] * 4)
    >>> clf.predict(["lost my bag"])
    ['misery']
    """


def load(path: str | Path | None = None, *, trusted: bool = False) -> MomentClassifier:
    """Load a model folder (see :func:`moments_nlp.model.persist.load_model`, which checks it).

    ``None`` or ``"default"`` is the default model shipped with the package; ``trusted=True``
    allows a pickle (``joblib``) estimator from outside the package.

    Examples
    --------
    >>> clf = load()
    >>> type(clf).__name__, clf.card_["labels"]
    ('MomentClassifier', ['magic', 'ordinary', 'misery'])
    """
    model = load_model(path, trusted=trusted)
    if not isinstance(model, MomentClassifier):
        raise ModelIntegrityError(f"the model folder {path} holds a {type(model).__name__}, "
                                  "not a MomentClassifier")
    return model
