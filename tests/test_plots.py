"""Charts of a training run (moments_nlp.training._plots): readable axes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from moments_nlp.training._plots import learning_curve_figure, plot_learning_curve

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("rows", [
    [1395, 3488, 6977, 13954],  # the fractions train uses (0.1, 0.25, 0.5, 1) of 17,443 rows
    [14, 36, 72, 144],
    [900, 1100, 1300, 1500],    # close together on a log axis
])
def test_learning_curve_tick_labels_do_not_overlap(rows: list[int], tmp_path: Path) -> None:
    points = [{"rows": float(r), "macro_f1": 0.6 + 0.02 * i} for i, r in enumerate(rows)]
    fig = learning_curve_figure(points)
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    assert len(labels) == len(rows)  # one label per point, no minor-tick labels
    assert not [t for t in ax.get_xticklabels(minor=True) if t.get_text()]
    renderer = fig.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    for left, right in itertools.pairwise(boxes):
        assert left.x1 <= right.x0 or left.y1 <= right.y0 or right.y1 <= left.y0, (
            [t.get_text() for t in labels])
    path = plot_learning_curve(points, tmp_path / "curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
