"""Train the default model shipped in ``models/default`` (reproducible; run from the repo root).

Data (all allow any use, including commercial):

* ``../shared/data/clothing_reviews_train.csv``: Women's E-Commerce Clothing Reviews, CC0 1.0;
* ``../shared/data/reddit_emotions_train.csv``: GoEmotions Reddit comments mapped to three
  labels, Apache-2.0 (attribution: Demszky et al., ACL 2020; named in the model card);
* ``data/seed_feedback.csv``: the project's own seed corpus, CC0 1.0;
* the clear sentences of the clothing train reviews (``moments_nlp._sentence_signal``), a source
  of their own: short feedback learns from sentences, not only from ten-sentence reviews.

The airline tweets (CC BY-NC-SA 4.0) are never used here. The clothing and Reddit test splits
stay held out, so the card's figures on them and on airline (never trained on) are honest.

The recipes (sources, their weights, ``C``, ``min_df``) are candidates of
``python bench/default_model.py``, which ranks them by their worst held-out domain; its table is
stored in the card when ``bench/results/default_model.md`` exists, and so is the sentence-vote
table of ``python bench/sentence_vote.py --recipe sentences_both --output
bench/results/sentence_vote.md`` (``bench/results/sentence_vote.md``).

Usage::

    python scripts/train_default.py [--shared ../shared/data] [--output models/default]
    python scripts/train_default.py --recipe sentences_seed --output /tmp/sentences_seed
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import moments_nlp as mn
from moments_nlp._sentence_signal import review_sentences
from moments_nlp.train import data_sha256

# Each source gets a total weight whatever its row count (shares of the total; see
# bench/default_model.py, whose recipes these are). "sentences_both" is shipped: the 18k clothing
# reviews no longer swamp 6.6k hand-written comments, the 43k Reddit comments add general
# language, and the clear sentences of the clothing reviews teach short feedback (held-out
# Reddit 0.541 -> 0.592 in the leave-one-domain-out table). The temperature is fitted without the
# sentences (see below). "equal_c1" was shipped before it; "sentences_seed(_q)" score clothing
# test 0.630-0.632 as the default (see issue 14's closing notes).
RECIPES = {
    "equal_c1": {"clothing": 1.0, "reddit": 1.0, "seed": 1.0},
    "sentences_seed": {"clothing": 1.0, "reddit": 1.0, "seed": 1.5, "clothing_sentences": 0.5},
    "sentences_seed_q": {"clothing": 1.0, "reddit": 1.0, "seed": 1.5, "clothing_sentences": 0.25},
    "sentences_both": {"clothing": 1.5, "reddit": 1.0, "seed": 1.5, "clothing_sentences": 0.5},
}
C = 1.0
MIN_DF = 3  # drops rare n-grams: a smaller model, no loss across domains
# a long text's sentences vote at prediction time (moments_nlp._sentence_vote): in
# `python bench/sentence_vote.py --recipe sentences_both` the worst held-out domain (clothing
# reviews) goes from 0.473 to 0.492 and the mean from 0.733 to 0.736; clothing test (in-domain)
# pays 0.641 -> 0.632
SENTENCE_VOTE = 0.5
SOURCES = {
    "clothing": ("Women's E-Commerce Clothing Reviews (Kaggle nicapotato), train split",
                 "CC0 1.0"),
    "reddit": ("GoEmotions (Demszky et al., ACL 2020), Reddit comments, train split, mapped "
               "to magic/ordinary/misery (see ../shared/data/PROVENANCE.md)", "Apache-2.0"),
    "seed": ("moments-nlp seed corpus data/seed_feedback.csv", "CC0 1.0"),
    "clothing_sentences": ("clear sentences of the clothing train reviews "
                           "(moments_nlp._sentence_signal.review_sentences)", "CC0 1.0"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared/data", type=Path)
    parser.add_argument("--output", default="models/default", type=Path)
    parser.add_argument("--recipe", default="sentences_both", choices=sorted(RECIPES))
    args = parser.parse_args()
    shares = RECIPES[args.recipe]

    frames = {
        "clothing": pd.read_csv(args.shared / "clothing_reviews_train.csv"),
        "reddit": pd.read_csv(args.shared / "reddit_emotions_train.csv"),
        "seed": pd.read_csv("data/seed_feedback.csv"),
    }
    if "clothing_sentences" in shares:
        clothing = frames["clothing"][frames["clothing"]["text"].notna()]
        sentences = pd.DataFrame(
            review_sentences(clothing["text"].astype(str).tolist(), clothing["label"].tolist()),
            columns=["text", "label", "review"])
        sentences["review"] = clothing.index[sentences["review"]]  # the review's row label
        frames["clothing_sentences"] = sentences
    # a sentence can repeat a one-sentence review (or another sentence) with another label: such
    # texts are dropped from every source before the weights are set (mn.train would refuse them)
    every = pd.concat([frame[["text", "label"]].astype(str) for frame in frames.values()])
    n_labels = every.groupby("text")["label"].nunique()
    conflicting = set(n_labels[n_labels > 1].index)
    for name, frame in frames.items():
        frames[name] = frame[~frame["text"].astype(str).isin(conflicting)]
    print(f"dropped {len(conflicting)} texts that carry different labels in different sources")
    texts: list[str] = []
    labels: list[str] = []
    weights: list[np.ndarray] = []
    # calibration folds keep a review and the sentences cut from it on one side; other rows are
    # grouped by their text (mn.train's default)
    groups: list[str] = []
    total = sum(len(frame) for frame in frames.values())
    for name, frame in frames.items():
        texts += frame["text"].astype(str).tolist()
        if name == "clothing":
            groups += [f"review {i}" for i in frame.index]
        elif name == "clothing_sentences":
            groups += [f"review {i}" for i in frame["review"]]
        else:
            groups += frame["text"].astype(str).tolist()
        labels += frame["label"].tolist()
        share = shares[name] / sum(shares.values())
        weights.append(np.full(len(frame), total * share / len(frame)))
    sources = [{"name": SOURCES[name][0], "license": SOURCES[name][1], "rows": str(len(frame)),
                "weight_share": f"{shares[name] / sum(shares.values()):.3f}",
                "sha256": data_sha256(frame["text"], frame["label"])}
               for name, frame in frames.items()]
    # the temperature is fitted on the whole comments only: the clear sentences are easy, and
    # fitted on them too it makes the model over-confident on reviews and comments (ECE on
    # airline 0.037 -> 0.047, Reddit 0.056 -> 0.066, clothing 0.021 -> 0.027)
    calibration = np.concatenate([w * (name != "clothing_sentences")
                                  for name, w in zip(frames, weights)])
    start = time.perf_counter()
    clf = mn.train(texts, labels, C=C, min_df=MIN_DF, sentence_vote=SENTENCE_VOTE,
                   sample_weight=np.concatenate(weights),
                   groups=groups if "clothing_sentences" in frames else None,
                   calibration_weight=calibration, sources=sources)
    print(f"trained in {time.perf_counter() - start:.1f}s on {len(texts)} rows")
    metrics = {}
    for name, file in [("clothing_test (in-domain, held out)", "clothing_reviews_test.csv"),
                       ("reddit_test (in-domain, held out)", "reddit_emotions_test.csv"),
                       ("airline_test (cross-domain, never trained on)",
                        "airline_tweets_test.csv")]:
        test = pd.read_csv(args.shared / file)
        report = clf.evaluate(test["text"], test["label"])
        metrics[name] = report.to_dict()
        print(f"{name}: macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f} "
              f"ECE {report.ece:.4f}")
    card: dict[str, object] = {"metrics": metrics, "name": "moments-nlp default"}
    for key, table in [("recipe_choice", "default_model.md"),
                       ("sentence_vote_choice", "sentence_vote.md")]:
        protocol = Path("bench/results") / table
        if protocol.is_file():
            card[key] = protocol.read_text(encoding="utf-8")
    clf.save(args.output, card=card, overwrite=True)  # the shipped folder is replaced
    print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
