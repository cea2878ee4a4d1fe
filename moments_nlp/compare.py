"""Champion / challenger: score two models on the same held-out data and decide which to keep.

:func:`compare_models` gives both macro-F1s, a paired bootstrap confidence interval and p-value
for their difference (the same resampled rows score both models) and an exact McNemar test on the
rows exactly one of them gets right. The challenger wins only if it is better *and* the bootstrap
says so at level ``alpha``. :func:`promote` copies a winning challenger folder over the champion's
atomically (copy to a temporary folder next to it, then swap).

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

from moments_nlp.errors import ModelIntegrityError
from moments_nlp.labels import LABELS, labeled_texts
from moments_nlp.model import MomentClassifier

__all__ = ["ComparisonResult", "compare_models", "promote"]


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

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)

    def __str__(self) -> str:
        keep = "challenger" if self.verdict == "challenger" else "champion"
        return "\n".join([
            f"texts scored         {self.n}",
            f"champion macro-F1    {self.champion_macro_f1:.4f}",
            f"challenger macro-F1  {self.challenger_macro_f1:.4f}",
            f"difference           {self.difference:+.4f}  "
            f"({100 * (1 - self.alpha):.0f}% bootstrap CI {self.ci_low:+.4f} to "
            f"{self.ci_high:+.4f}, p = {self.p_value:.4f})",
            f"McNemar              champion-only right {self.mcnemar_champion_only}, "
            f"challenger-only right {self.mcnemar_challenger_only}, "
            f"p = {self.mcnemar_p_value:.4f}",
            f"verdict              keep the {keep}"
            + (" (significantly better)" if self.significant else
               " (the challenger is not significantly better)" if keep == "champion" else ""),
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


def _as_model(model: Any) -> MomentClassifier:
    if isinstance(model, MomentClassifier):
        return model
    from moments_nlp.persist import load_model

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
        Significance level; the CI is ``1 - alpha``.
    random_state : int, default 0

    Returns
    -------
    ComparisonResult
        ``verdict`` is ``"challenger"`` only when its macro-F1 is higher and the one-sided
        bootstrap p-value is below ``alpha`` (then ``significant`` is True); otherwise
        ``"champion"`` (``significant`` then says whether the champion is significantly better).
    """
    kept, truth_labels = labeled_texts(texts, labels, purpose="to compare the models on")
    truth = np.asarray([LABELS.index(label) for label in truth_labels])
    pred_a = _as_model(champion)._proba_array(kept).argmax(axis=1)
    pred_b = _as_model(challenger)._proba_array(kept).argmax(axis=1)
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
    # one-sided: the chance the better-looking model is not actually better
    p_value = float(min(1.0, ((diff <= 0).sum() + 1) / (len(diff) + 1) if f1_b > f1_a
                        else ((diff >= 0).sum() + 1) / (len(diff) + 1)))
    right_a, right_b = pred_a == truth, pred_b == truth
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    mcnemar = (binomtest(only_b, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0)
    significant = p_value < alpha
    verdict = "challenger" if f1_b > f1_a and significant else "champion"
    return ComparisonResult(
        n=len(truth), champion_macro_f1=round(f1_a, 4), challenger_macro_f1=round(f1_b, 4),
        difference=round(f1_b - f1_a, 4), ci_low=round(float(low), 4),
        ci_high=round(float(high), 4), p_value=round(p_value, 4),
        mcnemar_champion_only=only_a, mcnemar_challenger_only=only_b,
        mcnemar_p_value=round(float(mcnemar), 4), alpha=alpha, verdict=verdict,
        significant=significant,
    )


def promote(result: ComparisonResult, champion_dir: str | Path,
            challenger_dir: str | Path) -> bool:
    """Copy the challenger's folder over the champion's if ``result`` says it won.

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
    """
    from moments_nlp.persist import read_card

    if result.verdict != "challenger":
        return False
    champion, challenger = Path(champion_dir), Path(challenger_dir)
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
