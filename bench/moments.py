"""Moments per touchpoint (``mn.moments``) vs the comment label applied to every touchpoint.

On ``data/moments_eval.csv`` (227 project-written comments, 521 labelled moments, see
data/README.md) it prints, in one run and with the same default model:

* touchpoint detection precision / recall / F1 (micro, ``general`` counts as a touchpoint);
* per-moment accuracy of ``mn.moments`` and of "``predict``'s comment label for every
  touchpoint", on the labelled moments whose touchpoint was detected (both methods are scored
  on the same moments) and on all labelled moments (a missed touchpoint counts as wrong),
  split by comments whose touchpoints disagree (two or more different moments) vs the others;
* the speed of ``mn.moments`` on 10,000 comments against ``predict`` on the same texts
  (distinct texts from ``../shared/data``: clothing reviews and airline tweets; without it,
  the project's own CSVs).

Run from the repository root::

    python bench/moments.py [--errors] [--shared ../shared/data] [--n 10000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import moments_nlp as mn

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "data" / "moments_eval.csv"


def _truth(cell: str) -> dict[str, str]:
    return dict(pair.split(":") for pair in cell.split(";") if pair)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _speed_texts(shared: Path, n: int) -> tuple[list[str], str]:
    parts = []
    for name in ("clothing_reviews_test.csv", "airline_tweets_train.csv"):
        if (shared / name).is_file():
            parts.append(pd.read_csv(shared / name)["text"].dropna().astype(str))
    source = "../shared/data clothing reviews + airline tweets"
    if not parts:
        parts = [pd.read_csv(ROOT / "data" / "seed_feedback.csv")["text"]]
        source = "data/seed_feedback.csv (repeated)"
    if len(parts) == 2:  # long reviews and short tweets alternate while both last
        long, short = (part.drop_duplicates().tolist() for part in parts)
        mixed = [t for pair in zip(long, short) for t in pair]
        rest = long[len(short):] + short[len(long):]
        texts = list(dict.fromkeys(mixed + rest))
    else:
        texts = pd.concat(parts).drop_duplicates().tolist()
    while len(texts) < n:
        texts = texts + texts
    return texts[:n], source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list the wrong moments")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--n", type=int, default=10_000, help="texts for the speed part")
    args = parser.parse_args()
    data = pd.read_csv(EVAL, keep_default_na=False)
    truth = [_truth(cell) for cell in data["moments"]]
    clf = mn.load()
    comment = clf.predict(data["text"])
    rows = mn.moments(data["text"].tolist(), model=clf)
    found: list[dict[str, str]] = [{} for _ in truth]
    for row in rows.itertuples():
        found[row.text_id][row.touchpoint] = row.moment
    tp = sum(len(t.keys() & f.keys()) for t, f in zip(truth, found))
    fp = sum(len(f.keys() - t.keys()) for t, f in zip(truth, found))
    fn = sum(len(t.keys() - f.keys()) for t, f in zip(truth, found))
    p, r, f1 = _prf(tp, fp, fn)
    disagree = [len(set(t.values())) > 1 for t in truth]
    print(f"{len(data)} comments, {sum(map(len, truth))} labelled moments, "
          f"{sum(disagree)} comments ({sum(disagree) / len(data):.1%}) whose touchpoints disagree")
    print(f"touchpoint detection: precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f} "
          f"(tp {tp}, fp {fp}, fn {fn})")
    print(f"{'comments':<12}{'moments':>8}{'detected':>9}{'moments acc':>13}{'label acc':>11}"
          f"{'gain':>7}{'| all: moments':>16}{'label':>7}")
    for name, want in (("disagree", True), ("others", False), ("all", None)):
        keep = [i for i, d in enumerate(disagree) if want is None or d == want]
        gold = [(i, tp_, m) for i in keep for tp_, m in truth[i].items()]
        hit = [(i, tp_, m) for i, tp_, m in gold if tp_ in found[i]]
        ours = sum(found[i][tp_] == m for i, tp_, m in hit)
        base = sum(comment[i] == m for i, tp_, m in hit)
        print(f"{name:<12}{len(gold):>8}{len(hit):>9}{ours / len(hit):>13.3f}"
              f"{base / len(hit):>11.3f}{(ours - base) / len(hit):>+7.3f}"
              f"{ours / len(gold):>16.3f}{base / len(gold):>7.3f}")
    if args.errors:
        for i, t in enumerate(truth):
            for name, moment in t.items():
                got = found[i].get(name, "(missed)")
                if got != moment:
                    print(f"  {name}: want {moment}, got {got} | {data['text'][i]}")
            for name in found[i].keys() - t.keys():
                print(f"  {name}: extra ({found[i][name]}) | {data['text'][i]}")

    texts, source = _speed_texts(Path(args.shared), args.n)
    clf.predict(texts[:200])
    mn.moments(texts[:200], model=clf)
    start = time.perf_counter()
    clf.predict(texts)
    t_predict = time.perf_counter() - start
    start = time.perf_counter()
    out = mn.moments(texts, model=clf)
    t_moments = time.perf_counter() - start
    print(f"speed on {len(texts):,} texts ({source}): predict {t_predict:.2f} s "
          f"({len(texts) / t_predict:,.0f}/s), moments {t_moments:.2f} s "
          f"({len(texts) / t_moments:,.0f}/s, {len(out):,} moments) = "
          f"{t_predict / t_moments:.2f}x the speed of predict")


if __name__ == "__main__":
    main()
