"""Store the float encoder's probabilities on 2,000 test texts, to hold the int8 encoder against.

The shipped accurate model runs an 8-bit encoder; the float export it was quantized from is
90 MB and is not shipped. This script runs the shipped accurate model with the float export in
place of its encoder on 400 texts of each of five test splits and stores their probabilities
(with the split and row of each text, never the text) in
``tests/data/accurate_float_reference.npz``; ``tests/test_accurate.py`` compares the shipped
model's probabilities with them. Run it again whenever the encoder or the model is rebuilt::

    python scripts/float_reference.py --float build/encoder/onnx/float.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import moments_nlp as mn  # noqa: E402
from moments_nlp.model.encoder import SentenceEncoder  # noqa: E402

SPLITS = ("airline_tweets_test", "nhs_feedback_test", "reddit_emotions_test",
          "vader_product_snippets_test", "clothing_reviews_test")
PER_SPLIT = 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float", dest="float_model", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--output", type=Path,
                        default=REPO / "tests" / "data" / "accurate_float_reference.npz")
    args = parser.parse_args()
    model = mn.load("accurate")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copyfile(args.float_model, folder / "encoder.onnx")
        shutil.copyfile(Path(model.encoder_.folder) / "tokenizer.json", folder / "tokenizer.json")
        sha = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
               for name in ("encoder.onnx", "tokenizer.json")}
        model.encoder_ = SentenceEncoder(folder, sha256=sha, threads=2)
        splits, rows, probas = [], [], []
        for split in SPLITS:
            frame = pd.read_csv(args.shared / f"{split}.csv", keep_default_na=False)
            picked = np.sort(np.random.default_rng(11).choice(len(frame), PER_SPLIT,
                                                              replace=False))
            probas.append(model.predict_proba(frame["text"].iloc[picked].tolist()).to_numpy())
            splits += [split] * PER_SPLIT
            rows.append(picked)
            print(f"{split}: {PER_SPLIT} texts", flush=True)
    np.savez_compressed(args.output, split=np.asarray(splits), row=np.concatenate(rows),
                        proba=np.vstack(probas).astype(np.float64))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
