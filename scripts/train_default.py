"""Train the default model shipped in ``models/default`` from the source catalogue.

The recipe is ``data/sources.toml``: every entry with role ``train`` and a share above 0 is
trained on (its train split, after its row ``filter``; a ``derived_from`` entry is built from its
parent's rows, e.g. the clear sentences of the clothing reviews), each source with its share of
the total weight whatever its row count; the ``[default_model]`` table gives ``C``, ``min_df``,
the sentence vote and the lexicon columns' weight. The recipe is the candidate
``python bench/default_model.py`` chose by its worst held-out domain; that table
(``bench/results/default_model.md``) is stored in the card, and so is the sentence-vote table
(``bench/results/sentence_vote.md``).

Sources with role ``evaluation only`` (the airline tweets, CC BY-NC-SA 4.0) are never trained
on. Every test split stays held out, so the card's figures on them are honest.

Usage::

    python scripts/train_default.py [--output models/default]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import moments_nlp as mn
from moments_nlp.training.catalogue import (
    Source,
    derived_rows,
    load_source,
    model_params,
    read_catalogue,
)
from moments_nlp.training.validate import data_sha256


def recipe_frames(catalogue: dict[str, Source]) -> dict[str, pd.DataFrame]:
    """The rows of every source the default trains on (``text``, ``label``, ``group``)."""
    frames: dict[str, pd.DataFrame] = {}
    parents: dict[str, pd.DataFrame] = {}
    for name, source in catalogue.items():
        if not source.trainable or source.share <= 0:
            if source.trainable and source.file is not None:
                parents[name] = load_source(source, "train", apply_filter=False)
            continue
        if source.derived_from is not None:
            parent = parents[source.derived_from]
            rows = derived_rows(source, parent)
            # calibration folds keep a text and the sentences cut from it on one side
            rows["group"] = [f"{source.derived_from} {i}" for i in rows["parent"]]
        else:
            parents[name] = load_source(source, "train", apply_filter=False)
            rows = load_source(source, "train")
            rows = rows[rows["text"].str.strip() != ""]
            rows["group"] = ([f"{name} {i}" for i in rows.index]
                             if any(s.derived_from == name and s.share > 0
                                    for s in catalogue.values())
                             else rows["text"].tolist())
        frames[name] = rows[["text", "label", "group"]].reset_index(drop=True)
    return frames


def test_metrics(clf: mn.MomentClassifier, catalogue: dict[str, Source]) -> dict[str, object]:
    """Every catalogued test split: macro-F1 (or the share answered ``ordinary``)."""
    metrics: dict[str, object] = {}
    for name, source in catalogue.items():
        if source.test_file is None or not source.path("test").is_file():
            continue
        test = load_source(source, "test")
        kind = "never trained on" if not source.trainable or source.share <= 0 else "held out"
        key = f"{name}_test ({kind})"
        if source.metric == "share_ordinary":
            share = float(np.mean(np.asarray(clf.predict(test["text"].tolist())) == "ordinary"))
            metrics[key] = {"n": len(test), "share_ordinary": round(share, 4)}
            print(f"{key}: share ordinary {share:.4f}", flush=True)
            continue
        report = clf.evaluate(test["text"], test["label"])
        metrics[key] = report.to_dict()
        print(f"{key}: macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f} "
              f"ECE {report.ece:.4f}", flush=True)
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="models/default", type=Path)
    args = parser.parse_args()
    catalogue = read_catalogue()
    params = model_params()
    frames = recipe_frames(catalogue)
    # a sentence can repeat a one-sentence text (or a text of another source) with another
    # label: such texts are dropped from every source before the weights are set (mn.train
    # would refuse them)
    every = pd.concat([frame[["text", "label"]] for frame in frames.values()])
    n_labels = every.groupby("text")["label"].nunique()
    conflicting = set(n_labels[n_labels > 1].index)
    frames = {name: frame[~frame["text"].isin(conflicting)] for name, frame in frames.items()}
    print(f"dropped {len(conflicting)} texts that carry different labels in different sources")
    total = sum(len(frame) for frame in frames.values())
    share_sum = sum(catalogue[name].share for name in frames)
    weights = {name: np.full(len(frame), total * catalogue[name].share / share_sum / len(frame))
               for name, frame in frames.items()}
    sources = [{"name": name, "attribution": catalogue[name].attribution,
                "license": catalogue[name].license, "labels": catalogue[name].labels,
                "filter": catalogue[name].filter or "", "rows": str(len(frame)),
                "weight_share": f"{catalogue[name].share / share_sum:.3f}",
                "sha256": data_sha256(frame["text"], frame["label"])}
               for name, frame in frames.items()]
    for source in sources:
        print(f"{source['name']}: {source['rows']} rows, share {source['weight_share']}")
    # the temperature is fitted on the whole texts only: the clear sentences are easy, and
    # fitted on them too it makes the model over-confident on reviews and comments
    calibration = np.concatenate([weights[name] * (catalogue[name].derived_from is None)
                                  for name in frames])
    options = {"C": float(params["C"]), "min_df": int(params["min_df"]),
               "sentence_vote": float(params["sentence_vote"])}
    if float(params.get("lexicon_scale", 1.0)) != 1.0:
        options["lexicon_scale"] = float(params["lexicon_scale"])
    start = time.perf_counter()
    clf = mn.train(pd.concat([f["text"] for f in frames.values()]).tolist(),
                   pd.concat([f["label"] for f in frames.values()]).tolist(),
                   sample_weight=np.concatenate(list(weights.values())),
                   groups=pd.concat([f["group"] for f in frames.values()]).tolist(),
                   calibration_weight=calibration, sources=sources, **options)
    print(f"trained in {time.perf_counter() - start:.1f}s on {total} rows", flush=True)
    card: dict[str, object] = {"name": "moments-nlp default", "metrics": test_metrics(clf,
                                                                                      catalogue),
                               "recipe": {"catalogue": "data/sources.toml", **options}}
    hard = Path("tests/data/hard_cases.csv")  # reported only: never tuned on
    if hard.is_file():
        cases = pd.read_csv(hard, keep_default_na=False)
        accuracy = float(np.mean(np.asarray(clf.predict(cases["text"].tolist()))
                                 == cases["label"].to_numpy()))
        card["hard_cases_accuracy"] = round(accuracy, 4)
        print(f"{hard}: accuracy {accuracy:.4f}")
    for key, table in [("recipe_choice", "default_model.md"),
                       ("sentence_vote_choice", "sentence_vote.md")]:
        protocol = Path("bench/results") / table
        if protocol.is_file():
            card[key] = protocol.read_text(encoding="utf-8")
    clf.save(args.output, card=card, overwrite=True)  # the shipped folder is replaced
    print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
