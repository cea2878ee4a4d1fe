"""The accurate tier: a fine-tuned sentence encoder run by ONNX Runtime, and its linear head.

The encoder (all-MiniLM-L6-v2, fine-tuned once by the project with ``scripts/train_encoder.py``,
exported and quantized by ``scripts/export_encoder.py``) turns a text into one vector: the mean
of its last hidden states over its word pieces, cut at ``max_pieces``. Running it needs
``onnxruntime`` and ``tokenizers`` only, never torch.

The accurate model is the fast model plus a second opinion: :class:`EncoderHead`, a
temperature-calibrated logistic regression on those vectors. The two calibrated probability
vectors are pooled in log space (:func:`pool_log_space`, a weighted geometric mean), so the bag
of words keeps what its recipe was tuned for (long texts, the sentence vote, familiarity, scores
written as text) and the encoder adds what words alone cannot (domains and wording the words
never saw). Retraining fits both on the user's labels, each a fast linear fit.

A text's vector never depends on the texts it runs with: texts are sorted by length and padded
per batch, padding is masked out of attention and pooling, and the 8-bit matrix products
(``MatMulNBits``) quantize each row of activations on its own, so batch-mates change nothing a
text's row sees beyond float rounding.

Files are checked before they are opened: the fitted model holds the SHA-256 of the encoder and
of the tokenizer (and the model folder's card holds the hash of the fitted model), and a file
whose hash differs is refused with :class:`~moments_nlp.errors.ModelIntegrityError`.

Examples
--------
>>> pool_log_space(np.array([[0.8, 0.1, 0.1]]), np.array([[0.2, 0.6, 0.2]]), 0.0)
array([[0.8, 0.1, 0.1]])
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from moments_nlp.errors import ModelIntegrityError, require
from moments_nlp.model._newton import SparseNewtonLogit

__all__ = ["SentenceEncoder", "EncoderHead", "pool_log_space", "open_encoder",
           "accurate_model_path", "place_encoder_files", "ENCODER_FILES"]

#: The files of an encoder, copied into every model folder that uses it.
ENCODER_FILES: tuple[str, ...] = ("encoder.onnx", "tokenizer.json")
_ENCODER_CARD = "encoder.json"
_SLICE = 1024  # texts tokenized at a time
_EPS = 1e-12


def accurate_model_path() -> Path:
    """Folder of the accurate model shipped with the package (or the source checkout)."""
    packaged = Path(str(resources.files("moments_nlp"))) / "models" / "accurate"
    if (packaged / _ENCODER_CARD).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "models" / "accurate"


def _checked_bytes(path: Path, expected: str) -> bytes:
    """The file's bytes, read once, after their SHA-256 matched ``expected``."""
    if not path.is_file():
        raise ModelIntegrityError(f"encoder file missing: {path}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise ModelIntegrityError(
            f"{path} does not match its model: SHA-256 {digest[:16]}... but the model expects "
            f"{expected[:16]}...; the file was altered or replaced, refusing to open it")
    return data


