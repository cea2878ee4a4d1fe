"""One self-contained HTML page about a labeled survey: shares, groups, touchpoints, reasons.

:func:`report` takes a table labeled by :meth:`MomentClassifier.label` (unlabeled tables are
labeled first) and writes a single HTML file with the charts embedded as base64 PNG images
(matplotlib, extra ``plot``), so it can be mailed or opened offline:

1. overall shares of Magic / Ordinary / Misery: the headline is the **counted** labels, as in
   the table, with 95% Wilson intervals; a corrected estimate (:mod:`moments_nlp.insight.shares`) is
   shown beside them, and said to be one, only when it applies to this data
   (:mod:`moments_nlp.insight._report_shares`: never by default for the shipped model);
2. the same per group (``by``, e.g. the channel), with a warning for groups of fewer than
   30 comments;
3. the share of Misery (and Magic) among the moments of each touchpoint
   (:func:`moments_nlp.insight.moments.moments`: one moment per comment and touchpoint, read from
   its own clause), with counts and a warning for touchpoints of fewer than 30 moments; the
   same table is written as CSV beside the HTML file (``report.html`` ->
   ``report_touchpoints.csv``);
4. the terms that drive Misery and those that drive Magic
   (:func:`moments_nlp.insight.drive_terms.drive_terms`: stop words left out, ranked by their
   log-odds against the other labels), as a chart and a table;
5. a few example evidence spans per touchpoint, taken from the moments, each comment once.

Every piece of user text is HTML-escaped.

Examples
--------
>>> import pandas as pd, tempfile, moments_nlp as mn
>>> df = pd.DataFrame({"comment": ["Rude agent", "Lovely staff", "App crashed"],
...                    "channel": ["web", "app", "app"]})
>>> path = mn.report(mn.load().label(df), by="channel",
...                  output=tempfile.mkdtemp() + "/r.html", n_boot=20)
>>> path.read_text(encoding="utf-8").count("data:image/png;base64,") >= 4
True
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import ColumnNotFoundError, InputError, require
from moments_nlp.insight._report_charts import (
    COLORS,
    group_figure,
    png,
    share_figure,
    terms_figure,
    touchpoint_figure,
)
from moments_nlp.insight._report_shares import (
    SMALL_GROUP,
    corrected_shares,
    correction_basis,
    counted_shares,
    shares_table,
)
from moments_nlp.insight.drive_terms import drive_terms
from moments_nlp.labels import DISPLAY_NAMES, LABELS
from moments_nlp.text._non_answers import non_answer_mask

if TYPE_CHECKING:
    from moments_nlp.model.estimator import MomentEstimator

__all__ = ["report"]

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;padding:0 1rem}h1{margin-bottom:.2rem}h2{margin-top:2.2rem;
border-bottom:1px solid #ddd;padding-bottom:.3rem}.meta{color:#666}img{max-width:100%;
height:auto;display:block;margin:.5rem 0}table{border-collapse:collapse;width:100%;
font-size:.92rem}th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;
vertical-align:top}th{background:#f4f4f4}.magic{color:#1f7a6f}.misery{color:#b23145}
.note{color:#555;font-size:.9rem}.headline{font-size:1.25rem;margin:.6rem 0}
.ci{color:#666;font-size:.85em}.warn{background:#fff4d6;border-left:4px solid #e0a100;
padding:.5rem .8rem;margin:.6rem 0}.warn-tag{background:#fff4d6;color:#7a5a00;
font-size:.8em;padding:0 .3rem;border-radius:3px}"""


def _terms_section(frame: pd.DataFrame, text_column: str, label: str, top: int) -> list[str]:
    """Heading, chart and table of the terms that drive ``label`` (stop words left out)."""
    name = DISPLAY_NAMES.get(label, label).replace("Moment of ", "")
    out = [f"<h2>Terms that drive {html.escape(name)}</h2>"]
    terms = drive_terms(frame[text_column].tolist(), frame["moment"].tolist(), label, top=top)
    if not terms:
        return [*out, f"<p class=\"note\">No comment was labeled {html.escape(name)}.</p>"
                if not (frame["moment"] == label).any() else
                f"<p class=\"note\">No term stands out in the {html.escape(name)} comments.</p>"]
    rows = "".join(f"<tr><td>{html.escape(t.term)}</td><td>{t.score:.1f}</td>"
                   f"<td>{t.n_label}</td><td>{t.n_other}</td></tr>" for t in terms)
    return [*out, png(terms_figure([(t.term, t.score) for t in terms], name, COLORS[label]),
                      f"terms that drive {name.lower()}"),
            f"<table id=\"{label}-terms\"><thead><tr><th>term</th><th>score (z)</th>"
            f"<th>{html.escape(name)} comments with it</th><th>other comments with it</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>",
            "<p class=\"note\">Words (stop words left out) far more frequent in these comments "
            "than in the others: the z-score of their log-odds ratio against the other labels "
            "(informative Dirichlet prior), so a word every comment holds scores near zero.</p>"]


