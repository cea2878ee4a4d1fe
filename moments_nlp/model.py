"""``MomentClassifier``: spaCy preprocessing -> token features -> calibrated linear model.

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> clf.predict(["The crew was wonderful", "My bag was lost and nobody helped"])
['magic', 'misery']
>>> list(clf.predict_proba(["fine"]).columns)
['magic', 'ordinary', 'misery']

A blank text gets no label (``None``) and NaN probabilities; a non-answer such as ``"n/a"`` is
``ordinary`` with ``p_ordinary = 1`` (:mod:`moments_nlp._non_answers`):

>>> clf.predict(["", "n/a", "Rude staff"])
[None, 'ordinary', 'misery']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from moments_nlp._non_answers import NON_ANSWER_PROBA, non_answer_mask
from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.labels import LABELS, labeled_texts

if TYPE_CHECKING:
    from moments_nlp.evaluate import EvaluationReport

__all__ = ["MomentClassifier", "OUTPUT_COLUMNS", "FAMILIAR"]

#: Columns that :meth:`MomentClassifier.label` adds to a table.
OUTPUT_COLUMNS: tuple[str, ...] = ("moment", "confidence", *(f"p_{label}" for label in LABELS),
                                   "familiarity", "non_answer")
#: Familiarity from which ``confidence`` is the top probability itself; below it, ``confidence``
#: is the top probability times ``familiarity / FAMILIAR``, so ``min_confidence`` sends texts full
#: of words the model never saw to review.
FAMILIAR = 0.6
_MIN_PARALLEL_TEXTS = 2_000  # below this, starting worker processes costs more than it saves


class MomentClassifier(ClassifierMixin, BaseEstimator):
    """Label feedback texts as ``magic``, ``ordinary`` or ``misery``.

    A scikit-learn estimator: ``__init__`` stores its parameters, ``fit`` builds and fits a
    :class:`~sklearn.pipeline.Pipeline` (``preprocess`` -> ``features`` -> ``classifier``) and
    returns ``self``; the fitted state lives in attributes ending in ``_``.

    Parameters
    ----------
    pipeline : str, default "blank:en"
        spaCy pipeline for tokenization (see :func:`moments_nlp.preprocess.build_nlp`).
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
        sentences' (:mod:`moments_nlp._sentence_vote`). The shipped default uses 0.5.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted pipeline.
    classes_ : numpy.ndarray
        ``LABELS`` as an array (fixed order, every class always present).
    shares_proba_, shares_labels_ : numpy.ndarray or None
        A sample of held-out probabilities on the training data (float32, ``LABELS`` order)
        and their label indices into ``LABELS`` (see :func:`moments_nlp.kde_shares.held_out_proba`);
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

    def __init__(self, *, pipeline: str = "blank:en", negation_scope: int = 4, ngram_max: int = 2,
                 subword: int = 4, lexicon_features: bool = True, min_df: int = 1, C: float = 4.0,
                 class_weight: str | None = "balanced", calibration: str = "temperature",
                 cv: int = 4, batch_size: int = 1000, n_process: int = 1,
                 random_state: int = 0, sentence_vote: float = 0.0) -> None:
        self.pipeline = pipeline
        self.negation_scope = negation_scope
        self.ngram_max = ngram_max
        self.subword = subword
        self.lexicon_features = lexicon_features
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.cv = cv
        self.batch_size = batch_size
        self.n_process = n_process
        self.random_state = random_state
        self.sentence_vote = sentence_vote

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _build(self) -> Pipeline:
        """The unfitted pipeline of these parameters (:func:`moments_nlp._fitting.build`)."""
        from moments_nlp._fitting import build

        return build(self)

    def fit(self, X: Iterable[object], y: Iterable[object],
            sample_weight: Iterable[float] | None = None, *,
            groups: Iterable[object] | None = None,
            calibration_weight: Iterable[float] | None = None,
            show_progress: bool | None = False) -> MomentClassifier:
        """Fit on texts and their labels (any known spelling). Returns ``self``.

        ``sample_weight`` (one non-negative number per text) weights rows in the linear model
        and its calibration, e.g. to give each data source the same total weight whatever its
        row count. ``groups`` (one hashable value per text) keeps the rows of a group on one
        side of every calibration fold, e.g. a review and the sentences cut from it, or the
        comments of one respondent; by default each distinct text is its own group (copies of
        a text are held out together). ``calibration_weight`` (one non-negative number per
        text, default ``sample_weight``) weights rows in the temperature fit only: zero keeps
        rows unlike the texts to be labeled (sentences cut from reviews) from sharpening the
        probabilities of the rest, and out of the held-out sample for share estimates.
        ``show_progress`` draws a progress bar over the stages and folds of the fit (None: on a
        terminal, once the fit takes more than two seconds; see :func:`moments_nlp.train.train`).

        Raises
        ------
        TrainingDataError
            If lengths differ, a class has fewer examples than ``cv``, or a text is blank.
        UnknownLabelError
            For label values outside the vocabulary (listed with counts).
        """
        from moments_nlp._fitting import fit_model

        fit_model(self, X, y, sample_weight, groups=groups, calibration_weight=calibration_weight,
                  show_progress=show_progress)
        self.classes_ = np.asarray(LABELS, dtype=object)
        self._order = self._column_order()
        return self

    def _vote_weight(self) -> float:
        """``sentence_vote``, checked (models saved before it: 0)."""
        alpha = float(getattr(self, "sentence_vote", 0.0))
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"sentence_vote must be between 0 and 1 (the sentences' weight), "
                             f"got {self.sentence_vote!r}")
        return alpha

    def _column_order(self) -> np.ndarray:
        fitted = list(self.pipeline_.classes_)
        return np.asarray([fitted.index(label) for label in LABELS])

    def set_n_process(self, n_process: int) -> MomentClassifier:
        """Change how many processes predict / label use, also on a fitted model.

        Each worker process runs the whole pipeline on a share of the texts (see
        :mod:`moments_nlp._parallel`); spaCy itself stays single-process. Returns ``self``.
        """
        self.n_process = n_process
        return self

    # --------------------------------------------------------------- predicting
    def _scores(self, texts: Sequence[str], *, familiar: bool) -> np.ndarray:
        """The probabilities in ``LABELS`` order, ``(n, 3)``; with ``familiar=True`` each text's
        familiarity as a fourth column (only :meth:`label` and :meth:`familiarity` pay for it)."""
        check_is_fitted(self, "pipeline_")
        if not texts:
            return np.zeros((0, len(LABELS) + familiar))
        if self.n_process > 1 and len(texts) >= _MIN_PARALLEL_TEXTS:
            from moments_nlp._parallel import parallel_proba

            return parallel_proba(self, texts, self.n_process, familiar=familiar)
        order = getattr(self, "_order", None)
        if order is None:
            order = self._order = self._column_order()
        from moments_nlp._scoring import pipeline_scores

        return pipeline_scores(self.pipeline_, order, texts, self._vote_weight(),
                               float(getattr(self, "vote_temperature_", 1.0)),
                               familiar=familiar)

    def _proba_array(self, texts: Sequence[str]) -> np.ndarray:
        return self._scores(texts, familiar=False)

    def _answer_scores(self, texts: Sequence[str], *,
                       familiar: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What predict / predict_proba / label report: ``(scores, blank, non_answer)``.

        ``scores`` is :meth:`_scores` for the texts the model reads; blank texts get a row of
        NaN, non-answers :data:`~moments_nlp._non_answers.NON_ANSWER_PROBA` (and NaN
        familiarity: the model does not read them). The masks are boolean arrays.
        """
        blank = np.fromiter((is_blank(t) for t in texts), dtype=bool, count=len(texts))
        non_answer = non_answer_mask(texts)
        scored = ~blank & ~non_answer
        scores = np.full((len(texts), len(LABELS) + familiar), np.nan)
        if scored.any():
            scores[scored] = self._scores([t for t, k in zip(texts, scored) if k],
                                          familiar=familiar)
        scores[non_answer, :len(LABELS)] = NON_ANSWER_PROBA
        return scores, blank, non_answer

    def familiarity(self, X: Iterable[object]) -> np.ndarray:
        """Share of each text's words the model has weights for (0 to 1; NaN for no words).

        A text in a language or jargon the model never saw scores low; :meth:`label` lowers
        its ``confidence`` accordingly (see :data:`FAMILIAR`).

        Examples
        --------
        >>> import moments_nlp as mn
        >>> clf = mn.load()
        >>> bool(clf.familiarity(["The staff were friendly"])[0] > 0.9)
        True
        >>> bool(clf.familiarity(["服务很好"])[0] < 0.5)
        True
        """
        return self._scores(as_text_list(X), familiar=True)[:, len(LABELS)]

    def predict_proba(self, X: Iterable[object]) -> pd.DataFrame:
        """Calibrated probability of each label, one row per text (as :meth:`label` gives).

        Returns
        -------
        pandas.DataFrame
            Columns exactly ``LABELS``, float64; rows sum to 1, except for a missing, empty or
            whitespace-only text, whose row is all NaN (never a guess). A non-answer
            (``"n/a"``, ``"No comment"``, ``"10"``: :mod:`moments_nlp._non_answers`) gets
            ``p_ordinary = 1``.

        Examples
        --------
        >>> import moments_nlp as mn
        >>> mn.load().predict_proba(["", "No comment"]).to_numpy().tolist()
        [[nan, nan, nan], [0.0, 1.0, 0.0]]
        """
        texts = as_text_list(X)
        index = X.index if isinstance(X, pd.Series) else None
        scores, _, _ = self._answer_scores(texts, familiar=False)
        return pd.DataFrame(scores, columns=list(LABELS), index=index)

    def predict(self, X: Iterable[object]) -> list[str | None]:
        """One label per text: a list in input order, always the same length as ``X``.

        Each item is a label from ``LABELS``, or ``None`` for a missing, empty or
        whitespace-only text (:meth:`label` shows the same rows as ``<NA>``). A non-answer
        (:mod:`moments_nlp._non_answers`) is ``"ordinary"``.

        Examples
        --------
        >>> import moments_nlp as mn
        >>> mn.load().predict([None, "", "  ", "Lovely crew"])
        [None, None, None, 'magic']
        """
        scores, blank, _ = self._answer_scores(as_text_list(X), familiar=False)
        best = np.nan_to_num(scores, nan=0.0).argmax(axis=1)
        return [None if skip else LABELS[i] for i, skip in zip(best, blank)]

    def label(self, df: Any, text_column: str = "comment", *,
              min_confidence: float | None = None, explain: bool = False,
              touchpoints: bool = False, moments: bool = False) -> Any:
        """Label a table: a copy of ``df`` plus ``moment``, ``confidence``, ``p_<label>`` and
        ``familiarity``.

        ``confidence`` is the top probability, lowered for texts whose words the model mostly
        never saw (``familiarity`` below :data:`FAMILIAR`).

        Every row and column of ``df`` is kept, in order. Rows whose text is missing or blank get
        ``<NA>`` as label and NaN scores, never a guess. A non-answer (``"No comment"``,
        ``"n/a"``, ``"-"``, a number alone: :mod:`moments_nlp._non_answers`) is not read by the
        model: it gets ``moment="ordinary"``, ``p_ordinary=1``, ``confidence=1``, NaN
        ``familiarity``, ``non_answer=True`` and never ``needs_review``. A Dask DataFrame gives
        back a lazy Dask DataFrame with the same columns.

        Parameters
        ----------
        df : pandas.DataFrame or dask.dataframe.DataFrame
        text_column : str, default "comment"
        min_confidence : float, optional
            Rows whose confidence is below this get ``needs_review=True`` (column added).
        explain : bool, default False
            Add ``explanation``: the top terms behind each label (:meth:`explain`), as text.
        touchpoints : bool, default False
            Add ``touchpoints``: the touchpoints each text mentions, ``;``-separated
            (:func:`moments_nlp.touchpoint_matcher.touchpoints`). Both are for pandas input only.
        moments : bool, default False
            Also return the moments per touchpoint (:func:`moments_nlp.moments.moments`, with
            the table's index as ``text_id``): the result is then a pair
            ``(labeled, moments)``, both lazy for a Dask DataFrame.

        Examples
        --------
        >>> import pandas as pd, moments_nlp as mn
        >>> out = mn.load().label(pd.DataFrame({"comment": ["Amazing staff!", None]}))
        >>> out["moment"].tolist()
        ['magic', <NA>]
        """
        from moments_nlp._label_table import label_table

        return label_table(self, df, text_column, min_confidence=min_confidence, explain=explain,
                           touchpoints=touchpoints, moments=moments)

    def explain(self, X: Iterable[object], *, top: int | None = 5,
                label: str | None = None) -> list[list[tuple[str, float]]]:
        """The words behind each label, with their weights (see :mod:`moments_nlp.explain`)."""
        from moments_nlp.explain import explain

        return explain(self, X, top=top, label=label)

    def estimate_shares(self, X: Iterable[object], *, n_boot: int = 200,
                        confidence: float = 0.95, random_state: int | None = 0,
                        reference: dict[str, float] | None = None,
                        method: str = "auto") -> pd.DataFrame:
        """Share of each label among ``X``, corrected for errors and prior shift, with
        bootstrap intervals (see :func:`moments_nlp.shares.estimate_shares`)."""
        from moments_nlp.shares import estimate_shares

        return estimate_shares(self, X, n_boot=n_boot, confidence=confidence,
                               random_state=random_state, reference=reference, method=method)

    def suggest_labeling(self, X: Iterable[object], n: int = 50, **options: Any) -> pd.DataFrame:
        """The ``n`` unlabeled texts worth labeling next: uncertain and diverse, no near-duplicates.

        See :func:`moments_nlp.quality.suggest_labeling` for the method and ``options``.
        """
        from moments_nlp.quality import suggest_labeling

        return suggest_labeling(self, X, n, **options)

    def evaluate(self, X: Iterable[object], y: Iterable[object]) -> EvaluationReport:
        """Score on labeled texts: accuracy, macro-F1, per-class figures, confusion, ECE.

        The predictions scored are :meth:`predict_proba`'s (a non-answer is ``ordinary``);
        rows with a blank text have no prediction and are skipped.
        """
        from moments_nlp.evaluate import evaluate_predictions

        texts, truth = labeled_texts(X, y, purpose="to evaluate on")
        scores, _, _ = self._answer_scores(texts, familiar=False)
        return evaluate_predictions(truth, scores)

    def save(self, path: str | Path, *, format: str = "skops",
             card: dict[str, Any] | None = None) -> Path:
        """Save to a model folder (estimator file + ``card.json``); returns the folder.

        ``format="skops"`` (default) can be loaded without running code from the file;
        ``format="joblib"`` is a pickle, which runs code when loaded: only load your own.
        """
        from moments_nlp.persist import save_model

        return save_model(self, path, format=format, card=card)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_order", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # parameters added after a model was saved take their defaults
        state.setdefault("sentence_vote", 0.0)
        super().__setstate__(state)
