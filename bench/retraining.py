"""Retraining acceptance measurements (issue 4): label noise, few-shot warm start, compare.

Run from the repo root (needs ../shared/data; takes a few minutes on 2 cores)::

    python bench/retraining.py [--shared ../shared/data] [--only noise,warm,compare]

1. Label noise: flip 5% of the airline training labels (seeded; ``--noise-seeds 0,1``, seed 0
   is the acceptance sample) to another label; k = number flipped; share of flipped rows among
   the k rows ranked first by ``mn.find_label_issues``, next to a plain TF-IDF + logistic
   regression ranked by out-of-fold self-confidence. ``--encoder`` also ranks the way
   ``find_label_issues(..., encoder="minilm", encoder_runs=N)`` does (``--encoder-runs``,
   default 2; extra ``[transformer]``; about half an hour per run on 2 cores), with each
   fine-tuning run's out-of-fold probabilities stored in ``--encoder-cache DIR`` and reused.
2. Few-shot warm start: 100 airline tweets per class (seeded sample of the train split);
   ``mn.train(..., base=mn.load())`` vs the same call without ``base`` vs plain TF-IDF+LR, on
   the airline test split. Seed 0 is the acceptance sample; seeds 1-4 show the spread.
3. Champion / challenger: a model on 1,000 airline rows vs one on all 11,521 rows, compared on
   the test split; promotion of the worse is refused, of the better done.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

import moments_nlp as mn
from moments_nlp.labels import LABELS
from moments_nlp.training._encoder import fine_tuned_oof
from moments_nlp.training.compare import compare_models, promote
from moments_nlp.training.quality import _ENCODER_WEIGHT, find_label_issues, out_of_fold_ensemble


def _plain() -> object:
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))


def noise(train: pd.DataFrame, seed: int = 0, encoder_runs: int = 0,
          cache: Path | None = None) -> None:
    rng = np.random.default_rng(seed)
    labels = train["label"].to_numpy(dtype=object).copy()
    flipped = rng.choice(len(labels), size=round(0.05 * len(labels)), replace=False)
    for i in flipped:
        labels[i] = rng.choice([x for x in LABELS if x != labels[i]])
    k = len(flipped)
    is_flipped = np.zeros(len(labels), dtype=bool)
    is_flipped[flipped] = True
    texts = train["text"].tolist()
    start = time.perf_counter()
    ours = find_label_issues(texts, labels, only_issues=False)  # default settings
    took = time.perf_counter() - start
    flagged = int((ours["score"] > 0.5).sum())
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    base_proba = cross_val_predict(_plain(), texts, labels, cv=cv, method="predict_proba")
    classes = sorted(LABELS)  # sklearn orders classes alphabetically
    base_self = base_proba[np.arange(len(labels)), [classes.index(x) for x in labels]]

    def precision(order: np.ndarray) -> float:
        return float(is_flipped[order[:k]].mean())

    print(f"== label noise: {k} of {len(labels)} airline train labels flipped (5%, seed {seed})")
    print("plain TF-IDF+LR, OOF self-confidence  precision@k "
          f"{precision(np.argsort(base_self, kind='stable')):.3f}")
    print(f"mn.find_label_issues                  precision@k "
          f"{precision(ours.index.to_numpy()):.3f}   ({flagged} rows with score > 0.5; "
          f"{took:.0f}s)")
    if encoder_runs:
        # what find_label_issues(encoder="minilm", encoder_runs=N) computes, one cached run at
        # a time: run r is fine_tuned_oof(random_state=r), the classical ensemble as above
        start = time.perf_counter()
        classic = out_of_fold_ensemble(texts, list(labels))
        runs = [_fine_tuned_run(texts, list(labels), seed, run, cache)
                for run in range(encoder_runs)]

        def ranked(tuned: np.ndarray) -> float:
            proba = (1 - _ENCODER_WEIGHT) * classic + _ENCODER_WEIGHT * tuned
            issues = find_label_issues(texts, labels, only_issues=False, proba=proba)
            return precision(issues.index.to_numpy())

        singles = ", ".join(f"{ranked(run):.3f}" for run in runs)
        print(f"mn.find_label_issues(encoder='minilm', encoder_runs={encoder_runs}) precision@k "
              f"{ranked(np.mean(runs, axis=0)):.3f}   (single runs {singles}; "
              f"{time.perf_counter() - start:.0f}s)", flush=True)


def _fine_tuned_run(texts: list[str], labels: list[str], flip_seed: int, run: int,
                    cache: Path | None) -> np.ndarray:
    """Run ``run`` of the encoder's cross-validation, from ``cache`` when stored there."""
    path = None if cache is None else cache / f"minilm_flip{flip_seed}_run{run}.npy"
    if path is not None and path.is_file():
        return np.load(path)
    proba = fine_tuned_oof(texts, labels, random_state=run)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, proba)
    return proba


