"""Select the 200 clothing review sentences of bench/data/clothing_touchpoint_gold.csv.

The reviews themselves stay outside the repository: the gold file stores only references
(``row`` = 0-based row of the review in the test file, ``sentence`` = 0-based index of the
sentence in that review after splitting on ``(?<=[.!?])\\s+``) and the hand-written ``gold``
touchpoints. This script reproduces the selection and prints the selected sentences, so the
gold labels can be written (or checked) beside them::

    python bench/data/select_clothing_sentences.py [/work/shared/data/clothing_reviews_test.csv]

Selection (deterministic, ``numpy.random.default_rng(2026)``):

1. every non-blank sentence of every review is a candidate;
2. a candidate "has a touchpoint word" when, lower-cased, it contains a phrase or word of the
   default vocabulary (``moments_nlp/touchpoints_default.json``, keys ``phrases`` and
   ``words``) as a whole word, optionally followed by ``s``/``es`` (a plain regex, no spaCy, so
   the library's matcher is not run on the sentences);
3. 120 sentences are drawn without replacement from the candidates with a touchpoint word,
   then 80 from all the remaining candidates (with or without one);
4. the 200 are printed in (row, sentence) order.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEST = Path("/work/shared/data/clothing_reviews_test.csv")
VOCAB = ROOT / "moments_nlp" / "touchpoints_default.json"
SPLIT = re.compile(r"(?<=[.!?])\s+")
SEED = 2026
N_WITH_WORD = 120
N_TOTAL = 200


def sentences(path: Path) -> list[tuple[int, int, str]]:
    data = pd.read_csv(path, keep_default_na=False)
    out = []
    for row, text in enumerate(data["text"]):
        for index, sentence in enumerate(SPLIT.split(str(text))):
            if sentence.strip():
                out.append((row, index, sentence))
    return out


def touchpoint_word_regex() -> re.Pattern[str]:
    vocab = json.loads(VOCAB.read_text(encoding="utf-8"))
    terms = set()
    for name, entry in vocab.items():
        if name.startswith("_"):
            continue
        for key in ("phrases", "words"):
            terms.update(t.lower() for t in entry.get(key, []) if isinstance(t, str) and t.strip())
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:s|es)?(?!\w)")


def select(path: Path) -> list[tuple[int, int, str]]:
    candidates = sentences(path)
    has_word = touchpoint_word_regex()
    with_word = [i for i, (_, _, s) in enumerate(candidates) if has_word.search(s.lower())]
    rng = np.random.default_rng(SEED)
    first = rng.choice(len(with_word), size=N_WITH_WORD, replace=False)
    chosen = {with_word[i] for i in first}
    rest = [i for i in range(len(candidates)) if i not in chosen]
    second = rng.choice(len(rest), size=N_TOTAL - N_WITH_WORD, replace=False)
    chosen |= {rest[i] for i in second}
    return sorted(candidates[i] for i in chosen)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TEST
    has_word = touchpoint_word_regex()
    picked = select(path)
    print(f"{len(picked)} sentences, "
          f"{sum(bool(has_word.search(s.lower())) for _, _, s in picked)} with a touchpoint word")
    for row, index, sentence in picked:
        print(f"{row}\t{index}\t{sentence}")


if __name__ == "__main__":
    main()
