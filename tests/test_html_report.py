"""Tests for moments_nlp.html_report: a self-contained HTML page with decodable charts."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import moments_nlp as mn
from moments_nlp.cli import main
from moments_nlp.errors import ColumnNotFoundError
from moments_nlp.shares import held_out_sample, shares_from_proba

REPO = Path(__file__).resolve().parents[1]
IMG = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def labeled(default_model: mn.MomentClassifier) -> pd.DataFrame:
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False)
    survey.loc[1, "comment"] = "<script>alert('x')</script> Rude staff & filthy restroom"
    return default_model.label(survey)


def _images(page: str) -> list[object]:
    image = pytest.importorskip("matplotlib.image")
    return [image.imread(io.BytesIO(base64.b64decode(data)), format="png")
            for data in IMG.findall(page)]


def test_report_structure_and_images(labeled: pd.DataFrame, tmp_path: Path,
                                     default_model: mn.MomentClassifier) -> None:
    path = mn.report(labeled, by="channel", output=tmp_path / "r.html", model=default_model,
                     n_boot=30)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for heading in ("Overall shares", "Shares by channel", "Misery and Magic by touchpoint",
                    "Terms that drive Misery", "Examples by touchpoint"):
        assert f"<h2>{heading}</h2>" in page
    images = _images(page)
    assert len(images) == page.count("<img ") == 4
    assert all(img.ndim == 3 and img.shape[0] > 100 and img.std() > 0.01 for img in images)
    assert "<script>alert" not in page
    small = mn.report(labeled.head(12), by=None, output=tmp_path / "s.html", n_examples=50,
                      model=default_model, n_boot=10).read_text(encoding="utf-8")
    assert "<script>alert" not in small and "&lt;script&gt;alert(&#x27;x&#x27;)" in small
    assert 'src="http' not in page and "<link" not in page  # self-contained


def test_report_writes_the_touchpoint_moments_as_csv(labeled: pd.DataFrame, tmp_path: Path,
                                                     default_model: mn.MomentClassifier) -> None:
    mn.report(labeled, by=None, output=tmp_path / "r.html", model=default_model, n_boot=10)
    table = pd.read_csv(tmp_path / "r_touchpoints.csv", keep_default_na=False)
    assert list(table.columns) == ["touchpoint", "moments", "misery", "magic", "ordinary",
                                   "misery_share", "magic_share", "misery_example",
                                   "magic_example"]
    found = mn.moments(labeled["comment"], model=default_model)
    found = found[found["touchpoint"] != "general"]
    assert table["moments"].sum() == len(found)
    assert (table["misery"] + table["magic"] + table["ordinary"] == table["moments"]).all()
    assert (table["misery_share"] - table["misery"] / table["moments"]).abs().max() < 1e-12
    evidence = set(found["evidence"])  # examples are evidence spans, not whole comments
    assert all(e in evidence for e in table["misery_example"] if e)


def test_report_reads_a_labeled_csv_from_the_cli(labeled: pd.DataFrame, tmp_path: Path) -> None:
    source = tmp_path / "labeled.csv"
    labeled.head(60).to_csv(source, index=False)
    out = tmp_path / "report.html"
    assert main(["report", str(source), "--text-column", "comment", "--by", "channel", "-o",
                 str(out)]) == 0
    assert len(_images(out.read_text(encoding="utf-8"))) == 4
    exists = main(["report", str(source), "--text-column", "comment", "-o", str(out)])
    assert exists == 2  # no --force


def test_report_errors(labeled: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ColumnNotFoundError, match="column 'region' not found"):
        mn.report(labeled, by="region", output=tmp_path / "x.html")
    with pytest.raises(ColumnNotFoundError, match="column 'text' not found"):
        mn.report(labeled, by=None, output=tmp_path / "x.html", text_column="text")


def test_cli_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "The gate agent was rude and unhelpful.", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("misery") and "rude" in out


@pytest.mark.slow
def test_chromium_screenshot(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import report_screenshot as bench
    finally:
        sys.path.pop(0)
    browser = bench.find_browser()
    if browser is None or shutil.which(browser) is None:
        pytest.skip("no Chromium on PATH")
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False).head(40)
    page = mn.report(mn.load().label(survey), by="channel", output=tmp_path / "r.html", n_boot=20)
    try:
        decoded, std, _ = bench.screenshot(browser, page, tmp_path / "r.png")
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"Chromium could not run here: {exc}")
    assert decoded == "4/4"
    assert std > 0.01


def test_report_shares_match_estimate_shares(small_model: mn.MomentClassifier,
                                             tmp_path: Path) -> None:
    # a model that keeps a held-out sample: the page's overall shares are its KDE estimate
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False)
    frame = small_model.label(survey)
    page = mn.report(frame, output=tmp_path / "k.html", model=small_model,
                     n_boot=0).read_text(encoding="utf-8")
    assert "(KDEy-ML)" in page and "EM prior adjustment" not in page
    shares = small_model.estimate_shares(survey["comment"], n_boot=0)
    assert shares.attrs["method"] == "kde"
    proba = frame.loc[frame["moment"] != "", [f"p_{k}" for k in mn.LABELS]].to_numpy(float)
    direct = shares_from_proba(proba, None, n_boot=0, held_out=held_out_sample(small_model))
    pd.testing.assert_series_equal(direct["share"], shares["share"], atol=1e-6)
