"""The charts of the HTML report (:mod:`moments_nlp.insight.report`), as embedded PNG images.

Each ``*_figure`` function builds a matplotlib :class:`~matplotlib.figure.Figure` (no pyplot,
no display needed) and :func:`png` turns it into an ``<img>`` tag with the image inline as
base64, so the page stays one self-contained file. Legends sit above the plotting area, never
over the bars.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"share": [0.2, 0.5, 0.3], "ci_low": [0.1, 0.4, 0.2],
...                       "ci_high": [0.3, 0.6, 0.4]}, index=["magic", "ordinary", "misery"])
>>> png(share_figure(frame, "Overall shares", "share of comments"), "demo")[:40]
'<img alt="demo" src="data:image/png;base'
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd

from moments_nlp.errors import require
from moments_nlp.labels import DISPLAY_NAMES, LABELS

__all__ = ["COLORS", "group_figure", "png", "share_figure", "terms_figure", "touchpoint_figure"]

COLORS = {"magic": "#2a9d8f", "ordinary": "#9aa5b1", "misery": "#d1495b"}


def _figure(width: float, height: float) -> Any:
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def png(fig: Any, alt: str) -> str:
    """The figure as an ``<img>`` tag holding a base64 PNG."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # emoji in comment text drawn as a label: the default font lacks them; a box is drawn
        warnings.filterwarnings("ignore", message="Glyph .* missing from font",
                                category=UserWarning)
        fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _errors(frame: pd.DataFrame) -> np.ndarray:
    share = frame["share"].to_numpy(dtype=np.float64)
    low = np.clip(np.nan_to_num(share - frame["ci_low"].to_numpy(dtype=np.float64)), 0, None)
    high = np.clip(np.nan_to_num(frame["ci_high"].to_numpy(dtype=np.float64) - share), 0, None)
    return np.vstack([low, high])


def _legend_above(fig: Any, ax: Any, ncol: int) -> None:
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=ncol, fontsize=8, frameon=False)


def share_figure(frame: pd.DataFrame, title: str, xlabel: str) -> Any:
    """Horizontal bars of ``frame["share"]`` per label (index ``LABELS``) with intervals."""
    fig = _figure(6.5, 3.2)
    ax = fig.subplots()
    names = [DISPLAY_NAMES.get(label, label) for label in LABELS]
    share = frame["share"].to_numpy(dtype=np.float64)
    ax.barh(names, share, xerr=_errors(frame), color=[COLORS[lab] for lab in LABELS], capsize=4)
    right = np.nan_to_num(frame["ci_high"].to_numpy(dtype=np.float64), nan=0.0)
    for y, (value, end) in enumerate(zip(share, right)):
        ax.text(min(max(value, end) + 0.02, 0.9), y, f"{value:.0%}", va="center")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return fig


def group_figure(groups: dict[str, pd.DataFrame], by: str, *, small: int) -> Any:
    """Grouped bars: the share of each label per group, groups with fewer than ``small``
    comments marked in their tick label."""
    names = list(groups)
    fig = _figure(8, 0.55 * len(names) + 1.9)
    ax = fig.subplots()
    y = np.arange(len(names))
    height = 0.8 / len(LABELS)
    for k, label in enumerate(LABELS):
        rows = pd.DataFrame([groups[g].loc[label, ["share", "ci_low", "ci_high"]] for g in names])
        ax.barh(y + (k - 1) * height, rows["share"].to_numpy(dtype=np.float64), height,
                xerr=_errors(rows), color=COLORS[label], label=DISPLAY_NAMES.get(label, label),
                capsize=2)
    ticks = []
    for g in names:
        n = int(groups[g].attrs.get("n", 0))
        ticks.append(f"{g} (n={n}, too few)" if n < small else f"{g} (n={n})")
    ax.set_yticks(y, ticks)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of comments labeled (counted; 95% Wilson interval)")
    ax.set_title(f"Counted shares by {by}")
    _legend_above(fig, ax, len(LABELS))
    return fig


def touchpoint_figure(rates: pd.DataFrame, *, small: int = 0) -> Any:
    """Misery and Magic share of the moments of each touchpoint; touchpoints of fewer than
    ``small`` moments are drawn pale and marked in their tick label."""
    fig = _figure(8, 0.42 * max(len(rates), 1) + 1.9)
    ax = fig.subplots()
    y = np.arange(len(rates))
    counts = rates["moments"].to_numpy()
    alpha = np.where(counts < small, 0.35, 1.0)
    for offset, column, label in ((-0.2, "misery_share", "misery"),
                                  (0.2, "magic_share", "magic")):
        bars = ax.barh(y + offset, rates[column], 0.4, color=COLORS[label],
                       label=DISPLAY_NAMES.get(label, label).replace("Moment of ", ""))
        for bar, a in zip(bars, alpha):
            bar.set_alpha(float(a))
    ax.set_yticks(y, [f"{name} (n={n}, too few)" if n < small else f"{name} (n={n})"
                      for name, n in zip(rates.index, counts)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the moments of the touchpoint")
    ax.set_title("Misery and Magic by touchpoint")
    _legend_above(fig, ax, 2)
    return fig


def terms_figure(terms: list[tuple[str, float]], name: str = "Misery",
                 color: str = COLORS["misery"]) -> Any:
    """The terms that drive a label (``name``), with their scores."""
    fig = _figure(7, 0.32 * max(len(terms), 1) + 1.4)
    ax = fig.subplots()
    ax.barh([t for t, _ in terms], [w for _, w in terms], color=color)
    ax.invert_yaxis()
    ax.set_xlabel("log-odds against the other labels (z-score)")
    ax.set_title(f"Terms that drive {name}")
    return fig
