"""Write a large, realistic survey export (CSV) for the memory benchmark.

Rows are drawn (seeded) from the airline and clothing sets in ``../shared/data``, with survey
columns around them and 5% blank comments::

    python bench/make_large_csv.py /tmp/survey_400k.csv --rows 400000
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHANNELS = ("web", "app", "store", "phone", "email")


def make_csv(path: Path, rows: int, *, seed: int = 0) -> Path:
    """Write ``rows`` survey rows to ``path`` (streamed; returns ``path``)."""
    texts = pd.concat([pd.read_csv(DATA / "airline_tweets_train.csv"),
                       pd.read_csv(DATA / "clothing_reviews_train.csv")])["text"]
    pool = texts.dropna().astype(str).tolist()
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["response_id", "submitted_at", "channel", "nps", "comment"])
        for i in range(rows):
            comment = "" if rng.random() < 0.05 else rng.choice(pool)
            writer.writerow([f"R-{i:07d}", f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                             rng.choice(CHANNELS), rng.randint(0, 10), comment])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=400_000)
    args = parser.parse_args()
    make_csv(args.output, args.rows)
    print(f"wrote {args.rows:,} rows to {args.output}")


if __name__ == "__main__":
    main()
