"""Sweep the seed-corpus weight and C of the default model (see scripts/train_default.py).

Trains on clothing_reviews_train + data/seed_feedback.csv (repeated WEIGHT times) and prints the
macro-F1 on the airline *train* split (a domain the default model never sees; the test split
stays untouched) and, on data/sample_survey.csv, the share of NPS promoters (9-10) labeled magic
and of detractors (0-6) labeled misery.

Usage (from the repo root)::

    python bench/seed_weight.py 3:0.25 6:0.25 6:0.5 10:0.5
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import moments_nlp as mn

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main(pairs: list[str]) -> None:
    clothing = pd.read_csv(SHARED / "clothing_reviews_train.csv")
    seed = pd.read_csv("data/seed_feedback.csv")
    airline = pd.read_csv(SHARED / "airline_tweets_train.csv")
    survey = pd.read_csv("data/sample_survey.csv", keep_default_na=False)
    survey = survey[survey["comment"].str.strip() != ""]
    nps = survey["nps"].astype(int)
    for pair in pairs:
        weight_text, c_text = pair.split(":")
        weight, c = int(weight_text), float(c_text)
        clf = mn.train(list(clothing["text"]) + list(seed["text"]) * weight,
                       list(clothing["label"]) + list(seed["label"]) * weight, C=c, min_df=3)
        report = clf.evaluate(airline["text"], airline["label"])
        predicted = pd.Series(clf.predict(survey["comment"]), index=survey.index)
        print(f"seed x{weight} C={c}: airline-train macro-F1 {report.macro_f1:.4f} "
              f"accuracy {report.accuracy:.4f} | survey promoters magic "
              f"{(predicted[nps >= 9] == 'magic').mean():.2f}, detractors misery "
              f"{(predicted[nps <= 6] == 'misery').mean():.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["3:0.25", "6:0.25"])
