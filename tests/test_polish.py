"""Issue 30, section 4: CLI and API polish."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.errors import InputError, OutputExistsError, UnknownLabelError
from moments_nlp.io._summary import LabelSummary
from moments_nlp.labels import nps_to_label
from moments_nlp.text._language import looks_english

REPO = Path(__file__).resolve().parents[1]
SURVEY = REPO / "data" / "sample_survey.csv"


@pytest.mark.parametrize("command", ["explain", "report", "compare", "suggest", "label", "train",
                                     "evaluate", "info"])
def test_every_command_help_has_a_description(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    # argparse prints the description as the paragraph between the usage and the options
    paragraphs = text.split("\n\n")
    assert not paragraphs[1].lstrip().startswith(("positional arguments", "options")), text


@pytest.mark.parametrize("bad", [-1, 1.01, 2, float("nan"), "0.5", True])
def test_min_confidence_outside_0_1_is_refused(bad: object,
                                               default_model: mn.MomentClassifier) -> None:
    with pytest.raises(InputError, match="min_confidence is a confidence between 0 and 1"):
        default_model.label(pd.DataFrame({"comment": ["ok"]}), min_confidence=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["2", "-1", "nan", "high"])
def test_cli_min_confidence_outside_0_1_is_refused(bad: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["label", str(SURVEY), "-o", str(tmp_path / "o.csv"), "--text-column", "comment",
              "--min-confidence", bad])
    assert "a confidence between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_needs_review_and_language_ok_are_always_there(
        default_model: mn.MomentClassifier) -> None:
    frame = pd.DataFrame({"comment": ["The crew was wonderful", "n/a", "",
                                      "Le personnel était très gentil et serviable",
                                      "Das Essen war nicht gut und sehr teuer"]})
    out = default_model.label(frame)
    review = out["confidence"] < 0.5  # the default threshold; never a non-answer or a blank
    assert out["needs_review"].tolist() == [review[0], False, False, review[3], review[4]]
    assert out["language_ok"].astype(object).tolist() == [True, True, pd.NA, False, False]


def test_language_check_is_cheap_and_keeps_english() -> None:
    english = ["No complaints", "Oh great, another outage. Fantastic job.", "1/10", "ok",
               "Great café, the crème brûlée was lovely", "The rental car was not clean"]
    assert all(looks_english(english))
    assert looks_english(["Servicio muy lento y el personal no fue amable",
                          "Het eten was niet lekker en erg duur", "服务太差了"]) == [False] * 3


def test_one_call_api(default_model: mn.MomentClassifier) -> None:
    out = default_model(["The crew was wonderful", "My bag was lost", None, "n/a"])
    assert [r["label"] for r in out] == ["magic", "misery", None, "ordinary"]
    proba = default_model.predict_proba(["The crew was wonderful"]).to_numpy()[0]
    assert out[0]["score"] == pytest.approx(proba.max())
    assert out[2] == {"label": None, "score": None} and out[3]["score"] == 1.0
    with pytest.raises(InputError, match="single str"):
        default_model("one text")


def test_save_needs_overwrite_to_replace_a_model_folder(
        small_model: mn.MomentClassifier, tmp_path: Path) -> None:
    folder = small_model.save(tmp_path / "m")
    before = (folder / "card.json").read_bytes()
    with pytest.raises(OutputExistsError, match=r"exists and is not empty; pass overwrite=True"):
        small_model.save(folder)
    assert (folder / "card.json").read_bytes() == before
    small_model.save(folder, overwrite=True)
    (tmp_path / "empty").mkdir()
    small_model.save(tmp_path / "empty")  # an empty folder is fine


def test_nps_maps_like_stars() -> None:
    assert nps_to_label(range(11)) == ["misery"] * 7 + ["ordinary"] * 2 + ["magic"] * 2
    with pytest.raises(UnknownLabelError, match=r"NPS scores must be whole numbers 0-10; got "
                                                r"'11' \(1x\), 7.5 \(1x\)"):
        nps_to_label(["11", 7.5])


def test_from_nps_in_train_and_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = pd.read_csv(REPO / "data" / "seed_feedback.csv").head(90)
    score = {"magic": 10, "ordinary": 7, "misery": 2}
    seed["nps"] = seed["label"].map(score)
    clf = mn.train(seed["text"], seed["nps"], from_nps=True, cv=2)
    assert clf.card_["training"]["label_counts"] == mn.train(
        seed["text"], seed["label"], cv=2).card_["training"]["label_counts"]
    path = tmp_path / "nps.csv"
    seed.to_csv(path, index=False)
    assert main(["evaluate", str(path), "--text-column", "text", "--label-column", "nps",
                 "--from-nps"]) == 0
    assert "macro-F1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["evaluate", str(path), "--text-column", "text", "--label-column", "nps",
              "--from-nps", "--from-stars"])


def test_train_and_the_cli_share_one_cv_default(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import inspect

    from moments_nlp.cli import build_parser

    api = inspect.signature(mn.train).parameters["cv_folds"].default
    file_api = inspect.signature(mn.train_file).parameters["cv_folds"].default
    args = build_parser().parse_args(["train", str(SURVEY), "--text-column", "t",
                                      "--label-column", "l", "-o", "x"])
    assert api == file_api == args.cv == 0


def test_cross_validation_shows_a_moving_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from moments_nlp.training._crossval import cross_validate

    texts = ["great crew", "lost my bag", "flight at 9"] * 6
    cross_validate(texts, ["magic", "misery", "ordinary"] * 6, folds=2, cv=2,
                   show_progress=True)
    err = capsys.readouterr().err
    assert "cross-validating" in err and "2/2" in err and "fitting" in err


def test_summary_wording() -> None:
    one = LabelSummary(Path("in.xlsx"), Path("out.xlsx"), rows=1, labeled=1, blank=0,
                       non_answers=1, needs_review=1, cleaned_characters=1, truncated_cells=1,
                       seconds=0.0)
    text = str(one)
    assert "1 row read" in text and "1 non-answer (" in text and "1 needs review" in text
    assert "1 character cleaned, 1 cell cut" in text and "rows/s" not in text
    none = LabelSummary(Path("in.csv"), Path("out.csv"), rows=0, labeled=0, blank=0,
                        seconds=0.3)
    assert "0 rows read" in str(none) and "rows/s" not in str(none)
    many = LabelSummary(Path("in.csv"), Path("out.csv"), rows=2000, labeled=2, blank=0,
                        non_answers=2, seconds=2.0)
    assert "2 non-answers" in str(many) and "(1,000 rows/s)" in str(many)


def test_csv_numbers_stay_numbers_in_xlsx(tmp_path: Path,
                                          default_model: mn.MomentClassifier) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "labeled.xlsx"
    mn.label_file(SURVEY, out, text_column="comment", model=default_model)
    book = openpyxl.load_workbook(out, read_only=True)
    try:  # a read-only workbook holds its file open until closed (a ResourceWarning later)
        sheet = book.worksheets[0]
        header, first = [row for _, row in zip(range(2), sheet.iter_rows(values_only=True))]
        comments = [r[header.index("comment")]
                    for r in sheet.iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()
    row = dict(zip(header, first))
    assert isinstance(row["nps"], int) and row["response_id"] == "R-000104"
    assert row["confidence"] is None  # a blank comment: no score
    assert all(isinstance(c, str) for c in comments if c is not None)


def test_excel_whole_numbers_are_written_to_csv_without_point_zero(
        tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.xlsx"
    pd.DataFrame({"id": [1, 2, 3], "nps": [9, None, 10],
                  "comment": ["Lovely", "Rude staff", None]}).to_excel(source, index=False)
    out = tmp_path / "out.csv"
    mn.label_file(source, out, text_column="comment", model=default_model)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("1,9,Lovely,") and lines[2].startswith("2,,Rude staff,")
    assert not re.search(r"\b(9|10)\.0\b", out.read_text(encoding="utf-8"))


def test_output_sep_and_encoding_are_chosen_and_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    assert main(["label", str(SURVEY), "-o", str(out), "--text-column", "comment",
                 "--no-progress", "--output-sep", ";", "--output-encoding", "utf-8-sig"]) == 0
    assert "written with delimiter ';', encoding utf-8 with BOM" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfresponse_id;")
    back = mn.read_feedback(out)
    assert len(back) == 200 and back.attrs["read_as"].startswith("delimiter ';' (detected)")
    with pytest.raises(InputError, match="apply to a CSV or TSV output"):
        mn.label_file(SURVEY, tmp_path / "o.jsonl", text_column="comment", output_sep=";")


def test_an_encoding_that_cannot_hold_a_text_says_what_to_pass(
        tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    source.write_text("comment\nLovely crew 😀\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot be written in cp1252; pass "
                                         r"output_encoding='utf-8-sig'"):
        mn.label_file(source, tmp_path / "o.csv", text_column="comment", model=default_model,
                      output_encoding="cp1252")
    assert not (tmp_path / "o.csv").exists()


def test_label_file_counts_texts_not_in_english(tmp_path: Path,
                                                default_model: mn.MomentClassifier) -> None:
    source = tmp_path / "in.csv"
    source.write_text("comment\nLovely crew\nLe service était très lent\n", encoding="utf-8")
    summary = mn.label_file(source, tmp_path / "o.csv", text_column="comment",
                            model=default_model)
    assert summary.not_english == 1 and "1 text not in English" in str(summary)
    assert np.array_equal(pd.read_csv(tmp_path / "o.csv")["language_ok"], [True, False])
