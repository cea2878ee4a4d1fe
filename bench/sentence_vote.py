"""Does a vote of a long text's sentences help on domains the model never saw? (issue 14)

For each task of ``bench/default_model.py`` (same protocol; recipe ``--recipe``, default
``equal_c1``; no temperature), the model's probabilities for the whole text are blended with the
mean of its probabilities for each sentence, in log space::

    log p = (1 - alpha) * log p(whole) + alpha * log mean_s p(sentence s)

for texts of at least ``min sentences`` sentences and ``min words`` words; shorter texts keep the
whole-text answer (``alpha = 0`` is the plain model). The sentences and the blend are the
library's own (:meth:`~moments_nlp.text.preprocess.SpacyPreprocessor.transform_sentences`,
:func:`moments_nlp.model._sentence_vote.sentence_vote`, which
``MomentClassifier(sentence_vote=alpha)`` runs with 30 words and 2 sentences). It prints
macro-F1 per held-out domain (worst and mean over the leave-one-domain-out rows) and on the
in-domain clothing and Reddit test splits (``in:``), for a grid of ``alpha`` and gates.

Run from the repo root (about 5 minutes on 2 cores: 9 fits and the sentences of every test
text)::

    python bench/sentence_vote.py
    python bench/sentence_vote.py --recipe sentences_both \\
        --output bench/results/sentence_vote.md              # the shipped default's recipe
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from default_model import CANDIDATES, Part, Recipe, fit, held_out_tasks, load_parts, macro_f1

from moments_nlp.labels import LABELS
from moments_nlp.model._sentence_vote import sentence_vote
from moments_nlp.text.preprocess import SpacyPreprocessor

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


def _scored(recipe: Recipe, train: dict[str, Part], test: Part, pre: SpacyPreprocessor
            ) -> tuple[list[list[str]], list[list[int]], np.ndarray, Callable[..., np.ndarray]]:
    """The test texts' tokens and sentence ends, their whole-text probabilities (LABELS order)
    and the fitted model's probabilities of any token lists."""
    features, linear = fit(recipe, train)
    order = [list(linear.classes_).index(label) for label in LABELS]

    def score(token_lists: list[list[str]]) -> np.ndarray:
        return linear.predict_proba(features.transform(token_lists))[:, order]

    tokens, ends = pre.transform_sentences(test.texts)
    return tokens, ends, score(tokens), score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="equal_c1", choices=sorted(CANDIDATES),
                        help="a candidate of bench/default_model.py")
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown file for the table (scripts/train_default.py stores "
                             "bench/results/sentence_vote.md in the model card)")
    args = parser.parse_args()
    recipe = CANDIDATES[args.recipe]
    start = time.perf_counter()
    parts, groups = load_parts()
    pre = SpacyPreprocessor()
    labels = np.asarray(LABELS, dtype=object)
    scored = {}
    for name, (train, test) in _tasks(recipe, parts, groups).items():
        scored[name] = (test, *_scored(recipe, train, test, pre))
        print(f"  {name}: fitted and scored [{time.perf_counter() - start:.0f}s]", flush=True)
    names = list(scored)
    lines = ["| alpha | min sentences | min words | " + " | ".join(names)
             + " | worst held-out | mean held-out |",
             "| --- | --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- |"]
    for alpha, min_sentences, min_words in _GRID:
        row = {}
        for name, (test, tokens, ends, whole, score) in scored.items():
            proba = sentence_vote(test.texts, tokens, ends, whole, score, alpha,
                                  min_words=min_words, min_sentences=min_sentences)
            row[name] = macro_f1(test.labels, labels[proba.argmax(axis=1)])
        held = [v for k, v in row.items() if not k.startswith("in:")]
        lines.append(f"| {alpha} | {min_sentences} | {min_words} | "
                     + " | ".join(f"{row[n]:.3f}" for n in names)
                     + f" | {min(held):.3f} | {np.mean(held):.3f} |")
    table = "\n".join(lines)
    print("\n" + table + f"\n\nrecipe {args.recipe}; total {time.perf_counter() - start:.0f}s")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            f"Sentence vote, recipe `{args.recipe}`, macro-F1 "
            f"(`python bench/sentence_vote.py --recipe {args.recipe}`)\n\n{table}\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()
