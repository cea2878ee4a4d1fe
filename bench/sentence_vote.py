"""Does a vote of a long text's sentences help on domains the model never saw? (issue 14)

For each task of ``bench/default_model.py`` (same protocol; recipe ``--recipe``, default
``equal_c1``; no temperature), the model's probabilities for the whole text are combined with
the mean of its probabilities for each sentence (the text split after ``.``, ``!`` or ``?``), in
log space::

    log p = (1 - alpha) * log p(whole) + alpha * log mean_s p(sentence s)

for texts of at least ``min sentences`` sentences and ``min words`` words; shorter texts keep the
whole-text answer (``alpha = 0`` is the plain model). It prints macro-F1 per held-out domain
(worst and mean over the leave-one-domain-out rows) and on the in-domain clothing and Reddit test
splits (``in:``), for a grid of ``alpha`` and gates. ``MomentClassifier(sentence_vote=alpha)``
is the same vote inside the library (30 words, 2 sentences; the sentences cut from the token
list at the same marks, so no text is tokenized twice).

Run from the repo root (about 5 minutes on 2 cores: 9 fits and the sentences of every test
text)::

    python bench/sentence_vote.py
    python bench/sentence_vote.py --recipe sentences_both   # the shipped default's recipe
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
from default_model import CANDIDATES, Part, Recipe, fit, held_out_tasks, load_parts, macro_f1

from moments_nlp.labels import LABELS
from moments_nlp.preprocess import SpacyPreprocessor

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GRID = [(0.0, 2, 0), (0.3, 2, 30), (0.5, 2, 0), (0.5, 2, 30), (0.5, 3, 30), (0.7, 2, 30),
         (1.0, 2, 30)]


def _tasks(recipe: Recipe, parts: dict[str, Part],
           groups: np.ndarray) -> dict[str, tuple[dict[str, Part], Part]]:
    """The held-out tasks of ``bench/default_model.py``, then the in-domain test splits."""
    tasks = {domain: (train, test) for domain, train, test in held_out_tasks(recipe, parts, groups)}
    every = tasks["airline"][0]  # airline is never trained on: its task trains on everything
    tasks["in:clothing"] = (every, parts["clothing_test"])
    tasks["in:reddit"] = (every, parts["reddit_test"])
    return tasks


def _probabilities(recipe: Recipe, train: dict[str, Part], test: Part,
                   pre: SpacyPreprocessor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole-text probabilities, mean sentence probabilities (LABELS order), sentence counts."""
    features, linear = fit(recipe, train)
    order = [list(linear.classes_).index(label) for label in LABELS]
    whole = linear.predict_proba(features.transform(test.tokens))[:, order]
    sentences: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(test.texts):
        pieces = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()] or [text]
        sentences += pieces
        owner += [i] * len(pieces)
    owners = np.asarray(owner)
    each = linear.predict_proba(features.transform(pre.transform(sentences)))[:, order]
    count = np.bincount(owners, minlength=len(whole))
    mean = np.column_stack([np.bincount(owners, weights=each[:, j], minlength=len(whole))
                            for j in range(len(LABELS))]) / count[:, None]
    return whole, mean, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="equal_c1", choices=sorted(CANDIDATES),
                        help="a candidate of bench/default_model.py")
    args = parser.parse_args()
    recipe = CANDIDATES[args.recipe]
    start = time.perf_counter()
    parts, groups = load_parts()
    pre = SpacyPreprocessor()
    labels = np.asarray(LABELS, dtype=object)
    scored = {}
    for name, (train, test) in _tasks(recipe, parts, groups).items():
        whole, mean, count = _probabilities(recipe, train, test, pre)
        words = np.asarray([len(text.split()) for text in test.texts])
        scored[name] = (whole, mean, count, words, test.labels)
        print(f"  {name}: fitted and scored [{time.perf_counter() - start:.0f}s]", flush=True)
    names = list(scored)
    print("\n| alpha | min sentences | min words | " + " | ".join(names)
          + " | worst held-out | mean held-out |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- |")
    for alpha, min_sentences, min_words in _GRID:
        row = {}
        for name, (whole, mean, count, words, truth) in scored.items():
            vote = (count >= min_sentences) & (words >= min_words)
            log_p = np.log(whole + 1e-9)
            log_p[vote] = ((1 - alpha) * log_p[vote] + alpha * np.log(mean[vote] + 1e-9))
            row[name] = macro_f1(truth, labels[log_p.argmax(axis=1)])
        held = [v for k, v in row.items() if not k.startswith("in:")]
        print(f"| {alpha} | {min_sentences} | {min_words} | "
              + " | ".join(f"{row[n]:.3f}" for n in names)
              + f" | {min(held):.3f} | {np.mean(held):.3f} |")
    print(f"\nrecipe {args.recipe}; total {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    main()
