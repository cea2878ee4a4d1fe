"""Touchpoint precision and recall on 200 hand-labelled clothing review sentences (issue 30).

The gold file ``bench/data/clothing_touchpoint_gold.csv`` holds references only (``row`` of
the review in ``clothing_reviews_test.csv``, ``sentence`` index after splitting on
``(?<=[.!?])\\s+``) and the touchpoints each sentence is truly about, written by hand before any
tuning (``bench/data/README_clothing_touchpoint_gold.md``). This script rebuilds the sentences
from the shared data, runs :func:`moments_nlp.touchpoints` on them, prints precision / recall per
touchpoint and overall (micro) and writes ``bench/results/touchpoint_precision.md``::

    python bench/touchpoint_precision.py [--data ../shared/data] [--errors] [--no-write]
        [--before OLD_VOCABULARY.json]

``--before`` scores an older vocabulary file too (used in place of the default one) and puts
its table first, e.g. the vocabulary before issue 30::

    git show 44662af:moments_nlp/insight/touchpoints_default.json > /tmp/before.json
    python bench/touchpoint_precision.py --before /tmp/before.json

Precision counts every touchpoint the matcher names: a touchpoint found that the gold does not
hold is a false positive, one the gold holds that is not found a false negative.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import pandas as pd

from moments_nlp.insight.touchpoint_matcher import TOUCHPOINTS, touchpoints

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "bench" / "data" / "clothing_touchpoint_gold.csv"
RESULT = ROOT / "bench" / "results" / "touchpoint_precision.md"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SPLIT = re.compile(r"(?<=[.!?])\s+")


def gold_sentences(data: Path) -> tuple[list[str], list[set[str]]]:
    """The 200 sentences rebuilt from the review file, with their gold touchpoints."""
    reviews = pd.read_csv(data / "clothing_reviews_test.csv", keep_default_na=False)["text"]
    gold = pd.read_csv(GOLD, keep_default_na=False)
    texts = [SPLIT.split(str(reviews.iloc[int(row)]))[int(index)]
             for row, index in zip(gold["row"], gold["sentence"])]
    truth = [set(filter(None, str(cell).split(";"))) for cell in gold["gold"]]
    return texts, truth


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def score(truth: list[set[str]], found: list[set[str]]) -> list[tuple[str, int, int, int]]:
    """``(touchpoint, true positives, false positives, false negatives)``; ``overall`` last."""
    names = [n for n in TOUCHPOINTS if any(n in t or n in f for t, f in zip(truth, found))]
    names += sorted({n for f in found for n in f} - set(names) - set(TOUCHPOINTS))
    rows = []
    for name in names:
        tp = sum(name in t and name in f for t, f in zip(truth, found))
        fp = sum(name not in t and name in f for t, f in zip(truth, found))
        fn = sum(name in t and name not in f for t, f in zip(truth, found))
        rows.append((name, tp, fp, fn))
    rows.append(("overall", *(sum(r[k] for r in rows) for k in (1, 2, 3))))
    return rows


def table(rows: list[tuple[str, int, int, int]]) -> str:
    lines = ["| touchpoint | precision | recall | found | gold | false positives |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, tp, fp, fn in rows:
        label = f"**{name}**" if name == "overall" else name
        lines.append(f"| {label} | {_ratio(tp, tp + fp):.3f} | {_ratio(tp, tp + fn):.3f} | "
                     f"{tp + fp} | {tp + fn} | {fp} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding clothing_reviews_test.csv (default ../shared/data)")
    parser.add_argument("--errors", action="store_true", help="also list the wrong sentences")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--before", type=Path, help="an older vocabulary file to score first")
    args = parser.parse_args()
    texts, truth = gold_sentences(args.data)
    before = ""
    if args.before is not None:
        old = [set(tps) for tps in touchpoints(texts, vocabulary=args.before, replace=True)]
        before = (f"Before: `{args.before.name}` given with `--before`\n\n"
                  f"{table(score(truth, old))}\n\nNow: the default vocabulary\n\n")
        print(before, end="")
    start = time.perf_counter()
    found = [set(tps) for tps in touchpoints(texts)]
    seconds = time.perf_counter() - start
    rows = score(truth, found)
    body = table(rows)
    print(f"{len(texts)} sentences, {sum(map(len, truth))} gold touchpoints, {seconds:.2f} s")
    print(body)
    errors = [(text, sorted(f - t), sorted(t - f))
              for text, t, f in zip(texts, truth, found) if t != f]
    if args.errors:
        for text, extra, missed in errors:
            print(f"  extra {extra} missed {missed}: {text}")
    if not args.no_write:
        wrong = "\n".join(f"- extra {extra}, missed {missed}: {text.strip()!r}"
                          for text, extra, missed in errors if extra)
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(
            "# Touchpoint precision on 200 clothing review sentences\n\n"
            "`python bench/touchpoint_precision.py` (gold: "
            "`bench/data/clothing_touchpoint_gold.csv`, hand-labelled before any tuning; "
            "see `bench/data/README_clothing_touchpoint_gold.md`). Precision counts every "
            "touchpoint `mn.touchpoints` names on a sentence.\n\n"
            f"{before}{body}\n\nSentences with a false positive:\n\n{wrong or '- none'}\n",
            encoding="utf-8")
        print(f"wrote {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
