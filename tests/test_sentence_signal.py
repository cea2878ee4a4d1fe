"""Sentence-level training examples from long reviews (moments_nlp.training._sentence_signal)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from moments_nlp.training._sentence_signal import MIN_WORDS, review_sentences, sentence_polarity


def test_clear_sentences_keep_their_review_label_and_facts_become_ordinary() -> None:
    texts = ["The staff were wonderful and kind! We booked a room for two nights. It was ok.",
             "Terrible service, the waiter was rude. We ordered the soup.",
             "The delivery came on Tuesday. I love the colour so much!"]
    out = review_sentences(texts, ["magic", "misery", "ordinary"])
    assert out == [
        ("The staff were wonderful and kind!", "magic", 0),
        ("We booked a room for two nights.", "ordinary", 0),
        ("Terrible service, the waiter was rude.", "misery", 1),
        ("We ordered the soup.", "ordinary", 1),
        ("The delivery came on Tuesday.", "ordinary", 2),
    ]


def test_contrary_and_weak_sentences_are_left_out() -> None:
    # praise inside a misery review and a complaint inside a magic review say nothing clear
    out = review_sentences(["The colour is lovely and great. It fell apart in a week, awful.",
                            "It arrived broken and damaged, terrible. Still, great service."],
                           ["misery", "magic"])
    assert out == [("It fell apart in a week, awful.", "misery", 0),
                   ("Still, great service.", "magic", 1)]
    # a weak word is not evidence enough either way
    assert review_sentences(["The size is okay for me."], ["magic"]) == []


def test_short_pieces_are_skipped_and_counts_must_match() -> None:
    assert review_sentences(["Great! Love it."], ["magic"]) == []
    assert MIN_WORDS == 3
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        review_sentences(["a b c", "d e f"], ["magic"])


def test_negation_flips_and_halves_the_polarity() -> None:
    assert sentence_polarity(["good"]) > 0 > sentence_polarity(["not", "not_good"])
    assert sentence_polarity(["not_good"]) == pytest.approx(-0.5 * sentence_polarity(["good"]))
    assert sentence_polarity(["<emo_neg>"]) < 0 < sentence_polarity(["<emo_pos>"])


def test_real_reviews_give_every_label_in_review_order(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "clothing_reviews_train.csv").head(2000)
    out = review_sentences(frame["text"].astype(str).tolist(), frame["label"].tolist())
    rows = [row for _, _, row in out]
    assert rows == sorted(rows)
    counts = Counter(label for _, label, _ in out)
    assert set(counts) == {"magic", "ordinary", "misery"}
    # every sentence comes from its review, word for word
    assert all(sentence in frame["text"].iloc[row] for sentence, _, row in out)