def _small_touchpoints_warning(rates: pd.DataFrame) -> str:
    small = rates[rates["moments"] < SMALL_GROUP]
    if small.empty:
        return ""
    names = ", ".join(f"{html.escape(str(t))} (n={int(n)})" for t, n in small["moments"].items())
    return (f"<p class=\"warn\" id=\"small-touchpoints\">&#9888; Too few moments to read: "
            f"{names}. With fewer than {SMALL_GROUP} moments a touchpoint's share can sit at 0% "
            "or 100% by chance; its pale bars are printed but should not be compared with the "
            "others.</p>")


def _examples_table(rows: pd.DataFrame, order: list[str], n_examples: int) -> str:
    """Example evidence per touchpoint, each comment shown once (under the first touchpoint,
    in ``order``, that picks it; a later touchpoint takes its next-best example)."""
    out = []
    shown: set[Any] = set()  # comments (text_id) and evidence spans already in the table
    for name in order:
        subset = rows[rows["touchpoint"] == name]
        picked: list[Any] = []
        for label in ("misery", "magic", "ordinary"):
            part = subset[subset["moment"] == label].sort_values("confidence", ascending=False)
            fresh = [idx for idx in part.index
                     if rows.at[idx, "text_id"] not in shown
                     and ("evidence", str(rows.at[idx, "evidence"])) not in shown]
            for idx in fresh[:max(1, n_examples // 2)]:
                picked.append(idx)
                shown.update({rows.at[idx, "text_id"], ("evidence", str(rows.at[idx, "evidence"]))})
        for idx in picked[:n_examples]:
            label = str(rows.at[idx, "moment"])
            out.append(f"<tr data-comment=\"{html.escape(str(rows.at[idx, 'text_id']))}\">"
                       f"<td>{html.escape(name)}</td><td class=\"{html.escape(label)}\">"
                       f"{html.escape(DISPLAY_NAMES.get(label, label))}</td>"
                       f"<td>{html.escape(str(rows.at[idx, 'evidence']))}</td></tr>")
    if not out:
        return "<p class=\"note\">No comment mentions a touchpoint.</p>"
    return ("<table><thead><tr><th>touchpoint</th><th>moment</th><th>evidence</th></tr></thead>"
            f"<tbody>{''.join(out)}</tbody></table>")


def _non_answer_flags(frame: pd.DataFrame, texts: list[str]) -> np.ndarray:
    """The ``non_answer`` column as booleans (a CSV read back holds "True" / "False"); for a
    table labeled before the column existed, the recognizer run on the texts."""
    if "non_answer" not in frame.columns:
        return non_answer_mask(texts)
    values = frame["non_answer"].tolist()
    return np.asarray([str(v).strip().lower() in ("true", "1", "yes") for v in values], dtype=bool)


def _headline(counted: pd.DataFrame) -> str:
    parts = []
    shares, counts = counted["share"].to_dict(), counted["count"].to_dict()
    for label in LABELS:
        share, count = float(shares[label]), int(counts[label])
        parts.append(f"<span class=\"{label}\" data-label=\"{label}\" "
                     f"data-share=\"{share:.6f}\"><b>{html.escape(DISPLAY_NAMES[label])} "
                     f"{share:.0%}</b></span> ({count})")
    return (f"<p class=\"headline\" id=\"headline\">Of {counted.attrs['n']} comments with text: "
            + ", ".join(parts) + ".</p>")


def _overall_note(counted: pd.DataFrame, non_answers: int) -> str:
    n = counted.attrs["n"]
    numbers = counted["count"].to_dict()
    counts = ", ".join(f"{int(numbers[label])} {label.capitalize()}" for label in LABELS)
    note = (f"These are <b>counted</b> shares: of the {n} comments with text, the model labeled "
            f"{counts}, the same counts as the <code>moment</code> column of the labeled table. "
            "The bars and brackets are 95% Wilson intervals: how far the shares could move from "
            "sampling alone; they do not cover the model's own labeling mistakes.")
    if non_answers:
        note += (f" {non_answers} of the Ordinary comments are non-answers (\"n/a\", "
                 "\"No comment\", \"-\", a number alone), labeled Ordinary by rule.")
    out = f"<p class=\"note\">{note}</p>"
    if n < SMALL_GROUP:
        out += (f"<p class=\"warn\">&#9888; Only {n} comments: shares of fewer than "
                f"{SMALL_GROUP} comments are too uncertain to read.</p>")
    return out


def _corrected_note(counted: pd.DataFrame, corrected: pd.DataFrame, method: str,
                    why: str) -> str:
    gap = float(np.nanmax(np.abs(corrected["share"].to_numpy(dtype=np.float64)
                                 - counted["share"].to_numpy(dtype=np.float64))))
    return (f"<p class=\"note\">Beside the counts: the <b>corrected estimate</b> ({method}), "
            "which adjusts the counts for the errors the model is known to make (a model that "
            "takes some Ordinary comments for Misery over-counts Misery). "
            f"{why} The two differ by up to {100 * gap:.0f} percentage points: the counts "
            "carry the model's mistakes, the corrected estimate the assumption that these "
            "comments are like the ones its errors were measured on. Its intervals are "
            "bootstrap intervals.</p>")


def _small_groups_warning(groups: dict[str, pd.DataFrame], by: str) -> str:
    small = {g: f for g, f in groups.items() if f.attrs.get("n", 0) < SMALL_GROUP}
    if not small:
        return ""
    width = max(float((f["ci_high"] - f["ci_low"]).max()) for f in small.values())
    names = ", ".join(f"{html.escape(g)} (n={f.attrs.get('n', 0)})" for g, f in small.items())
    return (f"<p class=\"warn\" id=\"small-groups\">&#9888; Too few comments to read: {names}. "
            f"With fewer than {SMALL_GROUP} comments a {html.escape(by)}'s 95% intervals are up "
            f"to {width:.0%} wide, so its shares are printed but should not be compared with "
            "the others.</p>")


def report(labeled: pd.DataFrame, by: str | None = "channel", output: str | Path = "report.html",
           *, text_column: str = "comment", model: MomentEstimator | None = None,
           vocabulary: Any = None, n_examples: int = 3, n_terms: int = 15, n_boot: int = 200,
           title: str = "Moments of Truth report", corrected: bool | None = None,
           reference: dict[str, float] | None = None) -> Path:
    """Write the HTML report of a labeled table; returns the path written.

    The headline shares are the **counted** labels (what the table's ``moment`` column says,
    with 95% Wilson intervals). A corrected estimate of the shares is shown beside them only
    when it applies (see :mod:`moments_nlp.insight._report_shares`): with ``reference``, with
    ``corrected=True``, or by default for a model trained on the user's own labels, never by
    default for the shipped model. Groups with fewer than 30 comments carry a warning.

    The touchpoint table (:func:`moments_nlp.insight.moments.touchpoint_table`) is also written as
    CSV beside it: ``<name>_touchpoints.csv`` in the same folder.

    Parameters
    ----------
    labeled : pandas.DataFrame
        Output of :meth:`MomentClassifier.label` (``moment``, ``confidence``, ``p_<label>``);
        a table without ``moment`` is labeled with ``model`` first.
    by : str or None, default "channel"
        Column to break the shares down by (None: no breakdown).
    output : str or Path, default "report.html"
        File to write (replaced if it exists).
    text_column : str, default "comment"
    model : MomentClassifier, optional
        The model that labeled the table, for the corrected estimate;
        default ``mn.load()``.
    vocabulary : dict or path, optional
        Extra touchpoints, as in :func:`moments_nlp.insight.touchpoint_matcher.touchpoints`.
        Touchpoints are always found again in the text, with their moments
        (:func:`moments_nlp.insight.moments.moments`).
    n_examples, n_terms, n_boot : int
        Example evidence spans per touchpoint (each comment shown once), terms shown per label,
        bootstrap resamples of the corrected estimate.
    title : str
    corrected : bool or None, default None
        Show the corrected estimate beside the counts: True always, False never, None when
        the model was trained on the user's own labels or ``reference`` is given.
    reference : dict, optional
        Label shares fitted on labeled comments of this kind
        (:func:`moments_nlp.insight.shares.fit_reference`); the corrected estimate then uses EM
        with it.

    Raises
    ------
    ColumnNotFoundError
        When ``text_column`` or ``by`` is not in the table.
    MissingExtraError
        Without matplotlib (extra ``plot``).
    """
    from moments_nlp.insight.moments import GENERAL, touchpoint_table
    from moments_nlp.insight.moments import moments as find_moments
    from moments_nlp.insight.touchpoint_matcher import TOUCHPOINTS

    if not isinstance(labeled, pd.DataFrame):
        raise InputError(f"report() expects a pandas DataFrame, got {type(labeled).__name__}")
    for column in (text_column, by):
        if column is not None and column not in labeled.columns:
            raise ColumnNotFoundError(f"column {column!r} not found; available columns: "
                                      f"{[str(c) for c in labeled.columns]}")
    require("matplotlib", "plot")
    if model is None:
        from moments_nlp.model.persist import load_model

        model = load_model()
    frame = labeled if "moment" in labeled.columns else model.label(labeled, text_column)
    proba_columns = [f"p_{label}" for label in LABELS]
    missing = [c for c in ("moment", "confidence", *proba_columns) if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(f"labeled table lacks {missing}; label it with clf.label()")
    texts = as_text_list(frame[text_column])
    moments = as_text_list(frame["moment"])  # a CSV read back holds "" for blank rows
    keep = np.asarray([not is_blank(t) and m in LABELS for t, m in zip(texts, moments)],
                      dtype=bool)
    frame = frame.loc[keep].copy()
    frame["moment"] = [m for m, k in zip(moments, keep) if k]
    for column in ("confidence", *proba_columns):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame[text_column] = [t for t, k in zip(texts, keep) if k]
    non_answers = _non_answer_flags(frame, frame[text_column].tolist())
    frame["non_answer"] = non_answers
    counted = counted_shares(frame["moment"].tolist())
    show, why = correction_basis(model, corrected=corrected, reference=reference)
    parts = [f"<h1>{html.escape(title)}</h1><p class=\"meta\">{int(keep.sum())} comments with "
             f"text of {len(keep)} rows; written "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by moments-nlp.</p>",
             "<h2>Overall shares</h2>", _headline(counted),
             png(share_figure(counted, "Share of comments by label (counted)",
                              "share of comments labeled (95% Wilson interval)"),
                 "counted shares"),
             _overall_note(counted, int(non_answers.sum()))]
    if show:
        overall, method = corrected_shares(model, frame, n_boot=n_boot, reference=reference)
        parts += [shares_table({"all comments": counted}, {"all comments": overall},
                               first="comments", table_id="shares-overall"),
                  _corrected_note(counted, overall, method, why)]
    else:
        parts.append(f"<p class=\"note\" id=\"no-correction\">{why}</p>")
    if by is not None:
        groups, fixed = {}, {}
        for value, part in frame.groupby(by, sort=True):
            groups[str(value)] = counted_shares(part["moment"].tolist())
            if show:
                fixed[str(value)] = corrected_shares(model, part, n_boot=n_boot,
                                                     reference=reference)[0]
        parts += [f"<h2>Shares by {html.escape(by)}</h2>",
                  png(group_figure(groups, by, small=SMALL_GROUP), f"shares by {by}"),
                  _small_groups_warning(groups, by),
                  shares_table(groups, fixed if show else None, first=by,
                               table_id="shares-by-group")]
    found = find_moments(frame[text_column].reset_index(drop=True), model=model,
                         vocabulary=vocabulary)
    found = found[found["touchpoint"] != GENERAL].reset_index(drop=True)
    rates = touchpoint_table(found, TOUCHPOINTS)
    order = list(rates.index)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    rates.to_csv(path.with_name(f"{path.stem}_touchpoints.csv"))
    parts += ["<h2>Misery and Magic by touchpoint</h2>",
              png(touchpoint_figure(rates, small=SMALL_GROUP),
                  "misery and magic rates per touchpoint"),
              _small_touchpoints_warning(rates),
              "<p class=\"note\">Each comment gives one moment per touchpoint it mentions, "
              "read from the clause that mentions it (<code>mn.moments</code>), so a comment "
              "with good food and slow service counts as Magic for food and Misery for waiting. "
              f"The table is also in {html.escape(path.stem)}_touchpoints.csv.</p>"]
    for label in ("misery", "magic"):
        parts += _terms_section(frame, text_column, label, n_terms)
    parts += ["<h2>Examples by touchpoint</h2>", _examples_table(found, order, n_examples)]
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
    path.write_text(page, encoding="utf-8")
    return path
