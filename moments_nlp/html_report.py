"""One self-contained HTML page about a labeled survey: shares, groups, touchpoints, reasons.

:func:`report` takes a table labeled by :meth:`MomentClassifier.label` (unlabeled tables are
labeled first) and writes a single HTML file with the charts embedded as base64 PNG images
(matplotlib, extra ``plot``), so it can be mailed or opened offline:

1. overall shares of Magic / Ordinary / Misery with 95% intervals (:mod:`moments_nlp.shares`);
2. the same per group (``by``, e.g. the channel);
3. the share of Misery (and Magic) among the moments of each touchpoint
   (:func:`moments_nlp.moments.moments`: one moment per comment and touchpoint, read from its
   own clause), with counts; the same table is written as CSV beside the HTML file
   (``report.html`` -> ``report_touchpoints.csv``);
4. the terms that drive Misery (:mod:`moments_nlp.explain`, summed over Misery comments);
5. a few example evidence spans per touchpoint, taken from the moments.

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

import base64
import html
import io
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moments_nlp._texts import as_text_list, is_blank
from moments_nlp.errors import ColumnNotFoundError, InputError, require
from moments_nlp.labels import DISPLAY_NAMES, LABELS

if TYPE_CHECKING:
    from moments_nlp.model import MomentClassifier

__all__ = ["report"]

_COLORS = {"magic": "#2a9d8f", "ordinary": "#9aa5b1", "misery": "#d1495b"}
_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;padding:0 1rem}h1{margin-bottom:.2rem}h2{margin-top:2.2rem;
border-bottom:1px solid #ddd;padding-bottom:.3rem}.meta{color:#666}img{max-width:100%;
height:auto;display:block;margin:.5rem 0}table{border-collapse:collapse;width:100%;
font-size:.92rem}th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;
vertical-align:top}th{background:#f4f4f4}.magic{color:#1f7a6f}.misery{color:#b23145}
.note{color:#555;font-size:.9rem}"""


def _figure(width: float, height: float) -> Any:
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(fig: Any, alt: str) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # emoji in comment text drawn as a label: the default font lacks them; a box is drawn
        warnings.filterwarnings("ignore", message="Glyph .* missing from font",
                                category=UserWarning)
        fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _share_chart(frame: pd.DataFrame, title: str) -> str:
    fig = _figure(6.5, 3.2)
    ax = fig.subplots()
    names = [DISPLAY_NAMES.get(label, label) for label in LABELS]
    share = frame["share"].to_numpy()
    low = np.clip(np.nan_to_num(share - frame["ci_low"].to_numpy()), 0, None)
    high = np.clip(np.nan_to_num(frame["ci_high"].to_numpy() - share), 0, None)
    ax.barh(names, share, xerr=[low, high], color=[_COLORS[lab] for lab in LABELS], capsize=4)
    for y, value in enumerate(share):
        ax.text(min(value + 0.02, 0.9), y, f"{value:.0%}", va="center")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("estimated share (95% interval)")
    ax.set_title(title)
    return _png(fig, title)


def _group_chart(groups: dict[str, pd.DataFrame], by: str) -> str:
    names = list(groups)
    fig = _figure(8, 0.5 * len(names) + 1.6)
    ax = fig.subplots()
    y = np.arange(len(names))
    height = 0.8 / len(LABELS)
    for k, label in enumerate(LABELS):
        share = np.asarray([groups[g].loc[label, "share"] for g in names])
        err = np.nan_to_num(np.vstack([
            share - [groups[g].loc[label, "ci_low"] for g in names],
            np.asarray([groups[g].loc[label, "ci_high"] for g in names]) - share]))
        ax.barh(y + (k - 1) * height, share, height, xerr=np.clip(err, 0, None),
                color=_COLORS[label], label=DISPLAY_NAMES.get(label, label), capsize=2)
    ax.set_yticks(y, [f"{g} (n={groups[g].attrs.get('n', 0)})" for g in names])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("estimated share (95% interval)")
    ax.set_title(f"Shares by {by}")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig, f"shares by {by}")


def _touchpoint_chart(rates: pd.DataFrame) -> str:
    fig = _figure(8, 0.42 * max(len(rates), 1) + 1.6)
    ax = fig.subplots()
    y = np.arange(len(rates))
    ax.barh(y - 0.2, rates["misery_share"], 0.4, color=_COLORS["misery"], label="Misery")
    ax.barh(y + 0.2, rates["magic_share"], 0.4, color=_COLORS["magic"], label="Magic")
    ax.set_yticks(y, [f"{name} (n={n})" for name, n in zip(rates.index, rates["moments"])])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the moments of the touchpoint")
    ax.set_title("Misery and Magic by touchpoint (one moment per comment and touchpoint)")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig, "misery and magic rates per touchpoint")


def _terms_chart(terms: list[tuple[str, float]]) -> str:
    fig = _figure(7, 0.32 * max(len(terms), 1) + 1.4)
    ax = fig.subplots()
    ax.barh([t for t, _ in terms], [w for _, w in terms], color=_COLORS["misery"])
    ax.invert_yaxis()
    ax.set_xlabel("summed weight toward Misery (log-odds)")
    ax.set_title("Terms that drive Misery")
    return _png(fig, "terms that drive misery")


def _misery_terms(model: MomentClassifier, texts: list[str], top: int) -> list[tuple[str, float]]:
    from moments_nlp.explain import explain

    totals: dict[str, list[Any]] = {}
    for terms in explain(model, texts, top=None, label="misery"):
        for name, weight in terms:
            if weight > 0 and not name.startswith("("):
                entry = totals.setdefault(name.lower(), [name.lower(), 0.0])
                entry[1] += weight
    ranked = sorted(totals.values(), key=lambda item: -item[1])[:top]
    return [(str(name), float(weight)) for name, weight in ranked]


