"""Model folders: the fitted estimator plus a readable ``card.json``, loaded with checks.

A model folder holds::

    card.json          labels, versions, training data summary and SHA-256, metrics, date,
                       and the SHA-256 of the estimator file
    estimator.skops    the fitted MomentClassifier (or estimator.joblib, a pickle)
    encoder.onnx, tokenizer.json   the accurate tier's encoder (:mod:`moments_nlp.model.encoder`)

Trust model
-----------
* The estimator file's SHA-256 is checked against the card **before** anything is read from it;
  a mismatch, a missing or garbled file raises :class:`~moments_nlp.errors.ModelIntegrityError`.
  (The hash catches accidents and tampering of the file alone, not an attacker who also rewrites
  the card.)
* ``skops`` files (the default) are loaded by skops, which builds only types on a reviewed list of
  moments-nlp, scikit-learn, NumPy and SciPy types; anything else is refused. No code in the file
  runs.
* ``joblib`` files are pickles: loading a pickle can run any code. They are loaded only for the
  model shipped inside the package, or when the caller says ``trusted=True``.

Examples
--------
>>> import moments_nlp as mn
>>> card = mn.load().card_
>>> card["labels"]
['magic', 'ordinary', 'misery']
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import platform
import shutil
import tempfile
import warnings
import zipfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from moments_nlp.errors import (
    Hint,
    ModelIntegrityError,
    ModelVersionWarning,
    UntrustedModelError,
    option,
)
from moments_nlp.labels import LABELS
from moments_nlp.model.encoder import accurate_model_path, place_encoder_files
from moments_nlp.model.estimator import MomentEstimator

__all__ = ["save_model", "load_model", "read_card", "default_model_path", "resolve_model_path",
           "sha256_file"]

CARD_NAME = "card.json"
#: The model argument that names the default model shipped with the package.
DEFAULT_NAME = "default"
FORMATS = {"skops": "estimator.skops", "joblib": "estimator.joblib"}

#: Types a skops model file may contain beyond skops' own defaults (reviewed: plain data holders
#: and estimators whose loading runs no code from the file).
TRUSTED_TYPES: tuple[str, ...] = (
    # reviewed (issue 29): the public class over the estimator core (issue 4 for the core);
    # methods only, no __setstate__ beyond the core's defaults, no __reduce__
    "moments_nlp.classifier.MomentClassifier",
    # reviewed (issue 4): a base MomentClassifier and two floats; no __setstate__/__reduce__
    "moments_nlp.classifier.WarmStartClassifier",
    # reviewed (issue 4): warm-start features and offset regression; plain arrays and params
    "moments_nlp.training._warmstart._TransferFeatures",
    "moments_nlp.training._warmstart._OffsetLogisticRegression",
    # reviewed (issue 17): a linear model and one float; no __setstate__/__reduce__
    "moments_nlp.model._calibrate.TemperatureCalibratedClassifier",
    # reviewed (issue 17): the logistic regression; plain arrays, no __setstate__/__reduce__
    "moments_nlp.model._newton.SparseNewtonLogit",
    # reviewed (issue 31): the encoder handle (a folder, file hashes, ints; __setstate__ only
    # drops the session) and its head (a LogisticRegression and one float)
    "moments_nlp.model.encoder.SentenceEncoder",
    "moments_nlp.model.encoder.EncoderHead",
    "moments_nlp.text.preprocess.SpacyPreprocessor",
    "moments_nlp.model.features.TokenFeatures",
    "moments_nlp.model.features._NgramAnalyzer",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "builtins.frozenset",
    "builtins.slice",
)

#: Where the classes of models saved before the package had its wings (issue 29) live now. A
#: skops file names each type by its module, so :func:`load_model` renames these in the file's
#: schema (in memory; the file and its hash are untouched) before checking and loading it.
RENAMED_TYPES: dict[str, str] = {
    "moments_nlp.model.MomentClassifier": "moments_nlp.classifier.MomentClassifier",
    "moments_nlp._warmstart.WarmStartClassifier": "moments_nlp.classifier.WarmStartClassifier",
    "moments_nlp._warmstart._TransferFeatures": "moments_nlp.training._warmstart._TransferFeatures",
    "moments_nlp._warmstart._OffsetLogisticRegression":
        "moments_nlp.training._warmstart._OffsetLogisticRegression",
    "moments_nlp._calibrate.TemperatureCalibratedClassifier":
        "moments_nlp.model._calibrate.TemperatureCalibratedClassifier",
    "moments_nlp._newton.SparseNewtonLogit": "moments_nlp.model._newton.SparseNewtonLogit",
    "moments_nlp.preprocess.SpacyPreprocessor": "moments_nlp.text.preprocess.SpacyPreprocessor",
    "moments_nlp.features.TokenFeatures": "moments_nlp.model.features.TokenFeatures",
    "moments_nlp.features._NgramAnalyzer": "moments_nlp.model.features._NgramAnalyzer",
}


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> sha256_file(f.name)[:12]
    'ba7816bf8f01'
    >>> os.unlink(f.name)
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    dists = ("moments-nlp", "scikit-learn", "spacy", "numpy")
    return {**{d.replace("-", "_"): version(d) for d in dists}, "python": platform.python_version()}


def default_model_path() -> Path:
    """Folder of the default model shipped with the package (or the source checkout).

    Examples
    --------
    >>> (default_model_path() / "card.json").is_file()
    True
    """
    packaged = Path(str(resources.files("moments_nlp"))) / "models" / "default"
    if (packaged / CARD_NAME).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "models" / "default"


def save_model(model: MomentEstimator, path: str | Path, *, format: str = "skops",
               card: dict[str, Any] | None = None) -> Path:
    """Write ``model`` into the folder ``path`` (created; files replaced atomically).

    Parameters
    ----------
    model : MomentClassifier
        A fitted model.
    path : str or Path
        The model folder.
    format : {"skops", "joblib"}, default "skops"
    card : dict, optional
        Extra card entries (``training``, ``metrics``, ``sources`` ...). A fitted model's own
        ``card_`` entries are kept unless overridden here.

    Returns
    -------
    Path
        The folder.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "pipeline_")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {format!r}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        estimator = Path(tmp) / FORMATS[format]
        if format == "skops":
            import skops.io as sio

            sio.dump(model, estimator, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        else:
            import joblib

            joblib.dump(model, estimator, compress=3)
        previous = dict(getattr(model, "card_", {}) or {})
        content: dict[str, Any] = {
            **{k: v for k, v in previous.items() if k not in ("estimator", "versions")},
            **(card or {}),
            "format_version": 1,
            "labels": list(LABELS),
            "created": previous.get("created")
            or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "saved": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "params": {k: v for k, v in model.get_params().items()},
            "estimator": {"file": estimator.name, "format": format,
                          "sha256": sha256_file(estimator)},
        }
        if getattr(model, "encoder_", None) is not None:  # the accurate tier's own files
            content["encoder"] = {"files": place_encoder_files(model.encoder_, folder)}
        card_tmp = Path(tmp) / CARD_NAME
        card_tmp.write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")
        for other in FORMATS.values():
            if other != estimator.name and (folder / other).exists():
                (folder / other).unlink()
        shutil.move(str(estimator), folder / estimator.name)
        shutil.move(str(card_tmp), folder / CARD_NAME)
    model.card_ = content
    return folder


def resolve_model_path(path: str | Path | None) -> Path:
    """The folder a model argument names: ``None``, ``"default"`` or ``"fast"`` is the shipped
    default model, ``"accurate"`` the shipped accurate model (the encoder tier).

    Every function and command that takes a model folder resolves it here, so these names
    work everywhere (a folder that happens to be called ``default`` is ``./default``).

    Examples
    --------
    >>> resolve_model_path("default") == resolve_model_path(None) == default_model_path()
    True
    >>> resolve_model_path("models/mine").as_posix()
    'models/mine'
    """
    if path is None:
        return default_model_path()
    named = {DEFAULT_NAME: default_model_path, "fast": default_model_path,
             "accurate": accurate_model_path}
    return named[path]() if isinstance(path, str) and path in named else Path(path)


def read_card(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check the ``card.json`` of a model folder (``None`` or ``"default"``: the default).

    Raises
    ------
    ModelIntegrityError
        If the folder or card is missing or the card is not valid JSON with an estimator entry.
    """
    folder = resolve_model_path(path)
    card_path = folder / CARD_NAME
    if not folder.is_dir():
        raise ModelIntegrityError(f"model folder not found: {folder}")
    if not card_path.is_file():
        raise ModelIntegrityError(f"{folder} is not a model folder: {CARD_NAME} is missing")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        entry = card["estimator"]
        if entry["format"] not in FORMATS or entry["file"] != FORMATS[entry["format"]]:
            raise KeyError("estimator")
        str(entry["sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelIntegrityError(
            f"{card_path} is garbled: expected JSON with an 'estimator' entry "
            "(file, format, sha256)"
        ) from exc
    return dict(card)


def _check_versions(card: dict[str, Any], folder: Path) -> None:
    saved = card.get("versions", {})
    now = _versions()
    for key in ("moments_nlp", "scikit_learn", "spacy"):
        if key in saved and saved[key] != now[key] and "unknown" not in (saved[key], now[key]):
            warnings.warn(
                f"model {folder} was saved with {key.replace('_', '-')} {saved[key]}, "
                f"this environment has {now[key]}; predictions may differ",
                ModelVersionWarning,
                stacklevel=3,
            )


def load_model(path: str | Path | None = None, *, trusted: bool = False) -> MomentEstimator:
    """Load a model folder, checking integrity before reading the estimator.

    Parameters
    ----------
    path : str or Path, optional
        The model folder; ``None`` or ``"default"`` loads the default model shipped with the
        package.
    trusted : bool, default False
        Allow a ``joblib`` (pickle) estimator from outside the package. Only set this for files
        you made yourself: a pickle runs code when loaded.

    Returns
    -------
    MomentClassifier
        With the card in ``card_``.

    Raises
    ------
    ModelIntegrityError
        Missing folder/card/estimator, a SHA-256 mismatch, or a file that cannot be read.
    UntrustedModelError
        A pickle from outside the package without ``trusted=True``, or a skops file holding
        types outside the reviewed list.
    """
    folder = resolve_model_path(path)
    card = read_card(folder)
    entry = card["estimator"]
    estimator = folder / entry["file"]
    if not estimator.is_file():
        raise ModelIntegrityError(f"estimator file missing: {estimator}")
    actual = sha256_file(estimator)
    if actual != entry["sha256"]:
        raise ModelIntegrityError(
            f"{estimator} does not match its card: SHA-256 {actual[:16]}... but the card says "
            f"{str(entry['sha256'])[:16]}...; the file was altered or replaced, refusing to load"
        )
    _check_versions(card, folder)
    if entry["format"] == "joblib":
        model = _load_pickle(estimator, folder, trusted=trusted)
    else:
        model = _load_skops(estimator)
    if not isinstance(model, MomentEstimator):
        raise ModelIntegrityError(f"{estimator} holds a {type(model).__name__}, not a model")
    if getattr(model, "encoder_", None) is not None:  # its files (hashes checked on opening)
        model.encoder_.folder = str(folder)
    model.card_ = card
    return model


def _load_pickle(estimator: Path, folder: Path, *, trusted: bool) -> Any:
    shipped = folder.resolve() == default_model_path().resolve()
    if not (trusted or shipped):
        raise UntrustedModelError(
            f"{estimator} is a pickle, and loading a pickle can run any code; pass ",
            option("trusted", True), " only if you made it yourself, or re-save it in the safe "
            "format with ", Hint("clf.save(path, format='skops')",
                                 "moments-nlp train ... --format skops (or clf.save(path, "
                                 "format='skops') in Python)"),
        )
    import joblib

    try:
        return joblib.load(estimator)
    except Exception as exc:  # a garbled pickle can raise almost anything
        raise ModelIntegrityError(f"cannot read {estimator}: {exc}") from exc


def _renamed(node: Any) -> Any:
    """A skops schema with the types of :data:`RENAMED_TYPES` under their new names."""
    if isinstance(node, list):
        return [_renamed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _renamed(value) for key, value in node.items()}
    old = f"{out.get('__module__')}.{out.get('__class__')}"
    if old in RENAMED_TYPES:
        out["__module__"], _, out["__class__"] = RENAMED_TYPES[old].rpartition(".")
    return out


def _skops_bytes(estimator: Path) -> bytes:
    """The skops file's bytes, its schema renamed (see :data:`RENAMED_TYPES`)."""
    source = io.BytesIO(estimator.read_bytes())
    target = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "schema.json":
                data = json.dumps(_renamed(json.loads(data))).encode("utf-8")
            new.writestr(item, data)
    return target.getvalue()


def _load_skops(estimator: Path) -> Any:
    import skops.io as sio

    try:
        data = _skops_bytes(estimator)
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ModelIntegrityError(f"cannot read {estimator}: {exc}") from exc
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise UntrustedModelError(
            f"{estimator} holds types outside the reviewed list, refusing to load: {unknown}"
        )
    try:
        return sio.loads(data, trusted=list(untrusted))
    except Exception as exc:
        raise ModelIntegrityError(f"cannot read {estimator}: {exc}") from exc
