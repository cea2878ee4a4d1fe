"""Train the default model shipped in ``models/default`` (reproducible; run from the repo root).

Data (both allow any use, including commercial):

* ``../shared/data/clothing_reviews_train.csv``: Women's E-Commerce Clothing Reviews, CC0 1.0;
* ``data/seed_feedback.csv``: the project's own seed corpus, CC0 1.0.

The airline tweets (CC BY-NC-SA 4.0) are never used here. The clothing test split stays held out,
so the card's in-domain figure and the airline (cross-domain) figure are both honest.

Usage::

    python scripts/train_default.py [--shared ../shared/data] [--output models/default]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import moments_nlp as mn
from moments_nlp.train import data_sha256

# The seed corpus (1,686 rows, 20 industries) is small next to 18,108 clothing reviews; repeating
# it lets its service, hotel and product comments count. With the grown corpus, on the airline
# train split (unseen domain) and the sample survey (promoters labeled magic / detractors misery):
# x3 C=0.25: 0.627, 0.44 / 0.60; x6 C=0.25: 0.625, 0.70 / 0.61; x6 C=0.5: 0.615, 0.81 / 0.59;
# x10 C=0.5: 0.606, 0.86 / 0.59 (python bench/seed_weight.py 3:0.25 6:0.25 6:0.5 10:0.5).
# x6 keeps the airline figure and finds far more of the praise in service comments.
SEED_WEIGHT = 6
# Strong regularization generalizes across domains: trained on clothing + seed and scored on the
# airline *train* split as an unseen-domain dev set (test split untouched), macro-F1 was
# 0.569 (C=4), 0.607 (C=1), 0.618 (C=0.5), 0.625 (C=0.25), 0.622 (C=0.1); seed x10 and a 3x
# lexicon scale did not help (0.566, 0.569). See the closing note of the accuracy issue.
C = 0.25
MIN_DF = 3  # drops rare n-grams: smaller model, no loss across domains (min_df=2: 0.619 at C=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared/data", type=Path)
    parser.add_argument("--output", default="models/default", type=Path)
    args = parser.parse_args()

    clothing = pd.read_csv(args.shared / "clothing_reviews_train.csv")
    seed = pd.read_csv("data/seed_feedback.csv")
    texts = list(clothing["text"]) + list(seed["text"]) * SEED_WEIGHT
    labels = list(clothing["label"]) + list(seed["label"]) * SEED_WEIGHT
    start = time.perf_counter()
    clf = mn.train(texts, labels, C=C, min_df=MIN_DF, sources=[
        {"name": "Women's E-Commerce Clothing Reviews (Kaggle nicapotato), train split",
         "license": "CC0 1.0", "rows": str(len(clothing)),
         "sha256": data_sha256(clothing["text"], clothing["label"])},
        {"name": f"moments-nlp seed corpus data/seed_feedback.csv (x{SEED_WEIGHT})",
         "license": "CC0 1.0", "rows": str(len(seed)),
         "sha256": data_sha256(seed["text"], seed["label"])},
    ])
    print(f"trained in {time.perf_counter() - start:.1f}s on {len(texts)} rows")
    metrics = {}
    for name, file in [("clothing_test (in-domain, held out)", "clothing_reviews_test.csv"),
                       ("airline_test (cross-domain, never trained on)",
                        "airline_tweets_test.csv")]:
        test = pd.read_csv(args.shared / file)
        report = clf.evaluate(test["text"], test["label"])
        metrics[name] = report.to_dict()
        print(f"{name}: macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f} "
              f"ECE {report.ece:.4f}")
    clf.save(args.output, card={"metrics": metrics, "name": "moments-nlp default"})
    print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