class SentenceEncoder:
    """Texts to sentence vectors with an ONNX encoder and its word-piece tokenizer.

    Parameters
    ----------
    folder : str or Path
        Holds ``encoder.onnx`` and ``tokenizer.json``.
    sha256 : mapping of str to str
        The expected SHA-256 of each of the two files, by file name.
    threads : int, default 1
        Threads of ONNX Runtime's matrix products.
    batch_size : int, default 64
        Texts per run (texts of similar length share a run).
    max_pieces : int, default 64
        Word pieces kept per text (the encoder was fine-tuned on 64).

    Examples
    --------
    >>> encoder = open_encoder("accurate")
    >>> encoder.encode(["The crew was wonderful", "Lost my bag"]).shape
    (2, 384)
    """

    def __init__(self, folder: str | Path, *, sha256: Mapping[str, str], threads: int = 1,
                 batch_size: int = 64, max_pieces: int = 64) -> None:
        self.folder = str(folder)
        self.sha256 = dict(sha256)
        self.threads = threads
        self.batch_size = batch_size
        self.max_pieces = max_pieces
        self._session: Any = None
        self._tokenizer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_session"] = state["_tokenizer"] = None  # reopened (and re-checked) on use
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._session = self._tokenizer = None

    def _open(self) -> None:
        ort: Any = require("onnxruntime", "accurate")
        tokenizers: Any = require("tokenizers", "accurate")
        missing = [name for name in ENCODER_FILES if name not in self.sha256]
        if missing:
            raise ModelIntegrityError(f"the encoder has no SHA-256 for {missing}")
        folder = Path(self.folder)
        graph = _checked_bytes(folder / ENCODER_FILES[0], self.sha256[ENCODER_FILES[0]])
        vocab = _checked_bytes(folder / ENCODER_FILES[1], self.sha256[ENCODER_FILES[1]])
        tokenizer = tokenizers.Tokenizer.from_str(vocab.decode("utf-8"))
        tokenizer.enable_truncation(max_length=self.max_pieces)
        tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(self.threads))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def set_threads(self, threads: int) -> None:
        """Run on ``threads`` threads from the next call on."""
        if max(1, int(threads)) != self.threads:
            self.threads = max(1, int(threads))
            self._session = None

    def encode(self, texts: Sequence[str], *,
               progress: Callable[[int], object] | None = None) -> np.ndarray:
        """One float32 vector per text, in order.

        Parameters
        ----------
        texts : sequence of str
        progress : callable, optional
            Called with the number of texts done after each run (for a progress bar).

        Returns
        -------
        numpy.ndarray of shape (len(texts), dimension)
        """
        if self._session is None:
            self._open()
        width_out = int(self._session.get_outputs()[0].shape[-1])
        out = np.zeros((len(texts), width_out), dtype=np.float32)
        # tokenized a slice at a time: the tokenizer's encodings of a whole 20k-row chunk held
        # hundreds of MB at once
        for first in range(0, len(texts), _SLICE):
            part = [str(t) for t in texts[first:first + _SLICE]]
            pieces = [np.asarray(e.ids, dtype=np.int64)
                      for e in self._tokenizer.encode_batch(part)]
            order = np.argsort([len(p) for p in pieces], kind="stable")
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                width = max(len(pieces[r]) for r in rows)
                ids = np.zeros((len(rows), width), dtype=np.int64)
                mask = np.zeros((len(rows), width), dtype=np.int64)
                for i, row in enumerate(rows):
                    ids[i, :len(pieces[row])] = pieces[row]
                    mask[i, :len(pieces[row])] = 1
                feed = {"input_ids": ids, "attention_mask": mask}
                out[first + rows] = self._session.run(None, feed)[0]
                if progress is not None:
                    progress(len(rows))
        return out


def place_encoder_files(encoder: SentenceEncoder, folder: Path) -> dict[str, str]:
    """Copy the encoder's files into a model folder (unless they are there); their SHA-256."""
    for name in ENCODER_FILES:
        source, target = Path(encoder.folder) / name, Path(folder) / name
        if not target.exists() or source.resolve() != target.resolve():
            partial = target.with_name(target.name + ".partial")
            shutil.copyfile(source, partial)
            partial.replace(target)
    return dict(encoder.sha256)


def open_encoder(spec: str | Path, *, threads: int = 1) -> SentenceEncoder:
    """The encoder a model parameter names: ``"accurate"`` (the shipped one) or a folder.

    The folder holds ``encoder.onnx``, ``tokenizer.json`` and ``encoder.json``, whose
    ``sha256`` entry gives each file's hash (checked when the files are opened).
    """
    folder = accurate_model_path() if str(spec) == "accurate" else Path(spec)
    card = folder / _ENCODER_CARD
    if not card.is_file():
        raise ModelIntegrityError(f"{folder} holds no encoder: {_ENCODER_CARD} is missing")
    about = json.loads(card.read_text(encoding="utf-8"))
    return SentenceEncoder(folder, sha256=about["sha256"], threads=threads,
                           max_pieces=int(about.get("max_pieces", 64)))