def warm(train: pd.DataFrame, test: pd.DataFrame, seeds: int) -> None:
    base = mn.load()
    print("== few-shot warm start: 100 airline tweets per class, airline test macro-F1")
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        idx = np.concatenate([rng.choice(np.flatnonzero(train["label"].to_numpy() == label),
                                         100, replace=False) for label in LABELS])
        texts, labels = train["text"].iloc[idx].tolist(), train["label"].iloc[idx].tolist()
        plain = _plain().fit(texts, labels)  # type: ignore[attr-defined]
        f_plain = f1_score(test["label"], plain.predict(test["text"]), average="macro")
        f_new = mn.train(texts, labels).evaluate(test["text"], test["label"]).macro_f1
        start = time.perf_counter()
        clf = mn.train(texts, labels, base=base)
        took = time.perf_counter() - start
        f_warm = clf.evaluate(test["text"], test["label"]).macro_f1
        rows.append((f_plain, f_new, f_warm))
        print(f"seed {seed}: plain TF-IDF+LR {f_plain:.4f} | mn.train {f_new:.4f} | "
              f"mn.train(base=mn.load()) {f_warm:.4f} (weight {clf.base_weight_}, "
              f"fit {took:.0f}s)")
    mean = np.mean(rows, axis=0)
    print(f"mean over {seeds} seeds: plain {mean[0]:.4f} | mn.train {mean[1]:.4f} | "
          f"warm start {mean[2]:.4f}")


def compare(train: pd.DataFrame, test: pd.DataFrame) -> None:
    small = train.groupby("label", group_keys=False).sample(frac=1000 / len(train),
                                                             random_state=0)
    print(f"== champion / challenger: {len(small)} rows vs all {len(train)} rows")
    with tempfile.TemporaryDirectory() as tmp:
        dir_small, dir_all = Path(tmp) / "small", Path(tmp) / "all"
        mn.train(small["text"], small["label"]).save(dir_small)
        mn.train(train["text"], train["label"]).save(dir_all)
        result = compare_models(dir_all, dir_small, test["text"], test["label"])
        print("champion = all rows, challenger = 1,000 rows:")
        print(result)
        print(f"promote the 1,000-row challenger? {promote(result, dir_all, dir_small)}")
        result = compare_models(dir_small, dir_all, test["text"], test["label"])
        print("champion = 1,000 rows, challenger = all rows:")
        print(result)
        promoted = promote(result, dir_small, dir_all)
        card = mn.load(dir_small).card_["training"]["rows"]
        print(f"promote the all-rows challenger? {promoted} (champion folder now trained on "
              f"{card} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared/data", type=Path)
    parser.add_argument("--only", default="noise,warm,compare")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--noise-seeds", default="0",
                        help="comma-separated flip seeds of the label-noise part (0 = acceptance)")
    parser.add_argument("--encoder", action="store_true",
                        help="also rank with the fine-tuned MiniLM (extra [transformer], slow)")
    parser.add_argument("--encoder-runs", type=int, default=2,
                        help="fine-tuning runs averaged with --encoder (library default)")
    parser.add_argument("--encoder-cache", type=Path, default=None,
                        help="folder storing each fine-tuning run's probabilities for reuse")
    args = parser.parse_args()
    train = pd.read_csv(args.shared / "airline_tweets_train.csv")
    test = pd.read_csv(args.shared / "airline_tweets_test.csv")
    parts = args.only.split(",")
    if "noise" in parts:
        for seed in args.noise_seeds.split(","):
            noise(train, int(seed), args.encoder_runs if args.encoder else 0,
                  args.encoder_cache)
    if "warm" in parts:
        warm(train, test, args.seeds)
    if "compare" in parts:
        compare(train, test)


if __name__ == "__main__":
    main()
