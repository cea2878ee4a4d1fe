"""Share estimates under class-balance shift: counting predicted labels vs estimate_shares.

Scenarios (labels from ../shared/data):

* a model trained (``mn.train`` defaults) on the airline train split, estimating the airline
  test split (in-domain) and the clothing test split (another domain);
* the same for a model trained on the clothing train split;
* a model trained on the airline train split with ``cv_folds=5`` (its card then holds the shares
  reference fitted on out-of-fold probabilities of 5 complete refits), estimating the airline
  test split;
* the default model (mn.load()) on the airline test split (cross-domain) and the clothing test
  split (in-domain);

each on the full test split and on resampled subsets with shifted class balance (1000 texts
drawn with the shares listed in SHIFTS, 5 seeds each). Reported: mean absolute error over the
three labels (mean over subsets), for counting predicted labels (cc), the mean probability
(pcc), EM with the model's default reference (em), KDEy-ML on the model's held-out sample (kde;
models trained here keep one, the shipped default model predates it), how often the 95%
bootstrap interval of estimate_shares' default method (kde where there is a sample, else em)
holds the truth, and EM with a reference fitted (fit_reference) on FIT_ROWS labeled texts of
the evaluated domain, held out of every evaluated set (em_ref).
Last, the time shares_from_proba takes with 200 bootstrap resamples, KDE vs EM, on the
clothing in-domain probabilities and on 40 copies of them. Run from the repository root
(trains three models, 10-20 minutes on 2 cores)::

    python bench/shares.py [--cache /tmp/shares_proba.npz]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import moments_nlp as mn
from moments_nlp.insight.kde_shares import class_densities, mixture_shares
from moments_nlp.insight.shares import (
    em_shares,
    held_out_sample,
    reference_prior,
    shares_from_proba,
)
from moments_nlp.model._held_out import _reference_from_proba

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHIFTS = [(1 / 3, 1 / 3, 1 / 3), (0.1, 0.2, 0.7), (0.6, 0.2, 0.2), (0.2, 0.6, 0.2),
          (0.8, 0.1, 0.1), (0.3, 0.1, 0.6)]
SEEDS = 5
SUBSET = 1000
N_BOOT = 100
FIT_ROWS = 500


def _read(name: str) -> tuple[list[str], np.ndarray]:
    frame = pd.read_csv(DATA / f"{name}.csv", keep_default_na=False)
    frame = frame[frame["text"].str.strip() != ""]
    labels = np.asarray([mn.LABELS.index(lab) for lab in mn.normalize_labels(frame["label"])])
    return frame["text"].tolist(), labels


def _probabilities(cache: Path | None) -> dict[str, dict[str, np.ndarray]]:
    """Probabilities per scenario. The cache holds only the two models trained here (slow);
    the shipped default model is always scored afresh, so a retrained default is never stale."""
    airline_test, clothing_test = _read("airline_tweets_test"), _read("clothing_reviews_test")
    out: dict[str, dict[str, np.ndarray]] = {}
    if cache is not None and cache.is_file():
        stored = np.load(cache, allow_pickle=False)
        for key in stored.files:
            scenario, part = key.split("|")
            if not scenario.startswith("default"):
                out.setdefault(scenario, {})[part] = stored[key]
    scenarios = {}
    # (training split, cv_folds, {scenario: test split}); with cv_folds=5 the card stores the
    # shares reference fitted on out-of-fold probabilities, which estimate_shares then prefers
    # to the one every fit stores (clf.shares_reference_)
    to_train = [("airline_tweets_train", 0, {"airline, in-domain": airline_test,
                                               "airline->clothing": clothing_test}),
                ("clothing_reviews_train", 0, {"clothing, in-domain": clothing_test,
                                                 "clothing->airline": airline_test}),
                ("airline_tweets_train", 5, {"airline, in-domain (cv_folds=5)": airline_test})]
    for train_name, folds, tests in to_train:
        if all(name in out for name in tests):
            continue
        start = time.perf_counter()
        texts, labels = _read(train_name)
        clf = mn.train(texts, [mn.LABELS[k] for k in labels], cv_folds=folds)
        print(f"trained on {train_name} (cv_folds={folds}) in {time.perf_counter() - start:.0f} s")
        scenarios.update({name: (clf, test) for name, test in tests.items()})
    default = mn.load()
    scenarios["default->airline"] = (default, airline_test)
    scenarios["default->clothing (in-domain)"] = (default, clothing_test)
    for name, (clf, (texts, labels)) in scenarios.items():
        prior = reference_prior(clf)
        held = held_out_sample(clf)
        out[name] = {"proba": clf._proba_array(texts), "labels": labels,
                     "prior": prior if prior is not None else np.full(3, np.nan),
                     "held_proba": held[0] if held else np.zeros((0, 3), np.float32),
                     "held_labels": held[1] if held else np.zeros(0, np.int8)}
    if cache is not None:
        trained = {s: parts for s, parts in out.items() if not s.startswith("default")}
        np.savez(cache, **{f"{s}|{k}": v for s, parts in trained.items()
                           for k, v in parts.items()})
    return out


def _evaluate(proba: np.ndarray, labels: np.ndarray, prior: np.ndarray | None,
              held: tuple[np.ndarray, np.ndarray] | None, densities: np.ndarray | None,
              rows: np.ndarray, fitted: np.ndarray) -> dict[str, float]:
    truth = np.bincount(labels[rows], minlength=3) / len(rows)
    p = proba[rows]
    counted = np.bincount(p.argmax(axis=1), minlength=3) / len(rows)
    # what estimate_shares does by default: kde with a held-out sample, else em
    frame = shares_from_proba(p, prior, n_boot=N_BOOT, random_state=0, held_out=held)
    est = frame["share"].to_numpy()
    em = em_shares(p, prior if prior is not None else p.mean(axis=0))
    kde = mixture_shares(densities[rows]) if densities is not None else np.full(3, np.nan)
    inside = ((frame["ci_low"] <= truth) & (truth <= frame["ci_high"])).mean()
    return {"cc": np.abs(counted - truth).mean(), "pcc": np.abs(p.mean(axis=0) - truth).mean(),
            "em": np.abs(em - truth).mean(), "kde": np.abs(kde - truth).mean(),
            "auto": np.abs(est - truth).mean(),
            "em_ref": np.abs(em_shares(p, fitted) - truth).mean(),
            "covered": inside, "width": (frame["ci_high"] - frame["ci_low"]).mean()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=None,
                        help="npz file to store / reuse the probabilities (skips training)")
    args = parser.parse_args()
    if not (DATA / "airline_tweets_train.csv").is_file():
        raise SystemExit(f"needs the shared data sets in {DATA}")
    probabilities = _probabilities(args.cache)
    print(f"{'scenario':<32}{'set':<22}{'cc MAE':>8}{'pcc MAE':>9}{'em MAE':>8}{'kde MAE':>9}"
          f"{'CI cover':>9}{'CI width':>9}{'em_ref MAE':>11}")
    summary = []
    for name, parts in probabilities.items():
        proba, labels, prior = parts["proba"], parts["labels"], parts["prior"]
        prior_arg = None if np.isnan(prior).any() else prior
        held = (parts["held_proba"], parts["held_labels"]) if len(parts["held_labels"]) else None
        # em_ref: reference fitted on FIT_ROWS labeled texts of the evaluated domain, which
        # are then left out of every evaluated set
        perm = np.random.default_rng(42).permutation(len(labels))
        fit_rows, eval_rows = perm[:FIT_ROWS], perm[FIT_ROWS:]
        fitted = _reference_from_proba(proba[fit_rows],
                                       np.bincount(labels[fit_rows], minlength=3) / FIT_ROWS)
        proba, labels = proba[eval_rows], labels[eval_rows]
        densities = class_densities(proba, *held) if held is not None else None
        full = _evaluate(proba, labels, prior_arg, held, densities, np.arange(len(labels)),
                         fitted)
        truth = np.bincount(labels, minlength=3) / len(labels)
        label = "full " + "/".join(f"{t:.2f}" for t in truth)
        print(f"{name:<32}{label:<22}{full['cc']:>8.3f}{full['pcc']:>9.3f}{full['em']:>8.3f}"
              f"{full['kde']:>9.3f}{full['covered']:>9.2f}{full['width']:>9.3f}"
              f"{full['em_ref']:>11.3f}")
        summary.append((name, "full", full))
        rng = np.random.default_rng(0)
        for shift in SHIFTS:
            results = []
            for _ in range(SEEDS):
                counts = rng.multinomial(SUBSET, shift)
                rows = np.concatenate([rng.choice(np.flatnonzero(labels == k), c, replace=True)
                                       for k, c in enumerate(counts)])
                results.append(_evaluate(proba, labels, prior_arg, held, densities, rows,
                                         fitted))
            mean = {k: float(np.mean([r[k] for r in results])) for k in results[0]}
            label = "shift " + "/".join(f"{s:.2f}" for s in shift)
            print(f"{'':<32}{label:<22}{mean['cc']:>8.3f}{mean['pcc']:>9.3f}{mean['em']:>8.3f}"
                  f"{mean['kde']:>9.3f}{mean['covered']:>9.2f}{mean['width']:>9.3f}"
                  f"{mean['em_ref']:>11.3f}")
            summary.append((name, label, mean))
    for scenario in probabilities:
        rows = [s[2] for s in summary if s[0] == scenario]
        print(f"{scenario:<32} mean MAE over {len(rows)} sets: counting "
              f"{np.mean([r['cc'] for r in rows]):.3f}, em {np.mean([r['em'] for r in rows]):.3f}"
              f", kde {np.mean([r['kde'] for r in rows]):.3f}, estimate_shares default "
              f"{np.mean([r['auto'] for r in rows]):.3f}, em with fitted reference "
              f"{np.mean([r['em_ref'] for r in rows]):.3f}")
    for key, name in (("auto", "default method"), ("em_ref", "em, fitted reference")):
        wins = sum(s[2][key] < s[2]["cc"] for s in summary)
        print(f"estimate_shares ({name}) better than counting in {wins}/{len(summary)} sets; "
              f"MAE <= 0.04 in {sum(s[2][key] <= 0.04 for s in summary)}/{len(summary)}")
    _timing(probabilities["clothing, in-domain"])


def _timing(parts: dict[str, np.ndarray]) -> None:
    """Seconds for shares with 200 bootstrap resamples, KDE vs EM, on a scenario's
    probabilities and on 40 copies of them (the model's own scoring excluded)."""
    held = (parts["held_proba"], parts["held_labels"])
    for copies in (1, 40):
        proba = np.tile(parts["proba"], (copies, 1))
        start = time.perf_counter()
        shares_from_proba(proba, None, n_boot=N_BOOT * 2, held_out=held)
        kde = time.perf_counter() - start
        start = time.perf_counter()
        shares_from_proba(proba, parts["prior"], n_boot=N_BOOT * 2)
        print(f"timing, {len(proba)} texts, 200 resamples: kde {kde:.1f} s, "
              f"em {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
