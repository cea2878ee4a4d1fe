"""PNG charts of a training run: the cross-validated confusion matrix and the learning curve.

Needs matplotlib (``pip install 'moments-nlp[plot]'``); the Agg backend is used, so no display
is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moments_nlp.errors import require
from moments_nlp.labels import DISPLAY_NAMES, LABELS

__all__ = ["learning_curve_figure", "plot_confusion", "plot_learning_curve"]


def _pyplot() -> Any:
    matplotlib: Any = require("matplotlib", "plot")
    matplotlib.use("Agg", force=False)
    return require("matplotlib.pyplot", "plot")


def plot_confusion(metrics: dict[str, Any], path: str | Path) -> Path:
    """Save the confusion matrix of a report dict (``EvaluationReport.to_dict()``) as a PNG."""
    plt = _pyplot()
    counts = [[metrics["confusion"][t].get(p, 0) for p in LABELS] for t in LABELS]
    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.imshow(counts, cmap="Blues")
    names = [DISPLAY_NAMES[label] for label in LABELS]
    ax.set_xticks(range(len(LABELS)), names, rotation=20)
    ax.set_yticks(range(len(LABELS)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = max(max(row) for row in counts) or 1
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > top / 2 else "black")
    title = f"cross-validated, macro-F1 {metrics['macro_f1']:.3f}"
    ax.set_title(title + (f" ({metrics['folds']} folds)" if "folds" in metrics else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def _rows_label(rows: float) -> str:
    """A tick label for a number of rows: ``950``, ``3.5k``, ``14k``, ``1.2M``.

    Examples
    --------
    >>> [_rows_label(v) for v in (950, 3488, 13954, 1_234_567)]
    ['950', '3.5k', '14k', '1.2M']
    """
    for size, unit in ((1e6, "M"), (1e3, "k")):
        if rows >= size:
            value = rows / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{rows:.0f}"


def learning_curve_figure(points: list[dict[str, float]]) -> Any:
    """The learning-curve chart as a matplotlib figure (what :func:`plot_learning_curve` saves).

    The x axis is logarithmic, with one tick at each point's row count and no minor tick
    labels, so the labels never run into each other (matplotlib's own ``2x10^3``-style minor
    labels did).
    """
    plt = _pyplot()
    ticker: Any = require("matplotlib.ticker", "plot")
    rows = [p["rows"] for p in points]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(rows, [p["macro_f1"] for p in points], marker="o")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.FixedLocator(rows))
    ax.xaxis.set_major_formatter(
        ticker.FixedFormatter([_rows_label(r) for r in rows]))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    if len(rows) > 1 and max(rows) / min(rows) < 2:  # points close together on a log axis
        ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel("training rows (per fold)")
    ax.set_ylabel("cross-validated macro-F1")
    ax.grid(alpha=0.3)
    ax.set_title("learning curve")
    fig.tight_layout()
    return fig


def plot_learning_curve(points: list[dict[str, float]], path: str | Path) -> Path:
    """Save macro-F1 against training rows (``[{"rows": ..., "macro_f1": ...}]``) as a PNG."""
    fig = learning_curve_figure(points)
    fig.savefig(path, dpi=120)
    _pyplot().close(fig)
    return Path(path)
