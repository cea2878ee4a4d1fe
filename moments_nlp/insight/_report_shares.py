"""The shares sections of the HTML report: counted labels first, a correction only when it applies.

A manager reads the headline, so the headline is what can be checked against the labeled file:
the **counted** share of each label among the comments with text (non-answers included, as
``ordinary``), with 95% Wilson score intervals for sampling noise.

The **corrected** estimate (:func:`moments_nlp.insight.shares.shares_from_proba`: KDEy-ML on the
model's held-out predictions, or EM with a fitted reference) adjusts the counts for the model's
known errors, but only on data like the data those errors were measured on. It is shown *beside* the
counts, never instead of them, when :func:`correction_basis` finds a basis:

* a ``reference`` fitted on labeled comments of this kind
  (:func:`moments_nlp.insight.shares.fit_reference`) is given;
* the caller asks for it (``corrected=True``, ``--corrected``); the page then says what the
  correction was measured on;
* by default (``corrected=None``) when the model keeps a held-out sample or fitted reference
  from *its user's* labeled data: any model but the shipped default, which was tested only
  on its own training domains (clothing reviews, Reddit comments, the seed corpus), not on
  the user's survey.

Groups with fewer than :data:`SMALL_GROUP` comments get a visible warning: their intervals are
too wide to read.

Examples
--------
>>> counted_shares(["magic", "misery", "misery", "ordinary"])["share"].tolist()
[0.25, 0.25, 0.5]
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from moments_nlp.labels import DISPLAY_NAMES, LABELS

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["SMALL_GROUP", "correction_basis", "counted_shares", "corrected_shares",
           "shares_table"]

#: Groups with fewer comments than this get a warning that their shares are too noisy to read.
SMALL_GROUP = 30


def counted_shares(moments: Sequence[str], *, confidence: float = 0.95) -> pd.DataFrame:
    """Share of each label among ``moments`` with Wilson score intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``LABELS``, columns ``count``, ``share``, ``ci_low``, ``ci_high``; ``attrs["n"]``.
        All NaN shares for no moments.
    """
    counts = np.asarray([sum(1 for m in moments if m == label) for label in LABELS], dtype=float)
    n = float(counts.sum())
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / n
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    frame = pd.DataFrame({"count": counts.astype(int), "share": share,
                          "ci_low": np.clip(centre - half, 0, 1),
                          "ci_high": np.clip(centre + half, 0, 1)},
                         index=pd.Index(LABELS, name="label"))
    frame.attrs["n"] = int(n)
    return frame


def _default_training_hash() -> str | None:
    from moments_nlp.errors import MomentsError
    from moments_nlp.model.persist import read_card

    try:
        value = (read_card(None).get("training") or {}).get("sha256")
    except (MomentsError, OSError):  # no readable default card: nothing to compare with
        return None
    return str(value) if value else None


def _sources(card: dict[str, Any]) -> str:
    names = [str(s.get("name", "")).split(" (")[0].split(",")[0] for s in card.get("sources", [])]
    return "; ".join(n for n in names if n) or "its own training data"


def correction_basis(model: MomentEstimator, *, corrected: bool | None,
                     reference: dict[str, float] | None) -> tuple[bool, str]:
    """Whether the report shows the corrected estimate, and why, in one sentence for the page.

    Examples
    --------
    >>> import moments_nlp as mn
    >>> show, why = correction_basis(mn.load(), corrected=None, reference=None)
    >>> show, why.startswith("No corrected estimate")
    (False, True)
    """
    from moments_nlp.insight.shares import held_out_sample

    card = getattr(model, "card_", None) or {}
    has_sample = held_out_sample(model) is not None or "shares_reference" in card or (
        getattr(model, "shares_reference_", None) is not None)
    training = card.get("training") or {}
    is_default = (card.get("name") == "moments-nlp default" or (
        training.get("sha256") is not None and training.get("sha256") == _default_training_hash()))
    if corrected is False:
        return False, "No corrected estimate is shown: it was turned off."
    if reference is not None:
        return True, ("The corrected estimate uses the reference you fitted on labeled comments "
                      "(EM prior adjustment), so it applies to comments like those.")
    if corrected:
        where = (f"the model's own training data ({_sources(card)})" if is_default
                 else "the data the model was trained on")
        return True, (f"The corrected estimate is shown because it was asked for. Its "
                      f"correction was measured on {where}; on comments unlike those it can "
                      "be further off than counting.")
    if not has_sample:
        return False, ("No corrected estimate is shown: the model keeps no held-out sample or "
                       "fitted reference to correct with.")
    if is_default:
        return False, (
            "No corrected estimate is shown: this is the shipped default model, whose errors "
            f"were measured only on its own training data ({_sources(card)}), not on comments "
            "like these, so a correction could move the shares the wrong way. To get one, "
            "label a few hundred of these comments and train a model on them "
            "(<code>moments-nlp train</code>), or pass a reference fitted on them "
            "(<code>moments_nlp.insight.shares.fit_reference</code>); <code>--corrected</code> "
            "shows it anyway.")
    rows = training.get("rows")
    trained = f" ({rows:,} labeled rows)" if isinstance(rows, int) else ""
    return True, (f"The corrected estimate is shown because the model was trained on your own "
                  f"labeled comments{trained}; it assumes these comments are like those.")


def corrected_shares(model: MomentEstimator, frame: pd.DataFrame, *, n_boot: int,
                     reference: dict[str, float] | None) -> tuple[pd.DataFrame, str]:
    """The corrected estimate for the labeled rows of ``frame`` and the name of its method.

    Non-answers (``non_answer`` column) are ordinary by rule and added back uncorrected
    (:func:`moments_nlp.insight.shares.with_non_answers`).
    """
    from moments_nlp.insight.shares import (
        held_out_sample,
        reference_array,
        reference_prior,
        shares_from_proba,
        with_non_answers,
    )

    columns = [f"p_{label}" for label in LABELS]
    non = (frame["non_answer"].astype("boolean").fillna(False).to_numpy(dtype=bool)
           if "non_answer" in frame.columns else np.zeros(len(frame), dtype=bool))
    proba = frame.loc[~non, columns].to_numpy(dtype=np.float64)
    held_out = None if reference is not None else held_out_sample(model)
    if reference is not None:
        prior: Any = reference_array(reference)
        method = "EM prior adjustment with your reference"
    elif held_out is not None:
        prior, method = None, "KDEy-ML on the model's held-out predictions"
    else:
        prior, method = reference_prior(model), "EM prior adjustment"
    shares = shares_from_proba(proba, prior, n_boot=n_boot, held_out=held_out)
    return with_non_answers(shares, int(non.sum())), method


def _cell(row: pd.Series, *, count: bool) -> str:
    if pd.isna(row["share"]):
        return "<td>-</td>"
    detail = [f"{int(row['count'])}"] if count else []
    if not pd.isna(row["ci_low"]):
        detail.append(f"{row['ci_low']:.0%}-{row['ci_high']:.0%}")
    extra = f" <span class=\"ci\">({'; '.join(detail)})</span>" if detail else ""
    return f"<td data-share=\"{row['share']:.6f}\">{row['share']:.0%}{extra}</td>"


def shares_table(counted: dict[str, pd.DataFrame], corrected: dict[str, pd.DataFrame] | None,
                 *, first: str, table_id: str) -> str:
    """An HTML table: one row per group (``first`` names the group column), counted shares with
    their counts and intervals, then the corrected estimate when there is one."""
    names = [DISPLAY_NAMES.get(label, label) for label in LABELS]
    head = "".join(f"<th>{html.escape(n)} counted</th>" for n in names)
    if corrected is not None:
        head += "".join(f"<th>{html.escape(n)} corrected</th>" for n in names)
    body = []
    for group, frame in counted.items():
        n = int(frame.attrs.get("n", 0))
        flag = " <span class=\"warn-tag\">too few to read</span>" if n < SMALL_GROUP else ""
        cells = "".join(_cell(frame.loc[label], count=True) for label in LABELS)
        if corrected is not None:
            cells += "".join(_cell(corrected[group].loc[label], count=False) for label in LABELS)
        body.append(f"<tr data-group=\"{html.escape(group)}\"><td>{html.escape(group)}{flag}"
                    f"</td><td>{n}</td>{cells}</tr>")
    return (f"<table id=\"{html.escape(table_id)}\"><thead><tr><th>{html.escape(first)}</th>"
            f"<th>n</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
