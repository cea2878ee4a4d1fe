"""Champion / challenger: score two models on the same held-out data and decide which to keep.

:func:`compare_models` gives both macro-F1s, a paired bootstrap confidence interval and p-value
for their difference (the same resampled rows score both models) and an exact McNemar test on the
rows exactly one of them gets right.

The interval and the test are both **two-sided** at level ``alpha``: the interval is the
``alpha / 2`` and ``1 - alpha / 2`` percentiles of the bootstrap differences, and the p-value is
twice the smaller bootstrap tail beyond zero, ``2 * min(P(d <= 0), P(d >= 0))``. A difference is
significant only when both say so (p below ``alpha`` *and* an interval that excludes 0); at the
boundary, where percentile and tail counts can disagree by one resample, it is not. The
challenger wins only when it is better and significantly so. :func:`promote` copies a winning
challenger folder over the champion's atomically (copy to a temporary folder next to it, then
swap), and checks these conditions again on the result it is given.

Examples
--------
>>> import moments_nlp as mn
>>> clf = mn.load()
>>> result = compare_models(clf, clf, ["Great crew", "Lost my bag"], ["magic", "misery"])
>>> result.verdict, result.significant
('champion', False)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest

from moments_nlp.errors import InputError, ModelIntegrityError
from moments_nlp.labels import LABELS, labeled_texts
from moments_nlp.model.estimator import MomentEstimator
from moments_nlp.model.persist import default_model_path, load_model, read_card

__all__ = ["ComparisonResult", "compare_models", "paired_comparison", "promote"]


@dataclass(frozen=True)
class ComparisonResult:
    """Outcome of :func:`compare_models` (``str()`` gives a readable summary)."""

    n: int
    champion_macro_f1: float
    challenger_macro_f1: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    mcnemar_champion_only: int
    mcnemar_challenger_only: int
    mcnemar_p_value: float
    alpha: float
    verdict: str
    significant: bool
    test: str = "two-sided"

    @property
    def interval_excludes_zero(self) -> bool:
        """Whether the ``1 - alpha`` interval of the difference lies wholly on one side of 0."""
        return self.ci_low > 0 or self.ci_high < 0

    @property
    def challenger_wins(self) -> bool:
        """The challenger is better and both the test and the interval say so."""
        return (self.verdict == "challenger" and self.significant and self.ci_low > 0
                and self.p_value < self.alpha and self.difference > 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)

    def _reason(self) -> str:
        level = f"{100 * (1 - self.alpha):.0f}%"
        p_side = (f"p = {self.p_value:.4f} < {self.alpha:g}" if self.p_value < self.alpha
                  else f"p = {self.p_value:.4f} >= {self.alpha:g}")
        ci_side = (f"the {level} interval excludes 0" if self.interval_excludes_zero
                   else f"the {level} interval includes 0")
        if self.significant:
            better = "challenger" if self.difference > 0 else "champion"
            return f"the {better} is significantly better: {p_side} and {ci_side}"
        if (self.p_value < self.alpha) != self.interval_excludes_zero:
            return (f"not significant: the test and the interval disagree at the boundary "
                    f"({p_side}, but {ci_side})")
        return f"the challenger is not significantly better: {p_side} and {ci_side}"

    def __str__(self) -> str:
        keep = "challenger" if self.verdict == "challenger" else "champion"
        return "\n".join([
            f"texts scored         {self.n}",
            f"champion macro-F1    {self.champion_macro_f1:.4f}",
            f"challenger macro-F1  {self.challenger_macro_f1:.4f}",
            f"difference           {self.difference:+.4f}  (challenger - champion; "
            f"{100 * (1 - self.alpha):.0f}% {self.test} paired bootstrap CI "
            f"{self.ci_low:+.4f} to {self.ci_high:+.4f}; {self.test} p = {self.p_value:.4f})",
            f"McNemar              champion-only right {self.mcnemar_champion_only}, "
            f"challenger-only right {self.mcnemar_challenger_only}, "
            f"p = {self.mcnemar_p_value:.4f} (exact, two-sided)",
            f"verdict              keep the {keep} ({self._reason()})",
        ])


def _macro_f1_counts(truth: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # weights: (b, n) resampling counts; returns macro-F1 per resample
    f1s = []
    for k in range(len(LABELS)):
        tp = weights @ ((truth == k) & (pred == k))
        fp = weights @ ((truth != k) & (pred == k))
        fn = weights @ ((truth == k) & (pred != k))
        denom = 2 * tp + fp + fn
        f1s.append(np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0))
    return np.asarray(np.mean(f1s, axis=0))


def _as_model(model: Any) -> MomentEstimator:
    if isinstance(model, MomentEstimator):
        return model
    return load_model(model)


def compare_models(champion: Any, challenger: Any, texts: Iterable[object],
                   labels: Iterable[object], *, n_boot: int = 2000, alpha: float = 0.05,
                   random_state: int = 0) -> ComparisonResult:
    """Score two models on the same labeled texts with paired significance tests.

    Parameters
    ----------
    champion, challenger : MomentClassifier or path of a model folder
    texts : iterable of str
    labels : iterable
        True labels (any known spelling); rows with blank texts are skipped.
    n_boot : int, default 2000
        Paired bootstrap resamples of the rows.
    alpha : float, default 0.05
        Significance level of the two-sided test; the CI is two-sided ``1 - alpha``.
    random_state : int, default 0

    Returns
    -------
    ComparisonResult
        ``significant`` is True when the two-sided bootstrap p-value is below ``alpha`` *and*
        the interval excludes 0. ``verdict`` is ``"challenger"`` only when its macro-F1 is
        higher and the difference is significant; otherwise ``"champion"``.
    """
    kept, truth_labels = labeled_texts(texts, labels, purpose="to compare the models on")
    truth = np.asarray([LABELS.index(label) for label in truth_labels])
    pred_a = _predicted(_as_model(champion), kept)
    pred_b = _predicted(_as_model(challenger), kept)
    return paired_comparison(truth, pred_a, pred_b, n_boot=n_boot, alpha=alpha,
                             random_state=random_state)


def _predicted(model: MomentEstimator, texts: list[str]) -> np.ndarray:
    """Label indices as ``predict`` gives them (a non-answer is ``ordinary``)."""
    scores, _, _ = model._answer_scores(texts, familiar=False)
    return np.asarray(scores.argmax(axis=1))


def paired_comparison(truth: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, *,
                      n_boot: int = 2000, alpha: float = 0.05,
                      random_state: int = 0) -> ComparisonResult:
    """:func:`compare_models` on label indices (into ``LABELS``) that are already predicted.

    Parameters
    ----------
    truth, pred_a, pred_b : numpy.ndarray of int
        True labels, the champion's and the challenger's predictions, one per row.
    n_boot, alpha, random_state
        As in :func:`compare_models`.

    Examples
    --------
    >>> truth = np.array([0, 1, 2] * 20)
    >>> worse = truth.copy(); worse[:3] = 2
    >>> result = paired_comparison(worse, worse, truth, n_boot=200)
    >>> result.test, result.verdict
    ('two-sided', 'champion')
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    if n_boot < 1:
        raise InputError(f"n_boot must be 1 or more, got {n_boot}")
    ones = np.ones((1, len(truth)))
    f1_a = float(_macro_f1_counts(truth, pred_a, ones)[0])
    f1_b = float(_macro_f1_counts(truth, pred_b, ones)[0])
    rng = np.random.default_rng(random_state)
    diffs = []
    for start in range(0, n_boot, 250):
        size = min(250, n_boot - start)
        weights = rng.multinomial(len(truth), np.full(len(truth), 1 / len(truth)), size=size)
        diffs.append(_macro_f1_counts(truth, pred_b, weights)
                     - _macro_f1_counts(truth, pred_a, weights))
    diff = np.concatenate(diffs)
    low, high = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
    # two-sided, as the interval: twice the smaller tail beyond zero (+1: the observed sample)
    below = ((diff <= 0).sum() + 1) / (len(diff) + 1)
    above = ((diff >= 0).sum() + 1) / (len(diff) + 1)
    p_value = float(min(1.0, 2 * min(below, above)))
    right_a, right_b = pred_a == truth, pred_b == truth
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    mcnemar = (binomtest(only_b, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0)
    low, high, p_value = round(float(low), 4), round(float(high), 4), round(p_value, 4)
    # significant only when the test and the interval agree (they can differ by one resample)
    significant = bool(p_value < alpha and (low > 0 or high < 0))
    verdict = "challenger" if f1_b > f1_a and significant and low > 0 else "champion"
    return ComparisonResult(
        n=len(truth), champion_macro_f1=round(f1_a, 4), challenger_macro_f1=round(f1_b, 4),
        difference=round(f1_b - f1_a, 4), ci_low=low, ci_high=high, p_value=p_value,
        mcnemar_champion_only=only_a, mcnemar_challenger_only=only_b,
        mcnemar_p_value=round(float(mcnemar), 4), alpha=alpha, verdict=verdict,
        significant=significant,
    )


def promote(result: ComparisonResult, champion_dir: str | Path,
            challenger_dir: str | Path) -> bool:
    """Copy the challenger's folder over the champion's if ``result`` says it won.

    It won when ``result.challenger_wins``: the verdict is ``"challenger"``, its macro-F1 is
    higher, the two-sided p-value is below ``alpha`` and the interval lies above 0.

    The challenger is copied into a temporary folder next to the champion's, then swapped in
    by renames, so the champion's folder is never left half-written.

    Returns
    -------
    bool
        True if the challenger was promoted, False if the champion was kept (nothing changed).

    Raises
    ------
    ModelIntegrityError
        If either folder is not a model folder.
    InputError
        If the champion is the default model shipped with the package (``mn.load()`` would
        silently change for every user of this installation): copy it to a folder of your own
        and promote over that one.
    """
    champion, challenger = Path(champion_dir), Path(challenger_dir)
    if champion.resolve() == default_model_path().resolve():
        raise InputError(
            f"{champion} is the default model shipped with moments-nlp; promote() would change "
            "what mn.load() returns for everyone using this installation. Copy it to a folder "
            "of your own (shutil.copytree) and promote over that one")
    if not result.challenger_wins:
        return False
    read_card(champion)
    read_card(challenger)
    if champion.resolve() == challenger.resolve():
        raise ModelIntegrityError(f"champion and challenger are the same folder: {champion}")
    staging = Path(tempfile.mkdtemp(prefix=f".{champion.name}.new-", dir=champion.parent))
    backup = champion.parent / f".{champion.name}.old-{staging.name.rsplit('-', 1)[-1]}"
    try:
        shutil.copytree(challenger, staging, dirs_exist_ok=True)
        champion.rename(backup)
        staging.rename(champion)
    except BaseException:
        if backup.exists() and not champion.exists():
            backup.rename(champion)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    return True
