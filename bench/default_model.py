"""Leave-one-domain-out (LODO) choice of the default model's recipe (issues 14 and 32).

A recipe is the data the default is trained on (the sources of ``data/sources.toml``, each with
its share of the total weight and its row filter) and the model's parameters (``C``,
``min_df``, the lexicon columns' weight). For every candidate recipe and every domain, the
recipe is trained on all the other domains and scored on the held-out one; VADER is scored on
the same texts in the same run. The default is chosen by its **worst** held-out domain, not by
the average (the mean breaks a tie).

The domains come from the catalogue (``domain`` of each entry; adding a source adds its domain):

* every trainable source's domain is held out in turn: trained on the train splits of the other
  domains, scored on the held-out domain's test split (derived sources, such as the clear
  sentences of the clothing reviews, are held out with their parent's domain);
* ``seed:<group>``: ``data/seed_feedback.csv`` split by its ``industry`` column into four groups
  of industries (an industry's group is the CRC32 of its name mod 4); a held-out group is scored
  on all its rows;
* a source with metric ``share_ordinary`` (the customer questions, all ``ordinary``) is scored
  as the share of its texts answered ``ordinary``; every other domain by macro-F1;
* an ``evaluation only`` source (airline) is never trained on: every recipe is trained on all
  trainable domains and scored on its test split.

Each fit uses the library's own pieces (``SpacyPreprocessor``, ``TokenFeatures``,
``SparseNewtonLogit``, as :class:`~moments_nlp.MomentClassifier` fits them) with the recipe's
sample weights. The temperature calibration and the sentence vote of a shipped model are left
out (the temperature never changes a label). The token lists of every source are cached under
``build/lodo/`` and the feature matrix of each held-out fold is shared by all candidates with the
same sources and ``min_df``, so a candidate costs a dozen linear fits.

Run from the repo root::

    python bench/default_model.py                          # every candidate
    python bench/default_model.py --candidates today,catalogue,naive
    python bench/default_model.py --list                   # the candidates

The table is written to ``bench/results/default_model.md`` (``--output``);
``scripts/train_default.py`` stores it in the model card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.metrics import f1_score

from moments_nlp.labels import LABELS
from moments_nlp.model._newton import SparseNewtonLogit
from moments_nlp.model.features import TokenFeatures
from moments_nlp.text.preprocess import SpacyPreprocessor
from moments_nlp.training.catalogue import (
    FILTERS,
    Source,
    derived_rows,
    load_source,
    model_params,
    read_catalogue,
)

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "build" / "lodo"
SEED_GROUPS = 4
THRESHOLD = 0.05  # VADER's documented cut-off for its compound score
N_LEXICON = 6  # the lexicon columns TokenFeatures appends last


@dataclass(frozen=True)
class Recipe:
    """A candidate: shares by source (a missing source takes its catalogue share; 0 leaves it
    out), row filters by source (a missing source takes its catalogue filter) and parameters."""

    name: str
    shares: dict[str, float] = field(default_factory=dict)
    filters: dict[str, str | None] = field(default_factory=dict)
    C: float = 1.0
    min_df: int = 3
    lexicon_scale: float = 1.0
    base: str = "catalogue"  # "catalogue": unlisted sources take catalogue shares; "none": 0

    def share(self, source: Source) -> float:
        if source.name in self.shares:
            return float(self.shares[source.name])
        return source.share if self.base == "catalogue" else 0.0

    def filter(self, source: Source) -> str | None:
        if source.name in self.filters:
            return self.filters[source.name]
        return source.filter if self.base == "catalogue" else None

    def key(self, catalogue: dict[str, Source]) -> str:
        """What the scores depend on (cache key of this candidate's scores)."""
        spec = {name: (self.share(s), self.filter(s)) for name, s in catalogue.items()
                if s.trainable and self.share(s) > 0}
        return json.dumps([spec, self.C, self.min_df, self.lexicon_scale], sort_keys=True)


def catalogue_recipe(name: str = "catalogue") -> Recipe:
    """The recipe of ``data/sources.toml`` (its shares, filters and ``[default_model]``)."""
    params = model_params()
    return Recipe(name, C=float(params.get("C", 1.0)), min_df=int(params.get("min_df", 3)),
                  lexicon_scale=float(params.get("lexicon_scale", 1.0)))


_OLD = {"clothing": 1.5, "reddit": 1.0, "seed": 1.5, "clothing_sentences": 0.5}
_NAIVE = {**_OLD, "nhs": 1.0, "tweets": 1.0, "products": 1.0, "multidomain": 0.5,
          "questions": 0.5}


def candidates() -> dict[str, Recipe]:
    """The candidates. ``today`` is the recipe of the default shipped before issue 32
    (clothing, Reddit, seed, clothing sentences); ``naive`` adds the new sources at fixed
    shares; the others each move one lever from ``naive`` (or from the search's best)."""
    out = [
        Recipe("today", shares=_OLD, base="none"),
        Recipe("naive", shares=_NAIVE, base="none"),
        Recipe("nhs_filter", shares=_NAIVE, base="none", filters={"nhs": "question_label"}),
        Recipe("nhs_sent", shares={**_NAIVE, "nhs_sentences": 0.5}, base="none"),
        Recipe("c05", shares=_NAIVE, base="none", C=0.5),
        Recipe("c2", shares=_NAIVE, base="none", C=2.0),
        Recipe("mindf2", shares=_NAIVE, base="none", min_df=2),
        Recipe("mindf5", shares=_NAIVE, base="none", min_df=5),
        Recipe("lex2", shares=_NAIVE, base="none", lexicon_scale=2.0),
        Recipe("lex4", shares=_NAIVE, base="none", lexicon_scale=4.0),
        # the new sources at a half / a quarter of naive's shares (the old ones keep theirs)
        Recipe("new_half", shares={**_OLD, **{k: v / 2 for k, v in _NAIVE.items()
                                              if k not in _OLD}}, base="none"),
        Recipe("new_quarter", shares={**_OLD, **{k: v / 4 for k, v in _NAIVE.items()
                                                 if k not in _OLD}}, base="none"),
    ]
    # per-source share moves from naive: the new human-rated sets up, the big old sets down
    for name, share in [("nhs", 2.0), ("tweets", 2.0), ("products", 2.0), ("multidomain", 1.0),
                        ("questions", 1.0), ("questions", 0.25), ("reddit", 0.5), ("reddit", 2.0),
                        ("clothing", 1.0), ("seed", 1.0), ("clothing_sentences", 0.25)]:
        out.append(Recipe(f"{name}={share:g}", shares={**_NAIVE, name: share}, base="none"))
    out.append(catalogue_recipe())
    return {recipe.name: recipe for recipe in out}


def define(spec: str, every: dict[str, Recipe]) -> Recipe:
    """A candidate from ``NAME=BASE:key=value,...``: BASE is a candidate; a key is a source
    (its share), ``C``, ``min_df``, ``lex`` or ``filter.<source>`` (a filter name or ``none``).

    >>> define("x=naive:reddit=2,C=0.5,filter.nhs=question_label", candidates()).C
    0.5
    """
    head, _, body = spec.partition(":")
    name, _, base = head.partition("=")
    recipe = every[base or "naive"]
    shares, filters = dict(recipe.shares), dict(recipe.filters)
    params: dict[str, float | int] = {"C": recipe.C, "min_df": recipe.min_df,
                                      "lexicon_scale": recipe.lexicon_scale}
    for item in filter(None, body.split(",")):
        key, _, value = item.partition("=")
        if key == "C":
            params["C"] = float(value)
        elif key == "min_df":
            params["min_df"] = int(value)
        elif key == "lex":
            params["lexicon_scale"] = float(value)
        elif key.startswith("filter."):
            filters[key.removeprefix("filter.")] = None if value == "none" else value
        else:
            shares[key] = float(value)
    return Recipe(name, shares=shares, filters=filters, base=recipe.base,
                  C=float(params["C"]), min_df=int(params["min_df"]),
                  lexicon_scale=float(params["lexicon_scale"]))


@dataclass
class Part:
    """Token lists, labels and texts of one split of one source, with row drop masks."""

    tokens: list[list[str]]
    labels: np.ndarray
    texts: list[str]
    drops: dict[str, np.ndarray] = field(default_factory=dict)
    groups: np.ndarray | None = None  # seed: the industry group of each row

    def subset(self, mask: np.ndarray) -> Part:
        idx = np.flatnonzero(mask)
        return Part([self.tokens[i] for i in idx], self.labels[idx],
                    [self.texts[i] for i in idx], {k: v[idx] for k, v in self.drops.items()},
                    None if self.groups is None else self.groups[idx])


def seed_group(industry: str) -> int:
    """The fixed group (0..3) an industry of the seed corpus is held out with."""
    return zlib.crc32(industry.encode("utf-8")) % SEED_GROUPS


def _tokens(texts: list[str], pre: SpacyPreprocessor, tag: str) -> list[list[str]]:
    """The preprocessor's token lists, cached on disk by the texts' hash."""
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"tokens_{tag}_{digest}.pkl"
    if path.is_file():
        with path.open("rb") as handle:
            return pickle.load(handle)
    tokens = pre.transform(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(tokens, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return tokens


def _part(frame: pd.DataFrame, pre: SpacyPreprocessor, tag: str) -> Part:
    texts = frame["text"].astype(str).tolist()
    drops = {}
    for name, rule in FILTERS.items():
        try:
            drops[name] = rule(frame).to_numpy(dtype=bool)
        except KeyError:  # the source lacks the columns this filter reads
            continue
    return Part(_tokens(texts, pre, tag), frame["label"].to_numpy(dtype=object), texts, drops)


def load_parts(catalogue: dict[str, Source]) -> dict[str, Part]:
    """``<source>_train`` / ``<source>_test`` parts of every catalogued source (unfiltered)."""
    pre = SpacyPreprocessor()
    parts: dict[str, Part] = {}
    frames: dict[str, pd.DataFrame] = {}
    for name, source in catalogue.items():
        start = time.perf_counter()
        if source.derived_from is not None:
            cached = CACHE / f"derived_{name}.pkl"
            parent = frames[source.derived_from]
            digest = hashlib.sha256(pd.util.hash_pandas_object(parent[["text", "label"]])
                                    .values.tobytes()).hexdigest()[:16]
            cached = CACHE / f"derived_{name}_{source.min_sentences}_{digest}.pkl"
            if cached.is_file():
                rows = pd.read_pickle(cached)
            else:
                rows = derived_rows(source, parent, preprocessor=pre)
                CACHE.mkdir(parents=True, exist_ok=True)
                rows.to_pickle(cached)
            parts[f"{name}_train"] = _part(rows, pre, name)
        else:
            if source.trainable:
                frames[name] = load_source(source, "train", apply_filter=False)
                parts[f"{name}_train"] = _part(frames[name], pre, f"{name}_train")
                if "industry" in frames[name].columns:
                    parts[f"{name}_train"].groups = np.asarray(
                        [seed_group(i) for i in frames[name]["industry"]])
            if source.test_file is not None:
                parts[f"{name}_test"] = _part(load_source(source, "test"), pre, f"{name}_test")
        print(f"loaded {name}: " + ", ".join(f"{k} {len(p.labels)}" for k, p in parts.items()
                                             if k.rsplit('_', 1)[0] == name)
              + f" [{time.perf_counter() - start:.1f}s]", flush=True)
    return parts


@dataclass
class Task:
    """One held-out domain: the training parts (by source) and the held-out part."""

    domain: str
    train: dict[str, Part]
    test: Part
    metric: str


def tasks(catalogue: dict[str, Source], parts: dict[str, Part]) -> list[Task]:
    """Every held-out domain of the catalogue (the seed corpus by industry group)."""
    trainable = [s for s in catalogue.values() if s.trainable]
    out: list[Task] = []
    for source in catalogue.values():
        if source.derived_from is not None:
            continue
        domain = source.domain
        if not source.trainable:
            train = {s.name: parts[f"{s.name}_train"] for s in trainable}
            out.append(Task(domain, train, parts[f"{source.name}_test"], source.metric))
            continue
        train = {s.name: parts[f"{s.name}_train"] for s in trainable if s.domain != domain}
        if source.test_file is not None:
            out.append(Task(domain, train, parts[f"{source.name}_test"], source.metric))
            continue
        whole = parts[f"{source.name}_train"]
        if whole.groups is None:
            raise ValueError(f"source {source.name!r} has no test file and no industry groups")
        for g in range(SEED_GROUPS):
            kept = {**train, source.name: whole.subset(whole.groups != g)}
            out.append(Task(f"{domain}:{g}", kept, whole.subset(whole.groups == g),
                            source.metric))
    return out


@dataclass
class Fold:
    """The feature matrix of one task's training sources and of its held-out part."""

    X: sp.csr_matrix
    offsets: dict[str, tuple[int, int]]
    X_test: sp.csr_matrix


_FOLDS: dict[tuple[str, int, tuple[str, ...]], Fold] = {}


def fold(task: Task, sources: tuple[str, ...], min_df: int) -> Fold:
    """The task's feature matrices over ``sources`` (every row; filters select rows later),
    shared by the candidates with the same sources and ``min_df``."""
    key = (task.domain, min_df, sources)
    if key not in _FOLDS:
        tokens: list[list[str]] = []
        offsets = {}
        for name in sources:
            offsets[name] = (len(tokens), len(tokens) + len(task.train[name].tokens))
            tokens += task.train[name].tokens
        features = TokenFeatures(min_df=min_df)
        X = features.fit_transform(tokens)
        _FOLDS[key] = Fold(X, offsets, features.transform(task.test.tokens))
        if len(_FOLDS) > 40:  # bounded memory: drop the oldest
            del _FOLDS[next(iter(_FOLDS))]
    return _FOLDS[key]


def _scaled(X: sp.csr_matrix, lexicon_scale: float) -> sp.csr_matrix:
    if lexicon_scale == 1.0:
        return X
    scale = np.ones(X.shape[1], dtype=np.float32)
    scale[-N_LEXICON:] = lexicon_scale
    return (X @ sp.diags(scale)).tocsr()


def score(metric: str, truth: np.ndarray, predicted: np.ndarray) -> float:
    if metric == "share_ordinary":
        return float(np.mean(predicted == "ordinary"))
    return float(f1_score(truth, predicted, labels=list(LABELS), average="macro"))


def run_task(recipe: Recipe, catalogue: dict[str, Source], task: Task, threads: int) -> float:
    """Train ``recipe`` on the task's sources and score the held-out part."""
    sources = tuple(name for name in task.train if recipe.share(catalogue[name]) > 0)
    data = fold(task, sources, recipe.min_df)
    rows, weights = [], []
    kept = {}
    for name in sources:
        a, b = data.offsets[name]
        mask = np.ones(b - a, dtype=bool)
        rule = recipe.filter(catalogue[name])
        if rule is not None and rule in task.train[name].drops:
            mask &= ~task.train[name].drops[rule]
        kept[name] = np.flatnonzero(mask) + a
    total = sum(len(idx) for idx in kept.values())
    share_sum = sum(recipe.share(catalogue[name]) for name in sources)
    for name, idx in kept.items():
        rows.append(idx)
        weights.append(np.full(len(idx), total * recipe.share(catalogue[name]) / share_sum
                               / len(idx)))
    idx = np.concatenate(rows)
    w = np.concatenate(weights)
    y = np.concatenate([task.train[name].labels for name in sources])[idx]
    X = _scaled(data.X[idx], recipe.lexicon_scale)
    linear = SparseNewtonLogit(C=recipe.C, class_weight="balanced", tol=1e-4, max_iter=3000,
                               n_threads=threads)
    linear.fit(X, y, sample_weight=w / w.mean())
    predicted = linear.predict(_scaled(data.X_test, recipe.lexicon_scale))
    return score(task.metric, task.test.labels, predicted)


def vader_labels(texts: list[str]) -> np.ndarray:
    """VADER's compound score cut at +-0.05, as magic / ordinary / misery."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    scores = np.asarray([analyzer.polarity_scores(text)["compound"] for text in texts])
    return np.where(scores >= THRESHOLD, "magic",
                    np.where(scores <= -THRESHOLD, "misery", "ordinary")).astype(object)


def _load_scores() -> dict[str, dict[str, float]]:
    path = CACHE / "scores.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_scores(scores: dict[str, dict[str, float]]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True))


def best(table: dict[str, dict[str, float]]) -> str:
    """The candidate with the best worst held-out domain (3 decimals), the mean breaking ties."""
    return max(table, key=lambda n: (round(min(table[n].values()), 3),
                                     float(np.mean(list(table[n].values())))))


def markdown(table: dict[str, dict[str, float]], vader: dict[str, float],
             recipes: dict[str, Recipe], catalogue: dict[str, Source], seconds: float) -> str:
    """The LODO table: domains as rows, VADER and the candidates as columns."""
    names = list(table)
    domains = list(vader)
    def worst(scores: dict[str, float]) -> str:
        domain = min(scores, key=scores.__getitem__)
        return f"{scores[domain]:.3f} ({domain})"
    lines = ["Leave-one-domain-out: each domain held out in turn (never trained on), macro-F1; "
             "`questions` = share answered `ordinary` (`python bench/default_model.py`).", "",
             "| held-out domain | VADER | " + " | ".join(names) + " |",
             "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for domain in domains:
        lines.append(f"| {domain} | {vader[domain]:.3f} | "
                     + " | ".join(f"{table[n][domain]:.3f}" for n in names) + " |")
    lines.append("| **worst** | " + worst(vader) + " | "
                 + " | ".join(f"**{worst(table[n])}**" for n in names) + " |")
    lines.append(f"| mean | {np.mean(list(vader.values())):.3f} | "
                 + " | ".join(f"{np.mean(list(table[n].values())):.3f}" for n in names) + " |")
    chosen = best(table)
    lines += ["", "Candidates (shares are of the total training weight, normalised over the "
              "sources present; `-` = left out):", "",
              "| candidate | " + " | ".join(s.name for s in catalogue.values() if s.trainable)
              + " | filters | C | min_df | lexicon |",
              "| --- | " + " | ".join("---" for s in catalogue.values() if s.trainable)
              + " | --- | --- | --- | --- |"]
    for name in names:
        r = recipes[name]
        shares = [f"{r.share(s):g}" if r.share(s) > 0 else "-"
                  for s in catalogue.values() if s.trainable]
        filters = ", ".join(f"{s.name}: {r.filter(s)}" for s in catalogue.values()
                            if s.trainable and r.filter(s) and r.share(s) > 0) or "-"
        lines.append(f"| {name} | " + " | ".join(shares)
                     + f" | {filters} | {r.C:g} | {r.min_df} | {r.lexicon_scale:g} |")
    lines += ["", f"Chosen by the worst held-out domain (the mean breaks a tie): **{chosen}** "
              f"(worst {worst(table[chosen])}, mean {np.mean(list(table[chosen].values())):.3f})."
              f" Total {seconds:.0f}s."]
    return "\n".join(lines) + "\n"


def main() -> None:
    every = candidates()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", default=",".join(every),
                        help="comma-separated names (see --list)")
    parser.add_argument("--define", action="append", default=[],
                        help="an extra candidate NAME=BASE:key=value,... (see define()); "
                             "added to --candidates")
    parser.add_argument("--list", action="store_true", help="print the candidates and stop")
    parser.add_argument("--threads", type=int, default=1, help="threads of each linear fit")
    parser.add_argument("--fresh", action="store_true", help="ignore cached scores")
    parser.add_argument("--domains", default=None,
                        help="only these held-out domains (comma-separated; a quick look, "
                             "neither cached nor a basis for the choice)")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" /
                        "default_model.md", help="markdown file for the table")
    args = parser.parse_args()
    for spec in args.define:
        recipe = define(spec, every)
        every[recipe.name] = recipe
    if args.list:
        for name, recipe in every.items():
            print(name, recipe)
        return
    start = time.perf_counter()
    catalogue = read_catalogue()
    parts = load_parts(catalogue)
    all_tasks = tasks(catalogue, parts)
    if args.domains:
        all_tasks = [t for t in all_tasks if t.domain in args.domains.split(",")]
    seed = [s for s in catalogue.values() if s.trainable and s.test_file is None
            and s.derived_from is None]
    for source in seed:
        frame = load_source(source, "train")
        groups = np.asarray([seed_group(i) for i in frame["industry"]])
        for g in range(SEED_GROUPS):
            names = sorted(set(frame["industry"][groups == g]))
            print(f"{source.domain}:{g} = {len(names)} industries, {int((groups == g).sum())} "
                  f"rows: {', '.join(names)}")
    vader = {t.domain: score(t.metric, t.test.labels, vader_labels(t.test.texts))
             for t in all_tasks}
    print("VADER: " + ", ".join(f"{d} {v:.3f}" for d, v in vader.items()), flush=True)
    cached = {} if args.fresh else _load_scores()
    names = args.candidates.split(",") + [define(spec, every).name for spec in args.define]
    table: dict[str, dict[str, float]] = {}
    for name in names:
        recipe = every[name]
        key = recipe.key(catalogue)
        if key in cached and set(cached[key]) == set(vader):
            table[name] = cached[key]
            print(f"{name}: cached, worst {min(table[name].values()):.3f} "
                  f"mean {np.mean(list(table[name].values())):.3f}", flush=True)
            continue
        table[name] = {}
        for task in all_tasks:
            table[name][task.domain] = run_task(recipe, catalogue, task, args.threads)
            print(f"  {name:14s} {task.domain:12s} {table[name][task.domain]:.3f} "
                  f"(VADER {vader[task.domain]:.3f}) [{time.perf_counter() - start:.0f}s]",
                  flush=True)
        if not args.domains:
            cached[key] = table[name]
            _save_scores(cached)
        print(f"{name}: worst {min(table[name].values()):.3f} "
              f"mean {np.mean(list(table[name].values())):.3f}", flush=True)
    text = markdown(table, vader, every, catalogue, time.perf_counter() - start)
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
