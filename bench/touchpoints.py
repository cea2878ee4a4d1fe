"""Precision and recall of the default touchpoint vocabulary on data/touchpoints_eval.csv.

The evaluation set (263 project-written comments, ``;``-separated touchpoints, see
data/README.md) was not used to write the vocabulary. Run from the repository root::

    python bench/touchpoints.py [--errors]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from moments_nlp.insight.touchpoint_matcher import TOUCHPOINTS, touchpoints

EVAL = Path(__file__).resolve().parents[1] / "data" / "touchpoints_eval.csv"


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="also list the wrong rows")
    args = parser.parse_args()
    data = pd.read_csv(EVAL, keep_default_na=False)
    truth = [set(filter(None, cell.split(";"))) for cell in data["touchpoints"]]
    start = time.perf_counter()
    found = [set(tps) for tps in touchpoints(data["text"])]
    seconds = time.perf_counter() - start
    rows = []
    totals = [0, 0, 0]
    for name in TOUCHPOINTS:
        tp = sum(name in t and name in f for t, f in zip(truth, found))
        fp = sum(name not in t and name in f for t, f in zip(truth, found))
        fn = sum(name in t and name not in f for t, f in zip(truth, found))
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        rows.append((name, *_prf(tp, fp, fn), tp + fn))
    micro = _prf(*totals)
    macro = [sum(r[k] for r in rows) / len(rows) for k in (1, 2, 3)]
    exact = sum(t == f for t, f in zip(truth, found)) / len(truth)
    none_rows = [f for t, f in zip(truth, found) if not t]
    print(f"{len(data)} comments, {sum(map(len, truth))} labelled touchpoints, "
          f"{seconds:.2f} s")
    print(f"{'touchpoint':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for name, p, r, f1, support in rows:
        print(f"{name:<16}{p:>10.3f}{r:>8.3f}{f1:>8.3f}{support:>9d}")
    support = sum(r[4] for r in rows)
    print(f"{'micro':<16}{micro[0]:>10.3f}{micro[1]:>8.3f}{micro[2]:>8.3f}{support:>9d}")
    print(f"{'macro':<16}{macro[0]:>10.3f}{macro[1]:>8.3f}{macro[2]:>8.3f}")
    print(f"exact match (all touchpoints of a row right): {exact:.3f}")
    print(f"rows without a touchpoint: {len(none_rows)}, of which nothing found in "
          f"{sum(not f for f in none_rows)}")
    if args.errors:
        for text, t, f in zip(data["text"], truth, found):
            if t != f:
                print(f"  missed {sorted(t - f)} extra {sorted(f - t)}: {text}")


if __name__ == "__main__":
    main()
