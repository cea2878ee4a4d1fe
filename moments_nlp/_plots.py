"""PNG charts of a training run: the cross-validated confusion matrix and the learning curve.

Needs matplotlib (``pip install 'moments-nlp[plot]'``); the Agg backend is used, so no display
is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moments_nlp.errors import require
from moments_nlp.labels import DISPLAY_NAMES, LABELS

__all__ = ["plot_confusion", "plot_learning_curve"]


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


def plot_learning_curve(points: list[dict[str, float]], path: str | Path) -> Path:
    """Save macro-F1 against training rows (``[{"rows": ..., "macro_f1": ...}]``) as a PNG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot([p["rows"] for p in points], [p["macro_f1"] for p in points], marker="o")
    ax.set_xscale("log")
    ax.set_xlabel("training rows (per fold)")
    ax.set_ylabel("cross-validated macro-F1")
    ax.grid(alpha=0.3)
    ax.set_title("learning curve")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
