"""Where ``mn.train`` spends its time, next to the fit time of two classic peers (issue 17).

For each training file (``../shared/data``: the 43k Reddit comments and the 11.5k airline tweets)
one run prints:

* the stages of a ``MomentClassifier`` fit with the defaults: tokenize (spaCy + normalization),
  features (vocabulary, TF-IDF, lexicon), the full logistic-regression fit, the ``cv`` fold
  fits (warm-started from the full fit; their out-of-fold decision values give the temperature
  and the share sample; on a machine with more than one core they run in threads, one per
  core, and the rows show the time from the start to the first fold done, then between folds),
  and the rest (temperature, share sample, pipeline);
* with ``--before``, the full fit with scikit-learn's own Newton-CG (the solver before
  :class:`moments_nlp.model._newton.SparseNewtonLogit`: no preconditioner, one thread), then
  the same for the recipe before that on the same features: lbfgs, the ``cv``
  refits inside ``CalibratedClassifierCV`` and ``cv`` more warm-started refits in
  :func:`moments_nlp.model._held_out.held_out_proba` (slow: about 30x the new fit);
* the wall time of ``mn.train`` itself, of ``TfidfVectorizer() + LogisticRegression()`` and of
  word + character TF-IDF with ``LinearSVC``, in the same run, and their ratios. The
  TF-IDF + LR peer is timed twice: as installed (BLAS / OpenMP threads on every core) and with
  one thread, which is much faster on a busy machine (``mn.train`` uses one thread per fit).

Run from the repo root::

    python bench/train_time.py                 # both files
    python bench/train_time.py --only airline  # one
    python bench/train_time.py --before        # also profile the previous recipe

Acceptance (issue 17): ``mn.train`` <= 3x the TF-IDF + LR fit on both files.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

import moments_nlp as mn
from moments_nlp.classifier import MomentClassifier

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILES = {"reddit": "reddit_emotions_train.csv", "airline": "airline_tweets_train.csv"}


def _load(name: str) -> tuple[list[str], list[str]]:
    df = pd.read_csv(DATA / name)
    df = df[df["text"].notna() & df["text"].astype(str).str.strip().ne("")]
    return df["text"].astype(str).tolist(), mn.normalize_labels(df["label"])


def _time(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _profile(texts: list[str], labels: list[str], before: bool) -> list[tuple[str, float]]:
    """Stage times of one fit with the defaults, as MomentClassifier.fit runs them."""
    clf = MomentClassifier()
    order = sorted(range(len(texts)), key=lambda i: (texts[i], labels[i]))
    texts, labels = [texts[i] for i in order], [labels[i] for i in order]
    targets = np.asarray(labels, dtype=object)
    preprocess, features, calibrated = (step for _, step in clf._build().steps)
    stages: list[tuple[str, float]] = []
    start = time.perf_counter()
    tokens = preprocess.fit_transform(texts)
    stages.append(("tokenize", time.perf_counter() - start))
    start = time.perf_counter()
    X = features.fit_transform(tokens, targets)
    stages.append(("features", time.perf_counter() - start))
    marks: list[tuple[str, float]] = []
    calibrated._fit(X, targets, groups=texts,
                    step=lambda what: marks.append((what, time.perf_counter())))
    marks.append(("", time.perf_counter()))
    for (what, at), (_, then) in itertools.pairwise(marks):
        stages.append((what, then - at))
    if before:
        stages.extend(_profile_before(X, targets, labels, texts))
    return stages


def _profile_before(X: object, targets: np.ndarray, labels: list[str],
                    texts: list[str]) -> list[tuple[str, float]]:
    """The previous recipe: lbfgs, CalibratedClassifierCV's refits, held_out_proba's refits."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from moments_nlp.model._held_out import held_out_proba

    linear = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000, random_state=0)
    newton = clone(linear).set_params(solver="newton-cg", tol=1e-4)
    with threadpool_limits(1):  # the 0.x solver, as MomentClassifier ran it until issue 17's end
        out = [("before: full fit (scikit-learn newton-cg)",
                _time(lambda: clone(newton).fit(X, targets)))]
    out.append(("before: full fit (lbfgs)", _time(lambda: clone(linear).fit(X, targets))))
    for k, (fit, _) in enumerate(StratifiedKFold(5).split(np.zeros(len(targets)), targets), 1):
        out.append((f"before: calibration fold {k}/5", _time(
            lambda fit=fit: clone(linear).fit(X[fit], targets[fit]))))  # type: ignore[index]
    from sklearn.calibration import CalibratedClassifierCV

    calibrated = CalibratedClassifierCV(linear, method="temperature", cv=5, ensemble=False)
    calibrated.fit(X, targets)
    out.append(("before: 5 held-out refits", _time(lambda: held_out_proba(
        calibrated, X, labels, cv=5, random_state=0, groups=texts))))
    return out


def _word_char_svc(texts: list[str], labels: list[str]) -> None:
    words = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    chars = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2)
    X = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    LinearSVC(C=0.5).fit(X, labels)


def _peers(texts: list[str], labels: list[str]) -> list[tuple[str, float]]:
    """Wall time of mn.train and of the peers' fits, one after the other."""

    def tfidf() -> None:
        make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)

    rows = [("mn.train (defaults)", _time(lambda: mn.train(texts, labels, show_progress=False)))]
    rows.append(("TF-IDF + LR, threads as installed", _time(tfidf)))
    with threadpool_limits(1):
        rows.append(("TF-IDF + LR, 1 thread", _time(tfidf)))
    rows.append(("word+char TF-IDF + LinearSVC", _time(lambda: _word_char_svc(texts, labels))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(FILES), default=None)
    parser.add_argument("--before", action="store_true",
                        help="also profile the previous recipe (slow)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.1f}")
    for key, name in FILES.items():
        if args.only and key != args.only:
            continue
        texts, labels = _load(name)
        print(f"\n## {name}: {len(texts):,} texts\n")
        print("| stage of MomentClassifier.fit | seconds |\n|---|---:|")
        stages = _profile(texts, labels, args.before)
        for stage, seconds in stages:
            print(f"| {stage} | {seconds:.2f} |")
        new = [s for stage, s in stages if not stage.startswith("before")]
        print(f"| **total** | **{sum(new):.2f}** |")
        if args.before:
            old = sum(s for _, s in stages[:2]) + sum(
                s for stage, s in stages
                if stage.startswith("before") and "newton-cg" not in stage)
            print(f"| **total, previous recipe** | **{old:.2f}** |")
        rows = _peers(texts, labels)
        print("\n| fit | seconds | mn.train / this |\n|---|---:|---:|")
        for system, seconds in rows:
            print(f"| {system} | {seconds:.2f} | {rows[0][1] / seconds:.2f}x |")

if __name__ == "__main__":
    main()
