"""Accuracy of moments-nlp against classic peers, in-domain and across domains (issue 5).

One run trains and scores every system on the same splits of ``../shared/data``:

* ``moments-nlp``: ``mn.train`` with default parameters;
* ``TF-IDF + LR``: scikit-learn ``TfidfVectorizer()`` + ``LogisticRegression()`` (defaults,
  ``max_iter`` raised);
* ``spaCy textcat bow``: ``spacy.blank("en")`` + ``textcat`` with ``spacy.TextCatBOW.v3``
  (exclusive classes), trained with ``nlp.update`` for up to 4 epochs; the epoch kept is the best
  on a 10% held-out slice of the *train* split (the test split is never used to choose);
* ``VADER`` (compound >= 0.05 magic, <= -0.05 misery, else ordinary) and ``TextBlob`` polarity
  (same thresholds): no training, so their rows are the same in every setting with that test set.

Settings (train -> test): airline -> airline, clothing -> clothing, clothing + ``data/seed_feedback
.csv`` -> airline, airline -> clothing. The shipped default model (``mn.load()``, trained on
clothing + Reddit train + seed) is scored on both test splits too. Each table gives macro-F1,
accuracy, per-class F1 and the expected calibration error of the top label (15 bins,
:func:`moments_nlp.training.evaluate.expected_calibration_error`) for systems with probabilities;
VADER and TextBlob only give a score, shown as ``-``.

Run from the repo root::

    python bench/accuracy.py                      # all settings, 3-13 minutes on 2 cores
    python bench/accuracy.py --shared ../shared/data --output bench/results/accuracy.md

The markdown tables are also written to ``bench/results/accuracy.md``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

import moments_nlp as mn
from moments_nlp.training.evaluate import expected_calibration_error

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
LABELS = list(mn.LABELS)
THRESHOLD = 0.05  # VADER's documented cut-off for its compound score, used for TextBlob too

Proba = Callable[[list[str]], np.ndarray]


@dataclass
class Split:
    """Texts and labels of one split (blank texts dropped)."""

    name: str
    texts: list[str]
    labels: list[str]


@dataclass
class Row:
    """One system scored on one test split."""

    system: str
    macro_f1: float
    accuracy: float
    per_class: list[float]
    ece: float | None
    seconds: float = 0.0
    note: str = ""


@dataclass
class Setting:
    """A train -> test setting and its rows."""

    title: str
    rows: list[Row] = field(default_factory=list)


def _read(path: Path, name: str) -> Split:
    df = pd.read_csv(path)
    df = df[df["text"].notna() & df["text"].astype(str).str.strip().ne("")]
    return Split(name, df["text"].astype(str).tolist(), mn.normalize_labels(df["label"]))


def _score(system: str, truth: Sequence[str], predicted: Sequence[str],
           proba: np.ndarray | None, seconds: float = 0.0, note: str = "") -> Row:
    per_class = f1_score(truth, predicted, labels=LABELS, average=None)
    return Row(system, float(f1_score(truth, predicted, labels=LABELS, average="macro")),
               float(accuracy_score(truth, predicted)), [float(v) for v in per_class],
               None if proba is None else expected_calibration_error(list(truth), proba),
               seconds, note)


def _score_proba(system: str, test: Split, proba: np.ndarray, seconds: float = 0.0,
                 note: str = "") -> Row:
    predicted = [LABELS[i] for i in proba.argmax(axis=1)]
    return _score(system, test.labels, predicted, proba, seconds, note)


def _threshold(scores: Sequence[float]) -> list[str]:
    return ["magic" if s >= THRESHOLD else "misery" if s <= -THRESHOLD else "ordinary"
            for s in scores]


# ------------------------------------------------------------------------------------- peers
def _vader(test: Split) -> Row:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    start = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    scores = [analyzer.polarity_scores(t)["compound"] for t in test.texts]
    return _score("VADER (compound +-0.05)", test.labels, _threshold(scores), None,
                  time.perf_counter() - start, "no training")


def _textblob(test: Split) -> Row:
    from textblob import TextBlob

    start = time.perf_counter()
    scores = [TextBlob(t).sentiment.polarity for t in test.texts]
    return _score("TextBlob polarity (+-0.05)", test.labels, _threshold(scores), None,
                  time.perf_counter() - start, "no training")


def _fit_moments(train: Split) -> tuple[Proba, float]:
    start = time.perf_counter()
    clf = mn.train(train.texts, train.labels)
    return clf._proba_array, time.perf_counter() - start


def _fit_tfidf_lr(train: Split) -> tuple[Proba, float]:
    start = time.perf_counter()
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(max_iter=3000).fit(vectorizer.fit_transform(train.texts),
                                                  train.labels)
    order = [list(model.classes_).index(label) for label in LABELS]

    def proba(texts: list[str]) -> np.ndarray:
        return np.asarray(model.predict_proba(vectorizer.transform(texts)))[:, order]

    return proba, time.perf_counter() - start


def _textcat_proba(nlp: Any, texts: list[str]) -> np.ndarray:
    out = np.array([[doc.cats[label] for label in LABELS]
                    for doc in nlp.pipe(texts, batch_size=256)], dtype=np.float64)
    return out / out.sum(axis=1, keepdims=True)


def _fit_textcat(train: Split, *, ngram_size: int, epochs: int,
                 budget: float) -> tuple[Proba, float, str]:
    """spaCy textcat (bow), best of ``epochs`` on a 10% slice held out from the train split."""
    import spacy
    from spacy.training import Example
    from spacy.util import minibatch

    start = time.perf_counter()
    fit_texts, dev_texts, fit_labels, dev_labels = train_test_split(
        train.texts, train.labels, test_size=0.1, stratify=train.labels, random_state=0)
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    textcat: Any = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
        "ngram_size": ngram_size, "no_output_layer": False, "length": 262144, "nO": None}})
    for label in LABELS:
        textcat.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {c: float(c == y) for c in LABELS}})
                for t, y in zip(fit_texts, fit_labels)]
    optimizer = nlp.initialize(lambda: examples[:1000])
    rng = random.Random(0)
    best_f1, best_epoch, best_bytes, done = -1.0, 0, b"", 0
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=64):
            nlp.update(batch, sgd=optimizer, losses={})
        dev = _textcat_proba(nlp, dev_texts)
        f1 = float(f1_score(dev_labels, [LABELS[i] for i in dev.argmax(axis=1)],
                            labels=LABELS, average="macro"))
        done = epoch
        if f1 > best_f1:
            best_f1, best_epoch, best_bytes = f1, epoch, textcat.model.to_bytes()
        per_epoch = (time.perf_counter() - start) / epoch
        if time.perf_counter() - start + per_epoch > budget:  # the next epoch would overrun
            break
    textcat.model.from_bytes(best_bytes)
    note = f"ngram {ngram_size}, epoch {best_epoch} of {done} (dev macro-F1 {best_f1:.3f})"
    return (lambda texts: _textcat_proba(nlp, texts)), time.perf_counter() - start, note


# ----------------------------------------------------------------------------------- tables
def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _markdown(setting: Setting) -> str:
    lines = [f"### {setting.title}", "",
             "| system | macro-F1 | accuracy | F1 magic | F1 ordinary | F1 misery | ECE | notes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in setting.rows:
        lines.append(f"| {r.system} | {r.macro_f1:.3f} | {r.accuracy:.3f} | "
                     + " | ".join(f"{v:.3f}" for v in r.per_class)
                     + f" | {_cell(r.ece)} | {r.note} |")
    return "\n".join(lines)


def _text_table(setting: Setting) -> str:
    head = (f"{'system':<38} {'macroF1':>7} {'acc':>6} {'magic':>6} {'ordin':>6} {'misery':>6} "
            f"{'ECE':>6} {'fit s':>6}  notes")
    lines = [f"== {setting.title}", head]
    for r in setting.rows:
        lines.append(f"{r.system:<38} {r.macro_f1:7.3f} {r.accuracy:6.3f} "
                     + " ".join(f"{v:6.3f}" for v in r.per_class)
                     + f" {_cell(r.ece):>6} {r.seconds:6.0f}  {r.note}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DATA, help="folder with the shared CSVs")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "accuracy.md")
    parser.add_argument("--textcat-epochs", type=int, default=4)
    parser.add_argument("--textcat-budget", type=float, default=150.0,
                        help="seconds per textcat training; no epoch starts that would overrun")
    args = parser.parse_args()
    start = time.perf_counter()

    air_train = _read(args.shared / "airline_tweets_train.csv", "airline train")
    air_test = _read(args.shared / "airline_tweets_test.csv", "airline test")
    clo_train = _read(args.shared / "clothing_reviews_train.csv", "clothing train")
    clo_test = _read(args.shared / "clothing_reviews_test.csv", "clothing test")
    seed = _read(REPO / "data" / "seed_feedback.csv", "seed")
    clo_seed = Split("clothing train + seed", clo_train.texts + seed.texts,
                     clo_train.labels + seed.labels)

    unsupervised = {test.name: [_vader(test), _textblob(test)] for test in (air_test, clo_test)}
    default = mn.load()
    shipped = {test.name: _score_proba("moments-nlp shipped default (mn.load)", test,
                                       default._proba_array(test.texts),
                                       note="recipe sentences_both (scripts/train_default.py)")
               for test in (air_test, clo_test)}

    # (train split, textcat n-gram size, test splits with their setting titles)
    plan = [
        (air_train, 2, [(air_test, "in-domain: airline train -> airline test"),
                        (clo_test, "cross-domain: airline train -> clothing test")]),
        (clo_train, 1, [(clo_test, "in-domain: clothing train -> clothing test")]),
        (clo_seed, 1, [(air_test, "cross-domain: clothing train + seed -> airline test")]),
    ]
    settings: dict[str, Setting] = {}
    for train, ngram, tests in plan:
        print(f"-- training on {train.name} ({len(train.texts)} texts) "
              f"[{time.perf_counter() - start:.0f}s]", flush=True)
        fitted: list[tuple[str, Proba, float, str]] = []
        proba, seconds = _fit_moments(train)
        fitted.append(("moments-nlp (mn.train defaults)", proba, seconds, ""))
        proba, seconds = _fit_tfidf_lr(train)
        fitted.append(("TF-IDF + LR (defaults)", proba, seconds, ""))
        proba, seconds, note = _fit_textcat(train, ngram_size=ngram, epochs=args.textcat_epochs,
                                            budget=args.textcat_budget)
        fitted.append(("spaCy textcat bow", proba, seconds, note))
        for test, title in tests:
            setting = settings.setdefault(title, Setting(title))
            for system, proba, seconds, note in fitted:
                setting.rows.append(_score_proba(system, test, proba(test.texts), seconds, note))
            if train is clo_seed or train is clo_train:
                setting.rows.append(shipped[test.name])
            setting.rows.extend(unsupervised[test.name])

    order = ["in-domain: airline train -> airline test",
             "in-domain: clothing train -> clothing test",
             "cross-domain: clothing train + seed -> airline test",
             "cross-domain: airline train -> clothing test"]
    elapsed = time.perf_counter() - start
    print()
    for title in order:
        print(_text_table(settings[title]) + "\n")
    footer = (f"ECE: top-label expected calibration error, 15 bins; '-' = the system gives no "
              f"probabilities (VADER, TextBlob). Blank texts dropped. Total time {elapsed:.0f}s.")
    print(footer)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(_markdown(settings[title]) for title in order)
    args.output.write_text(f"<!-- written by: python bench/accuracy.py -->\n\n{body}\n\n"
                           f"{footer}\n", encoding="utf-8")
    print(f"wrote {args.output}")
    print(f"bench/accuracy.py took {elapsed:.0f}s ({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main()
