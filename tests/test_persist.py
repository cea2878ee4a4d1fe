from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

import moments_nlp as mn
from moments_nlp.errors import ModelIntegrityError, ModelVersionWarning, UntrustedModelError
from moments_nlp.model.persist import default_model_path, read_card, sha256_file
from moments_nlp.training.catalogue import read_catalogue

TEXTS = ["The crew was wonderful", "My bag never arrived", "What time is boarding?",
         "Dirty restroom and a broken tray table", "Best hotel stay of my life!"]


@pytest.fixture()
def saved(small_model: mn.MomentClassifier, tmp_path: Path) -> Path:
    return small_model.save(tmp_path / "model")


def test_default_model_card_lists_sources_and_licenses() -> None:
    card = read_card()
    assert card["labels"] == list(mn.LABELS)
    licenses = {source["license"] for source in card["sources"]}
    # the licences of the catalogue's sources the default trains on (CC0, Apache-2.0, MIT, CC BY)
    assert licenses == {source.license for source in read_catalogue().values()
                        if source.trainable and source.share > 0}
    assert not any("NC" in license for license in licenses)
    assert not any("airline" in source["name"].lower() for source in card["sources"])
    assert card["estimator"]["sha256"] == sha256_file(
        default_model_path() / card["estimator"]["file"])


@pytest.mark.parametrize("fmt", ["skops", "joblib"])
def test_round_trip_same_predictions(small_model: mn.MomentClassifier, tmp_path: Path,
                                     fmt: str) -> None:
    folder = small_model.save(tmp_path / fmt, format=fmt)
    loaded = mn.load(folder, trusted=fmt == "joblib")
    assert loaded.predict(TEXTS) == small_model.predict(TEXTS)
    difference = loaded.predict_proba(TEXTS) - small_model.predict_proba(TEXTS)
    assert difference.abs().max().max() < 1e-12
    card = json.loads((folder / "card.json").read_text())
    assert card["training"]["rows"] == small_model.card_["training"]["rows"]
    assert set(card["versions"]) >= {"moments_nlp", "scikit_learn", "spacy", "python"}


def test_altered_estimator_refused_before_unpickling(saved: Path) -> None:
    estimator = saved / "estimator.skops"
    data = bytearray(estimator.read_bytes())
    data[len(data) // 2] ^= 0xFF
    estimator.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        mn.load(saved)


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("import pathlib; pathlib.Path('PLANTED').write_text('ran')",))


def test_swapped_pickle_never_runs(small_model: mn.MomentClassifier, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small_model.save(tmp_path / "m", format="joblib")
    estimator = folder / "estimator.joblib"
    estimator.write_bytes(pickle.dumps(_Boom()))
    card = json.loads((folder / "card.json").read_text())
    card["estimator"]["sha256"] = sha256_file(estimator)  # an attacker fixes the hash too
    (folder / "card.json").write_text(json.dumps(card))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        mn.load(folder)
    assert not (tmp_path / "PLANTED").exists()


def test_missing_and_garbled_folders(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelIntegrityError, match="model folder not found"):
        mn.load(tmp_path / "nowhere")
    (saved / "estimator.skops").unlink()
    with pytest.raises(ModelIntegrityError, match="estimator file missing"):
        mn.load(saved)
    (saved / "card.json").write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="garbled"):
        mn.load(saved)
    (saved / "card.json").unlink()
    with pytest.raises(ModelIntegrityError, match=r"card\.json is missing"):
        mn.load(saved)


def test_version_mismatch_warns_with_both_versions(saved: Path) -> None:
    card = json.loads((saved / "card.json").read_text())
    card["versions"]["scikit_learn"] = "0.0.1"
    (saved / "card.json").write_text(json.dumps(card))
    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 0\.0\.1, this environment has"):
        mn.load(saved)


def test_save_replaces_previous_format(small_model: mn.MomentClassifier, tmp_path: Path) -> None:
    folder = small_model.save(tmp_path / "m", format="joblib")
    small_model.save(folder, format="skops", overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["card.json", "estimator.skops"]
    assert mn.load(folder).predict(TEXTS[:1])


def test_copied_default_model_is_safe_to_load(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(default_model_path(), tmp_path / "copy"))
    assert mn.load(copy).predict(["Lovely staff"]) in (["magic"], ["ordinary"], ["misery"])


def test_default_names_the_shipped_model_everywhere() -> None:
    from moments_nlp.model.persist import resolve_model_path

    assert resolve_model_path("default") == resolve_model_path(None) == default_model_path()
    assert resolve_model_path("./default") == Path("default")
    assert read_card("default") == read_card()
    model = mn.load("default")
    assert list(model.predict(TEXTS)) == list(mn.load().predict(TEXTS))
    base = mn.train(TEXTS * 3, ["magic", "misery", "ordinary", "misery", "magic"] * 3,
                    base="default", cv=2)
    assert base.predict(TEXTS[:1])[0] in mn.LABELS