def _examples_table(rows: pd.DataFrame, order: list[str], n_examples: int) -> str:
    out = []
    for name in order:
        subset = rows[rows["touchpoint"] == name]
        picked: list[Any] = []
        for label in ("misery", "magic", "ordinary"):
            part = subset[subset["moment"] == label].sort_values("confidence", ascending=False)
            picked.extend(part.head(max(1, n_examples // 2)).index)
        for idx in picked[:n_examples]:
            label = str(rows.at[idx, "moment"])
            out.append(f"<tr><td>{html.escape(name)}</td><td class=\"{html.escape(label)}\">"
                       f"{html.escape(DISPLAY_NAMES.get(label, label))}</td>"
                       f"<td>{html.escape(str(rows.at[idx, 'evidence']))}</td></tr>")
    if not out:
        return "<p class=\"note\">No comment mentions a touchpoint.</p>"
    return ("<table><thead><tr><th>touchpoint</th><th>moment</th><th>evidence</th></tr></thead>"
            f"<tbody>{''.join(out)}</tbody></table>")


def report(labeled: pd.DataFrame, by: str | None = "channel", output: str | Path = "report.html",
           *, text_column: str = "comment", model: MomentClassifier | None = None,
           vocabulary: Any = None, n_examples: int = 3, n_terms: int = 15, n_boot: int = 200,
           title: str = "Moments of Truth report") -> Path:
    """Write the HTML report of a labeled table; returns the path written.

    The touchpoint table (:func:`moments_nlp.moments.touchpoint_table`) is also written as
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
        For the share correction and the Misery terms; default ``mn.load()``.
    vocabulary : dict or path, optional
        Extra touchpoints, as in :func:`moments_nlp.touchpoint_matcher.touchpoints`.
        Touchpoints are always found again in the text, with their moments
        (:func:`moments_nlp.moments.moments`).
    n_examples, n_terms, n_boot : int
        Example evidence spans per touchpoint, Misery terms shown, bootstrap resamples.
    title : str

    Raises
    ------
    ColumnNotFoundError
        When ``text_column`` or ``by`` is not in the table.
    MissingExtraError
        Without matplotlib (extra ``plot``).
    """
    from moments_nlp.moments import GENERAL, touchpoint_table
    from moments_nlp.moments import moments as find_moments
    from moments_nlp.shares import held_out_sample, reference_prior, shares_from_proba
    from moments_nlp.touchpoint_matcher import TOUCHPOINTS

    if not isinstance(labeled, pd.DataFrame):
        raise InputError(f"report() expects a pandas DataFrame, got {type(labeled).__name__}")
    for column in (text_column, by):
        if column is not None and column not in labeled.columns:
            raise ColumnNotFoundError(f"column {column!r} not found; available columns: "
                                      f"{[str(c) for c in labeled.columns]}")
    require("matplotlib", "plot")
    if model is None:
        from moments_nlp.persist import load_model

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
    held_out = held_out_sample(model)
    prior = reference_prior(model) if held_out is None else None
    proba = frame[proba_columns].to_numpy(dtype=np.float64)
    overall = shares_from_proba(proba, prior, n_boot=n_boot, held_out=held_out)
    parts = [f"<h1>{html.escape(title)}</h1><p class=\"meta\">{int(keep.sum())} comments with "
             f"text of {len(keep)} rows; written "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by moments-nlp.</p>",
             "<h2>Overall shares</h2>", _share_chart(overall, "Overall shares"),
             "<p class=\"note\">Shares are corrected for the model's errors and for the shift "
             "in class balance from its training data ("
             + ("KDEy-ML" if held_out is not None else "EM prior adjustment") + "); bars show 95% "
             "bootstrap intervals. Counting predicted labels gives "
             + ", ".join(f"{DISPLAY_NAMES.get(lab, lab)} {share:.0%}" for lab, share in zip(
                 LABELS, (frame["moment"].value_counts(normalize=True)
                          .reindex(list(LABELS)).fillna(0))))
             + ".</p>"]
    if by is not None:
        groups = {}
        for value, part in frame.groupby(by, sort=True):
            groups[str(value)] = shares_from_proba(part[proba_columns].to_numpy(np.float64),
                                                   prior, n_boot=n_boot, held_out=held_out)
        parts += [f"<h2>Shares by {html.escape(by)}</h2>", _group_chart(groups, by)]
    found = find_moments(frame[text_column], model=model, vocabulary=vocabulary)
    found = found[found["touchpoint"] != GENERAL].reset_index(drop=True)
    rates = touchpoint_table(found, TOUCHPOINTS)
    order = list(rates.index)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    rates.to_csv(path.with_name(f"{path.stem}_touchpoints.csv"))
    parts += ["<h2>Misery and Magic by touchpoint</h2>", _touchpoint_chart(rates),
              "<p class=\"note\">Each comment gives one moment per touchpoint it mentions, "
              "read from the clause that mentions it (<code>mn.moments</code>), so a comment "
              "with good food and slow service counts as Magic for food and Misery for waiting. "
              f"The table is also in {html.escape(path.stem)}_touchpoints.csv.</p>"]
    misery_texts = frame.loc[frame["moment"] == "misery", text_column].astype(str).tolist()
    terms = _misery_terms(model, misery_texts, n_terms) if misery_texts else []
    parts.append("<h2>Terms that drive Misery</h2>")
    parts.append(_terms_chart(terms) if terms else
                 "<p class=\"note\">No comment was labeled Misery.</p>")
    parts += ["<h2>Examples by touchpoint</h2>", _examples_table(found, order, n_examples)]
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
    path.write_text(page, encoding="utf-8")
    return path
