"""The accurate tier (issue 31): the shipped encoder model, its checks and its invariances."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score

import moments_nlp as mn
from moments_nlp.errors import ModelIntegrityError
from moments_nlp.model.encoder import ENCODER_FILES, EncoderHead, pool_log_space

REFERENCE = Path(__file__).parent / "data" / "accurate_float_reference.npz"


@pytest.fixture(scope="module")
def accurate() -> mn.MomentClassifier:
    return mn.load("accurate")


@pytest.fixture(scope="module")
def real_texts(shared_data: Path) -> list[str]:
    """2,000 real texts from five test splits (short tweets to long reviews)."""
    texts: list[str] = []
    for name in ("airline_tweets_test", "nhs_feedback_test", "reddit_emotions_test",
                 "vader_product_snippets_test", "clothing_reviews_test"):
        frame = pd.read_csv(shared_data / f"{name}.csv", keep_default_na=False)
        texts += frame["text"].sample(400, random_state=3).tolist()
    return texts


def test_accurate_model_is_shipped_and_named(accurate: mn.MomentClassifier) -> None:
    assert accurate.encoder == "accurate"
    assert set(accurate.card_["encoder"]["files"]) == set(ENCODER_FILES)
    assert accurate.predict(["The crew was wonderful", "My tray table was broken",
                             "When does boarding start?"]) == ["magic", "misery", "ordinary"]
    assert mn.load("fast").encoder is None


def test_no_torch_at_run_time() -> None:
    """The accurate model loads and predicts with torch made unimportable (spaCy's thinc
    imports torch when it is installed, so "not in sys.modules" would prove nothing)."""
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('torch', 'transformers'):\n"
            "            raise ImportError('blocked: ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import moments_nlp as mn\n"
            "print(mn.load('accurate').predict(['Lovely crew', 'Rude staff']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['magic', 'misery']"


def test_changed_encoder_file_is_refused(tmp_path: Path,
                                         accurate: mn.MomentClassifier) -> None:
    folder = tmp_path / "accurate"
    shutil.copytree(Path(accurate.encoder_.folder), folder)
    data = bytearray((folder / "encoder.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "encoder.onnx").write_bytes(bytes(data))
    tampered = mn.load(folder)
    with pytest.raises(ModelIntegrityError, match=r"encoder\.onnx"):
        tampered.predict(["Lovely crew"])


def test_a_text_never_depends_on_its_batch_mates(accurate: mn.MomentClassifier,
                                                 real_texts: list[str]) -> None:
    whole = accurate.predict_proba(real_texts).to_numpy()
    alone = np.vstack([accurate.predict_proba([t]).to_numpy() for t in real_texts])
    reverse = accurate.predict_proba(real_texts[::-1]).to_numpy()[::-1]
    chunks = np.vstack([accurate.predict_proba(real_texts[i:i + 37]).to_numpy()
                        for i in range(0, len(real_texts), 37)])
    order = np.random.default_rng(0).permutation(len(real_texts))
    shuffled = np.empty_like(whole)
    shuffled[order] = accurate.predict_proba([real_texts[i] for i in order]).to_numpy()
    for other in (alone, reverse, chunks, shuffled):
        np.testing.assert_allclose(other, whole, rtol=0, atol=1e-6)
        assert (other.argmax(axis=1) == whole.argmax(axis=1)).all()


@pytest.mark.skipif(not REFERENCE.is_file(), reason="no float reference stored")
def test_int8_encoder_holds_the_float_encoders_labels(accurate: mn.MomentClassifier,
                                                      shared_data: Path) -> None:
    """The shipped 8-bit encoder against the float export it came from (probabilities stored
    by ``scripts/float_reference.py`` for 400 texts of each of five test splits).

    Labels agree on at least 98% and macro-F1 over the 2,000 texts is within 0.005; per split,
    where one flipped label moves macro-F1 of 400 texts by up to 0.005, within 0.01."""
    stored = np.load(REFERENCE, allow_pickle=False)
    agree, worst, truths, floats, int8s = [], 0.0, [], [], []
    labels = np.asarray(mn.LABELS)
    for split in np.unique(stored["split"]):
        rows = stored["row"][stored["split"] == split]
        frame = pd.read_csv(shared_data / f"{split}.csv", keep_default_na=False).iloc[rows]
        truth = frame["label"].to_numpy()
        float_p = stored["proba"][stored["split"] == split]
        int8_p = accurate.predict_proba(frame["text"].tolist()).to_numpy()
        f_float = f1_score(truth, labels[float_p.argmax(axis=1)], average="macro")
        f_int8 = f1_score(truth, labels[int8_p.argmax(axis=1)], average="macro")
        assert abs(f_float - f_int8) <= 0.01, (split, f_float, f_int8)
        truths.append(truth)
        floats.append(labels[float_p.argmax(axis=1)])
        int8s.append(labels[int8_p.argmax(axis=1)])
        agree.append(float_p.argmax(axis=1) == int8_p.argmax(axis=1))
        worst = max(worst, float(np.abs(float_p - int8_p).max()))
    share = float(np.concatenate(agree).mean())
    truth_all = np.concatenate(truths)
    assert abs(f1_score(truth_all, np.concatenate(floats), average="macro")
               - f1_score(truth_all, np.concatenate(int8s), average="macro")) <= 0.005
    print(f"int8 vs float: labels agree on {share:.4f}, largest probability difference "
          f"{worst:.4f}")
    assert share >= 0.98


def test_retrain_with_the_encoder_round_trips(tmp_path: Path, seed: pd.DataFrame) -> None:
    rows = seed.sample(300, random_state=1)
    clf = mn.train(rows["text"], rows["label"], encoder="accurate", cv=2)
    assert 0.0 < clf.encoder_head_.temperature_ < 20.0
    assert clf.shares_proba_.shape[1] == 3
    texts = seed["text"].head(40).tolist()
    before = clf.predict_proba(texts).to_numpy()
    clf.save(tmp_path / "mine")
    assert {p.name for p in (tmp_path / "mine").iterdir()} >= set(ENCODER_FILES)
    after = mn.load(tmp_path / "mine").predict_proba(texts).to_numpy()
    np.testing.assert_array_equal(before, after)
    assert clone(clf).get_params()["encoder"] == "accurate"


def test_encoder_weight_is_checked(seed: pd.DataFrame) -> None:
    rows = seed.sample(60, random_state=2)
    with pytest.raises(ValueError, match="encoder_weight"):
        mn.MomentClassifier(encoder="accurate", encoder_weight=1.5, cv=2).fit(
            rows["text"], rows["label"])


def test_pooling_and_head() -> None:
    words = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    encoder = np.array([[0.1, 0.2, 0.7], [0.1, 0.1, 0.8]])
    np.testing.assert_allclose(pool_log_space(words, encoder, 1.0), encoder)
    middle = pool_log_space(words, encoder, 0.5)
    np.testing.assert_allclose(middle.sum(axis=1), 1.0)
    np.testing.assert_allclose(middle[1], [0.1, 0.1, 0.8])
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(m, 1.0, (30, 5)) for m in (-2, 0, 2)])
    y = ["magic"] * 30 + ["ordinary"] * 30 + ["misery"] * 30
    head = EncoderHead(cv=3).fit(X, y)
    assert (head.predict(X) == np.asarray(y)).mean() > 0.9
    np.testing.assert_allclose(head.predict_proba(X).sum(axis=1), 1.0)


def test_explanations_name_words_that_push_toward_the_label(
        accurate: mn.MomentClassifier) -> None:
    """On the clear cases, deleting an accurate model's top explained word lowers the
    probability of the label it predicted (measured: 0.967 of 183 texts)."""
    import re

    cases = pd.read_csv(Path(__file__).parent / "data" / "clear_cases.csv",
                        keep_default_na=False)
    texts = cases["text"].tolist()
    proba = accurate.predict_proba(texts).to_numpy()
    pushes = []
    for text, terms, p in zip(texts, accurate.explain(texts, top=1), proba):
        if not terms:
            continue
        assert terms[0][1] > 0
        word = terms[0][0].removeprefix("not ")
        without = re.sub(r"\b" + re.escape(word) + r"\b", "", text, count=1)
        if without != text:
            after = accurate.predict_proba([without]).to_numpy()[0]
            pushes.append(after[p.argmax()] < p.max())
    assert len(pushes) > 150
    assert np.mean(pushes) >= 0.9
