"""Touchpoint detection measured on real, human-coded topics: the NHS patient comments.

The NHS Friends and Family Test comments of the catalogue (source ``nhs``, MIT) carry one 0/1
column per topic of the pxtextmining framework, coded by people. Our touchpoints are mapped to
those topics **here, in the bench** (the library knows nothing of that framework): a comment's
gold set for a touchpoint is "any of its mapped topic columns is 1", and
:func:`moments_nlp.touchpoints` (the default vocabulary, the one :func:`moments_nlp.moments`
uses) gives the predicted set. Precision, recall and F1 per mapped touchpoint and micro-F1 over
all of them are printed and written to ``bench/results/touchpoints_nhs.md``.

Topics without a touchpoint of ours (diagnosis, medication, care plans, transport, ...) are
not scored; neither are our touchpoints that no topic covers (``delivery`` matches "driver",
which the transport comments use a lot).

Run from the repo root::

    python bench/touchpoints_nhs.py                  # the test split
    python bench/touchpoints_nhs.py --split train    # the split new vocabulary is checked on
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import moments_nlp as mn
from moments_nlp.training.catalogue import read_catalogue

REPO = Path(__file__).resolve().parents[1]

#: Our touchpoint -> the NHS framework topics it stands for.
MAPPING: dict[str, tuple[str, ...]] = {
    "staff": ("Staff manner & personal attributes", "Number & deployment of staff",
              "Staff responsiveness", "Staff continuity", "Competence & training"),
    "wait_time": ("Timeliness of care",),
    "communication": ("Unspecified communication", "Information directly from staff during care",
                      "Information provision & guidance",
                      "Being kept informed, clarity & consistency of information",
                      "Staff listening, understanding & involving patients",
                      "Contacting services"),
    "booking": ("Appointment arrangements", "Appointment method"),
    "cleanliness": ("Cleanliness, tidiness & infection control",),
    "food_drink": ("Food & drink provision & facilities",),
    "facilities": ("Environment & Facilities", "Parking"),
}


def load(split: str) -> pd.DataFrame:
    """The NHS split with every topic column (the catalogue's ``nhs`` entry names the file)."""
    source = read_catalogue()["nhs"]
    path = source.path(split)
    if path is None or not path.is_file():
        raise SystemExit(f"{path} is missing: the shared data folder sits beside the repository")
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def score(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per touchpoint: support, predicted, true positives, precision, recall, F1; micro."""
    found = mn.touchpoints(frame["text"].tolist())
    rows = []
    for touchpoint, topics in MAPPING.items():
        gold = (frame[list(topics)].astype(int) > 0).any(axis=1).to_numpy()
        predicted = np.asarray([touchpoint in names for names in found])
        tp = int((gold & predicted).sum())
        rows.append({"touchpoint": touchpoint, "topics": "; ".join(topics),
                     "support": int(gold.sum()), "predicted": int(predicted.sum()), "tp": tp})
    table = pd.DataFrame(rows)
    table["precision"] = table["tp"] / table["predicted"].where(table["predicted"] > 0)
    table["recall"] = table["tp"] / table["support"].where(table["support"] > 0)
    table["f1"] = 2 * table["tp"] / (table["support"] + table["predicted"]).where(
        table["support"] + table["predicted"] > 0)
    tp, support, predicted = table["tp"].sum(), table["support"].sum(), table["predicted"].sum()
    micro = {"precision": tp / predicted, "recall": tp / support,
             "f1": 2 * tp / (support + predicted)}
    return table, micro


def markdown(table: pd.DataFrame, micro: dict[str, float], split: str, n: int) -> str:
    def fmt(x: float) -> str:
        return "-" if pd.isna(x) else f"{x:.3f}"
    lines = [f"Touchpoint detection on `nhs_feedback_{split}.csv` ({n} comments, topics coded by "
             "people; `python bench/touchpoints_nhs.py --split " + split + "`).", "",
             "| touchpoint | NHS topics (any) | support | predicted | precision | recall | F1 |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in table.itertuples():
        lines.append(f"| {row.touchpoint} | {row.topics} | {row.support} | {row.predicted} | "
                     f"{fmt(row.precision)} | {fmt(row.recall)} | {fmt(row.f1)} |")
    lines.append(f"| **micro** | | {table['support'].sum()} | {table['predicted'].sum()} | "
                 f"{fmt(micro['precision'])} | {fmt(micro['recall'])} | **{fmt(micro['f1'])}** |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown file (default bench/results/touchpoints_nhs.md for the "
                             "test split, nothing for train)")
    args = parser.parse_args()
    start = time.perf_counter()
    frame = load(args.split)
    table, micro = score(frame)
    text = markdown(table, micro, args.split, len(frame))
    print(text + f"\n[{time.perf_counter() - start:.1f}s]")
    output = args.output or (REPO / "bench" / "results" / "touchpoints_nhs.md"
                             if args.split == "test" else None)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
