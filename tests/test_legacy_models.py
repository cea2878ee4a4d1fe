"""Model folders saved before the package had its wings (issue 29) still load, unchanged.

``tests/data/legacy/`` holds two model folders saved by the code of commit ``fd2f7b1`` (the last
flat layout): ``model`` (``mn.train`` on ``data/seed_feedback.csv`` with ``cv=3, min_df=2,
sentence_vote=0.5``) and ``warmstart`` (a warm start from it on the first 300 rows of
``data/seed_batch6.csv``, ``cv=3``), with the probabilities that code gave on 2,000 texts
(``texts.csv``, ``proba.npz``: the model's three columns, then the warm start's). Their skops
files name the classes by their old modules (``moments_nlp.model.MomentClassifier`` ...);
:data:`moments_nlp.model.persist.RENAMED_TYPES` maps each old name to the new one.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

import moments_nlp as mn
from moments_nlp.classifier import WarmStartClassifier
from moments_nlp.errors import UntrustedModelError
from moments_nlp.model.persist import RENAMED_TYPES, TRUSTED_TYPES, sha256_file

LEGACY = Path(__file__).resolve().parent / "data" / "legacy"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return pd.read_csv(LEGACY / "texts.csv", keep_default_na=False)["text"].tolist()


@pytest.fixture(scope="module")
def expected() -> np.ndarray:
    return np.load(LEGACY / "proba.npz")["proba"]


def _saved_types(folder: Path) -> set[str]:
    return set(sio.get_untrusted_types(file=folder / "estimator.skops"))


def test_the_fixtures_name_the_old_modules() -> None:
    assert "moments_nlp.model.MomentClassifier" in _saved_types(LEGACY / "model")
    assert "moments_nlp._warmstart.WarmStartClassifier" in _saved_types(LEGACY / "warmstart")


def test_every_old_name_maps_to_a_trusted_class_that_exists() -> None:
    saved = _saved_types(LEGACY / "model") | _saved_types(LEGACY / "warmstart")
    ours = {name for name in saved if name.startswith("moments_nlp.")}
    assert ours <= set(RENAMED_TYPES)  # every class of ours in an old file is mapped
    for new in RENAMED_TYPES.values():
        assert new in TRUSTED_TYPES
        module, _, name = new.rpartition(".")
        assert isinstance(getattr(__import__(module, fromlist=[name]), name), type)
    assert not set(RENAMED_TYPES) & set(TRUSTED_TYPES)  # old names are not trusted as such


@pytest.mark.parametrize(("folder", "columns", "kind"), [
    ("model", slice(0, 3), mn.MomentClassifier),
    ("warmstart", slice(3, 6), WarmStartClassifier),
])
def test_old_folder_gives_identical_probabilities(folder: str, columns: slice, kind: type,
                                                  texts: list[str],
                                                  expected: np.ndarray) -> None:
    card = json.loads((LEGACY / folder / "card.json").read_text())
    assert card["estimator"]["sha256"] == sha256_file(LEGACY / folder / "estimator.skops")
    model = mn.load(LEGACY / folder)
    assert type(model) is kind
    assert len(texts) == 2000
    proba = model.predict_proba(texts).to_numpy()
    np.testing.assert_array_equal(proba, expected[:, columns])


def test_an_old_name_outside_the_map_is_still_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    with zipfile.ZipFile(LEGACY / "model" / "estimator.skops") as old, \
            zipfile.ZipFile(folder / "estimator.skops", "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "schema.json":
                data = data.replace(b'"__module__": "moments_nlp.model"',
                                    b'"__module__": "moments_nlp.elsewhere"')
            new.writestr(item, data)
    card = json.loads((LEGACY / "model" / "card.json").read_text())
    card["estimator"]["sha256"] = sha256_file(folder / "estimator.skops")
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(UntrustedModelError, match=r"moments_nlp\.elsewhere\.MomentClassifier"):
        mn.load(folder)
