"""The estimator core: spaCy preprocessing -> token features -> calibrated linear model.

:class:`MomentEstimator` fits and scores; it imports nothing above the ``model`` wing. The public
:class:`moments_nlp.MomentClassifier` (:mod:`moments_nlp.classifier`) is this class plus what a
user does with a fitted model. A blank text gets no label (``None``) and NaN probabilities; a
non-answer such as ``"n/a"`` is ``ordinary`` with ``p_ordinary = 1``
(:mod:`moments_nlp.text._non_answers`).

Examples
--------
>>> core = MomentEstimator(cv=2).fit(["great crew", "rude staff", "on time"] * 4,
...                                  ["magic", "misery", "ordinary"] * 4)
>>> core.predict(["", "n/a", "great crew"])
[None, 'ordinary', 'magic']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import InputError
from moments_nlp.labels import LABELS
from moments_nlp.model._fitting import build, fit_model, fold_threads
from moments_nlp.model._parallel import parallel_proba
from moments_nlp.model._scoring import pipeline_scores
from moments_nlp.model.encoder import EncoderHead, open_encoder, pool_log_space
from moments_nlp.text._non_answers import NON_ANSWER_PROBA, non_answer_mask

__all__ = ["FAMILIAR", "OUTPUT_COLUMNS", "MomentEstimator", "linear_weights"]

#: Columns that :meth:`MomentClassifier.label` adds to a table.
OUTPUT_COLUMNS: tuple[str, ...] = ("moment", "confidence", *(f"p_{label}" for label in LABELS),
                                   "familiarity", "non_answer")
#: Familiarity from which ``confidence`` is the top probability itself; below it, ``confidence``
#: is the top probability times ``familiarity / FAMILIAR``, so ``min_confidence`` sends texts full
#: of words the model never saw to review.
FAMILIAR = 0.6
_MIN_PARALLEL_TEXTS = 2_000  # below this, starting worker processes costs more than it saves


class MomentEstimator(ClassifierMixin, BaseEstimator):
    """The estimator core of :class:`moments_nlp.MomentClassifier`: it fits and scores.

    A scikit-learn estimator: ``__init__`` stores its parameters (documented on
    :class:`~moments_nlp.MomentClassifier`, the public class built on this one), ``fit`` builds
    and fits a :class:`~sklearn.pipeline.Pipeline` (``preprocess`` -> ``features`` ->
    ``classifier``) and returns ``self``; the fitted state lives in attributes ending in ``_``.
    What a user does with a fitted model beyond predicting (label a table, explain, estimate
    shares, evaluate, save) is on the public class, which composes the wings above this one.
    """

    def __init__(self, *, pipeline: str = "blank:en", negation_scope: int = 4, ngram_max: int = 2,
                 subword: int = 4, lexicon_features: bool = True, min_df: int = 1, C: float = 4.0,
                 class_weight: str | None = "balanced", calibration: str = "temperature",
                 cv: int = 4, batch_size: int = 1000, n_process: int = 1,
                 random_state: int = 0, sentence_vote: float = 0.0,
                 encoder: str | None = None, encoder_weight: float = 0.5) -> None:
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
        self.encoder = encoder
        self.encoder_weight = encoder_weight

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _build(self) -> Pipeline:
        """The unfitted pipeline of these parameters (:func:`moments_nlp.model._fitting.build`)."""
        return build(self)

    def fit(self, X: Iterable[object], y: Iterable[object],
            sample_weight: Iterable[float] | None = None, *,
            groups: Iterable[object] | None = None,
            calibration_weight: Iterable[float] | None = None,
            show_progress: bool | None = False) -> MomentEstimator:
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

    def _fit_encoder(self, texts: Sequence[str], labels: Sequence[str],
                     weights: np.ndarray | None, calibration: np.ndarray | None,
                     step: Any) -> np.ndarray | None:
        """With an ``encoder``: embed the texts, fit :class:`EncoderHead` on them and return its
        held-out probabilities (``LABELS`` order), pooled into the share sample by the caller.
        Without one: ``None``."""
        if self.encoder is None:
            for name in ("encoder_", "encoder_head_"):
                self.__dict__.pop(name, None)
            return None
        if not 0.0 <= float(self.encoder_weight) <= 1.0:
            raise ValueError(f"encoder_weight must be between 0 and 1 (the encoder's share), "
                             f"got {self.encoder_weight!r}")
        step("encode")
        self.encoder_ = open_encoder(self.encoder, threads=fold_threads(self))
        vectors = self.encoder_.encode(texts)
        step("encoder head")
        self.encoder_head_ = EncoderHead(cv=self.cv, random_state=self.random_state)
        held_out = self.encoder_head_.fit_held_out(vectors, labels, sample_weight=weights,
                                                   calibration_weight=calibration)
        return held_out[:, self._head_order()]

    def _head_order(self) -> np.ndarray:
        fitted = [str(c) for c in self.encoder_head_.classes_]
        return np.asarray([fitted.index(label) for label in LABELS])

    def _column_order(self) -> np.ndarray:
        fitted = list(self.pipeline_.classes_)
        return np.asarray([fitted.index(label) for label in LABELS])

    def set_n_process(self, n_process: int) -> MomentEstimator:
        """Change how many processes predict / label use, also on a fitted model.

        Each worker process runs the whole pipeline on a share of the texts (see
        :mod:`moments_nlp.model._parallel`); spaCy itself stays single-process. Returns ``self``.
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
            # each worker runs the whole model, its encoder on one thread
            return parallel_proba(self, texts, self.n_process, familiar=familiar)
        order = getattr(self, "_order", None)
        if order is None:
            order = self._order = self._column_order()
        scores = pipeline_scores(self.pipeline_, order, texts, self._vote_weight(),
                                 float(getattr(self, "vote_temperature_", 1.0)),
                                 familiar=familiar)
        return self._pool_encoder(texts, scores)

    def _pool_encoder(self, texts: Sequence[str], scores: np.ndarray) -> np.ndarray:
        """The words' probabilities pooled with the encoder head's (accurate models only)."""
        head = getattr(self, "encoder_head_", None)
        if head is None:
            return scores
        if self.n_process > 1:
            self.encoder_.set_threads(self.n_process)
        opinion = head.predict_proba(self.encoder_.encode(texts))[:, self._head_order()]
        scores[:, :len(LABELS)] = pool_log_space(scores[:, :len(LABELS)], opinion,
                                                 float(self.encoder_weight))
        return scores

    def _proba_array(self, texts: Sequence[str]) -> np.ndarray:
        return self._scores(texts, familiar=False)

    def _answer_scores(self, texts: Sequence[str], *,
                       familiar: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What predict / predict_proba / label report: ``(scores, blank, non_answer)``.

        ``scores`` is :meth:`_scores` for the texts the model reads; blank texts get a row of
        NaN, non-answers :data:`~moments_nlp.text._non_answers.NON_ANSWER_PROBA` (and NaN
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
            (``"n/a"``, ``"No comment"``, ``"10"``: :mod:`moments_nlp.text._non_answers`) gets
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
        (:mod:`moments_nlp.text._non_answers`) is ``"ordinary"``.

        Examples
        --------
        >>> import moments_nlp as mn
        >>> mn.load().predict([None, "", "  ", "Lovely crew"])
        [None, None, None, 'magic']
        """
        scores, blank, _ = self._answer_scores(as_text_list(X), familiar=False)
        best = np.nan_to_num(scores, nan=0.0).argmax(axis=1)
        return [None if skip else LABELS[i] for i, skip in zip(best, blank)]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_order", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # parameters added after a model was saved take their defaults
        state.setdefault("sentence_vote", 0.0)
        state.setdefault("encoder", None)
        state.setdefault("encoder_weight", 0.5)
        super().__setstate__(state)


def linear_weights(model: MomentEstimator) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients of the fitted linear model, rows in ``LABELS`` order.

    Returns
    -------
    coef : numpy.ndarray of shape (3, n_features)
    intercept : numpy.ndarray of shape (3,)
    scale : float
        Factor the calibration applies to the decision function (temperature scaling:
        ``softmax(scale * z)``); 1.0 when there is none. With ``ensemble=True`` the
        coefficients are averaged over the folds (then approximate).

    Raises
    ------
    InputError
        When the classifier is not linear.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> coef, intercept, scale = linear_weights(mn.load())
    >>> coef.shape[0], intercept.shape
    (3, (3,))
    """
    clf = model.pipeline_.named_steps["classifier"]
    fitted = ([clf.estimator_] if hasattr(clf, "estimator_") and hasattr(clf, "beta_") else
              [c.estimator for c in getattr(clf, "calibrated_classifiers_", [])] or [clf])
    if not all(hasattr(est, "coef_") for est in fitted):
        raise InputError(
            f"explanations need a linear classifier with coef_, got {type(fitted[0]).__name__}"
        )
    classes = [str(c) for c in clf.classes_]
    order = [classes.index(label) for label in LABELS]
    coef = np.mean([np.asarray(est.coef_, dtype=np.float64) for est in fitted], axis=0)[order]
    intercept = np.mean([np.asarray(est.intercept_, dtype=np.float64) for est in fitted],
                        axis=0)[order]
    scales = [float(getattr(cal, "beta_", 1.0)) for c in getattr(clf, "calibrated_classifiers_", [])
              for cal in getattr(c, "calibrators", [])
              if getattr(c, "method", "") == "temperature"]
    if hasattr(clf, "beta_"):  # moments_nlp.model._calibrate.TemperatureCalibratedClassifier
        scales = [float(clf.beta_)]
    return coef, intercept, float(np.mean(scales)) if scales else 1.0