def pool_log_space(words: np.ndarray, encoder: np.ndarray, weight: float) -> np.ndarray:
    """The weighted geometric mean of two probability arrays, rows renormalized to 1.

    ``weight`` is the encoder's share (0: the words alone, 1: the encoder alone).
    """
    if weight == 0.0:
        return words
    logs = ((1.0 - weight) * np.log(np.clip(words, _EPS, 1.0))
            + weight * np.log(np.clip(encoder, _EPS, 1.0)))
    logs -= logs.max(axis=1, keepdims=True)
    pooled = np.exp(logs)
    return pooled / pooled.sum(axis=1, keepdims=True)


class EncoderHead(ClassifierMixin, BaseEstimator):
    """A temperature-calibrated logistic regression on standardized sentence vectors.

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularization strength.
    cv : int, default 4
        Folds whose held-out logits fit the temperature.
    class_weight : "balanced" or None, default "balanced"
    random_state : int, default 0

    Attributes
    ----------
    mean_, scale_ : numpy.ndarray
        Standardize the vectors' columns.
    linear_ : SparseNewtonLogit
        Fitted on every row (standardized).
    temperature_ : float
        Divides the logits; minimizes the weighted log loss of the held-out logits.
    classes_ : numpy.ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(m, 1, (20, 4)) for m in (-2, 0, 2)])
    >>> head = EncoderHead(cv=2).fit(X, ["magic"] * 20 + ["ordinary"] * 20 + ["misery"] * 20)
    >>> head.predict(X[:1]).tolist()
    ['magic']
    """

    def __init__(self, *, C: float = 1.0, cv: int = 4, class_weight: str | None = "balanced",
                 random_state: int = 0) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.random_state = random_state

    def _linear(self) -> SparseNewtonLogit:
        # the project's Newton solver: a few Newton steps on 384 standardized columns, where
        # scikit-learn's lbfgs needed minutes on 30k rows
        return SparseNewtonLogit(C=self.C, class_weight=self.class_weight, tol=1e-4,
                                 max_iter=500, n_threads=1)

    def _standard(self, X: Any) -> sp.csr_matrix:
        return sp.csr_matrix((np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_)

    def fit(self, X: Any, y: Sequence[Any], sample_weight: Any = None) -> EncoderHead:
        """Fit the head on every row and its temperature on held-out folds; returns self."""
        self.fit_held_out(X, y, sample_weight=sample_weight)
        return self

    def fit_held_out(self, X: Any, y: Sequence[Any], *, sample_weight: Any = None,
                     calibration_weight: Any = None) -> np.ndarray:
        """Fit as :meth:`fit` does and return the calibrated held-out probabilities of the rows.

        ``calibration_weight`` (default ``sample_weight``) weights the rows in the temperature
        fit only. Columns are in ``classes_`` order.
        """
        dense = np.asarray(X, dtype=np.float64)
        self.mean_ = dense.mean(axis=0)
        self.scale_ = np.where(dense.std(axis=0) > 0, dense.std(axis=0), 1.0)
        X = self._standard(dense)
        target = np.asarray(y)
        weight = (np.ones(len(target)) if sample_weight is None
                  else np.asarray(sample_weight, dtype=np.float64))
        calibration = (weight if calibration_weight is None
                       else np.asarray(calibration_weight, dtype=np.float64))
        self.linear_ = self._linear().fit(X, target, sample_weight=weight)
        self.classes_ = self.linear_.classes_
        logits = np.zeros((len(target), len(self.classes_)))
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(X, target):
            part = self._linear().fit(X[train], target[train], sample_weight=weight[train])
            logits[test] = part.decision_function(X[test])
        self.temperature_ = _fit_temperature(logits, np.searchsorted(self.classes_, target),
                                             calibration)
        return _softmax(logits / self.temperature_)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes_`` order."""
        check_is_fitted(self, "linear_")
        logits = self.linear_.decision_function(self._standard(X))
        return _softmax(logits / self.temperature_)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def _fit_temperature(logits: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """The temperature that minimizes the weighted log loss of held-out logits."""

    def loss(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-(weight * log_p[np.arange(len(y)), y]).sum() / weight.sum())

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))
