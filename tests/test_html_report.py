"""Tests for moments_nlp.insight.report: a self-contained HTML page with decodable charts."""

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
from moments_nlp.insight.shares import held_out_sample, shares_from_proba

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
                    "Terms that drive Misery", "Terms that drive Magic",
                    "Examples by touchpoint"):
        assert f"<h2>{heading}</h2>" in page
    images = _images(page)
    assert len(images) == page.count("<img ") == 5
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


def _terms_shown(page: str, label: str) -> list[str]:
    table = re.search(rf'<table id="{label}-terms">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None, f"no {label} terms table"
    return re.findall(r"<tr><td>([^<]*)</td>", table.group(1))


def test_drive_terms_carry_the_label_and_are_no_stop_words(
        labeled: pd.DataFrame, tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    from spacy.lang.en.stop_words import STOP_WORDS

    page = mn.report(labeled, by=None, output=tmp_path / "r.html", model=default_model,
                     n_boot=10).read_text(encoding="utf-8")
    for label in ("misery", "magic"):
        terms = _terms_shown(page, label)
        assert len(terms) >= 5
        words = [term.removeprefix("not ") for term in terms]
        assert not [w for w in words if w in STOP_WORDS], terms
        # each term is more frequent in the label's comments than in the others
        holds = labeled["comment"].str.lower()
        for term in terms[:5]:
            has = holds.str.contains(rf"\b{re.escape(term.split()[-1])}\b", regex=True)
            share_in = has[labeled["moment"] == label].mean()
            share_out = has[labeled["moment"] != label].mean()
            assert share_in > share_out, (label, term)
    common = {"was", "wanted", "looked", "too", "no", "back", "the", "not", "this"}
    assert not common & set(_terms_shown(page, "misery"))


def test_touchpoints_of_few_moments_carry_a_warning(
        labeled: pd.DataFrame, tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    page = mn.report(labeled.head(20), by=None, output=tmp_path / "r.html", model=default_model,
                     n_boot=10).read_text(encoding="utf-8")
    warning = re.search(r'<p class="warn" id="small-touchpoints">(.*?)</p>', page, re.S)
    assert warning is not None and "Too few moments" in warning.group(1)
    table = pd.read_csv(tmp_path / "r_touchpoints.csv", keep_default_na=False)
    for name, n in zip(table["touchpoint"], table["moments"]):
        assert f"{name} (n={n})" in warning.group(1)


def test_report_reads_a_labeled_csv_from_the_cli(labeled: pd.DataFrame, tmp_path: Path) -> None:
    source = tmp_path / "labeled.csv"
    labeled.head(60).to_csv(source, index=False)
    out = tmp_path / "report.html"
    assert main(["report", str(source), "--text-column", "comment", "--by", "channel", "-o",
                 str(out)]) == 0
    assert len(_images(out.read_text(encoding="utf-8"))) == 5
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


def _shares(page: str, element: str) -> dict[str, float]:
    """The ``data-share`` values inside the element with this id, by ``data-label``."""
    block = re.search(rf'id="{element}".*?</(p|table)>', page, re.S)
    assert block is not None, element
    return {label: float(share) for label, share in
            re.findall(r'data-label="(\w+)" data-share="([\d.]+)"', block.group(0))}


def test_headline_is_the_counted_labels_for_the_sample_survey(
        default_model: mn.MomentClassifier, tmp_path: Path) -> None:
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False)
    frame = default_model.label(survey)
    page = mn.report(frame, by="channel", output=tmp_path / "r.html", model=default_model,
                     n_boot=20).read_text(encoding="utf-8")
    counted = frame["moment"].dropna().value_counts(normalize=True)
    headline = _shares(page, "headline")
    assert list(headline) == list(mn.LABELS)
    for label in mn.LABELS:
        assert headline[label] == pytest.approx(counted.get(label, 0.0), abs=1e-6)
        assert f"{counted.get(label, 0.0):.0%}</b>" in page  # the printed headline, rounded
    # the shipped model has no basis for a correction on a survey: none shown, and why not
    assert 'id="no-correction"' in page and "shipped default model" in page
    assert "corrected</th>" not in page and "corrected estimate</b>" not in page
    assert "These are <b>counted</b> shares" in page


def test_small_groups_get_a_visible_warning(labeled: pd.DataFrame, tmp_path: Path,
                                            default_model: mn.MomentClassifier) -> None:
    page = mn.report(labeled, by="channel", output=tmp_path / "r.html", model=default_model,
                     n_boot=10).read_text(encoding="utf-8")
    sizes = labeled.dropna(subset=["moment"]).groupby("channel").size()
    small = sizes[sizes < 30]
    assert len(small) >= 1  # phone has 10 comments
    warning = re.search(r'<p class="warn" id="small-groups">(.*?)</p>', page, re.S)
    assert warning is not None and "Too few comments to read" in warning.group(1)
    for group, n in small.items():
        assert f"{group} (n={n})" in warning.group(1)
        assert re.search(rf'data-group="{group}"><td>{group} <span class="warn-tag">', page)
    big = sizes[sizes >= 30].index[0]
    assert f'data-group="{big}"><td>{big}</td>' in page


def test_examples_show_each_comment_once(labeled: pd.DataFrame, tmp_path: Path,
                                         default_model: mn.MomentClassifier) -> None:
    page = mn.report(labeled, by=None, output=tmp_path / "r.html", model=default_model,
                     n_boot=0, n_examples=4).read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-comment="(\d+)"><td>[^<]*</td><td[^>]*>[^<]*</td><td>(.*?)</td>',
                      page)
    assert len(rows) > 10
    comments = [comment for comment, _ in rows]
    evidence = [text for _, text in rows]
    assert len(set(comments)) == len(comments) and len(set(evidence)) == len(evidence)


@pytest.mark.parametrize("which", ["group", "touchpoint"])
def test_chart_legends_do_not_overlap_the_bars(labeled: pd.DataFrame, which: str) -> None:
    pytest.importorskip("matplotlib")
    from moments_nlp.insight._report_charts import group_figure, touchpoint_figure
    from moments_nlp.insight._report_shares import counted_shares

    if which == "group":
        groups = {str(g): counted_shares(part["moment"].dropna().tolist())
                  for g, part in labeled.groupby("channel")}
        fig = group_figure(groups, "channel", small=30)
    else:
        rates = pd.DataFrame({"misery_share": [0.9, 0.2], "magic_share": [0.05, 0.95],
                              "moments": [40, 12]}, index=["staff", "delivery"])
        fig = touchpoint_figure(rates)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (ax,) = fig.axes
    legend = fig.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
    assert legend.y0 >= ax.get_tightbbox(renderer).y1 - 1  # above the axes and their title


def test_own_model_shows_the_corrected_estimate_beside_the_counts(
        small_model: mn.MomentClassifier, tmp_path: Path) -> None:
    # a model trained on the user's own labels keeps a held-out sample of that data: the
    # corrected estimate (KDE) is shown beside the counts, and the headline stays the counts
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False)
    frame = small_model.label(survey)
    page = mn.report(frame, by="channel", output=tmp_path / "k.html", model=small_model,
                     n_boot=0).read_text(encoding="utf-8")
    assert "KDEy-ML on the model's held-out predictions" in page
    assert "trained on your own labeled comments" in page and 'id="no-correction"' not in page
    counted = frame["moment"].dropna().value_counts(normalize=True)
    expected = counted.reindex(mn.LABELS).to_dict()
    assert _shares(page, "headline") == pytest.approx(expected, abs=1e-6)
    shares = small_model.estimate_shares(survey["comment"], n_boot=0)
    assert shares.attrs["method"] == "kde"
    overall = re.search(r'id="shares-overall".*?</table>', page, re.S)
    assert overall is not None
    cells = [float(v) for v in re.findall(r'data-share="([\d.]+)"', overall.group(0))]
    assert cells[3:] == pytest.approx(shares["share"].tolist(), abs=1e-6)  # counted, corrected
    proba = frame.loc[frame["moment"].notna(), [f"p_{k}" for k in mn.LABELS]].to_numpy(float)
    direct = shares_from_proba(proba, None, n_boot=0, held_out=held_out_sample(small_model))
    pd.testing.assert_series_equal(direct["share"], shares["share"], atol=1e-6)
    assert "corrected</th>" in re.search(r'id="shares-by-group".*?</thead>', page, re.S).group(0)
    off = mn.report(frame, output=tmp_path / "off.html", model=small_model, n_boot=0,
                    corrected=False).read_text(encoding="utf-8")
    assert 'id="no-correction"' in off and "turned off" in off


def test_the_default_model_shows_a_correction_only_when_asked(
        labeled: pd.DataFrame, tmp_path: Path, default_model: mn.MomentClassifier) -> None:
    source = tmp_path / "labeled.csv"
    labeled.to_csv(source, index=False)
    out = tmp_path / "asked.html"
    assert main(["report", str(source), "--text-column", "comment", "--by", "channel", "-o",
                 str(out), "--corrected"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "shown because it was asked for" in page and "own training data" in page
    assert 'id="shares-overall"' in page and 'id="no-correction"' not in page
    counted = labeled["moment"].dropna().value_counts(normalize=True)
    expected = counted.reindex(mn.LABELS).to_dict()
    assert _shares(page, "headline") == pytest.approx(expected, abs=1e-6)
    reference = {"magic": 0.3, "ordinary": 0.4, "misery": 0.3}
    fitted = mn.report(labeled, by=None, output=tmp_path / "ref.html", model=default_model,
                       n_boot=0, reference=reference).read_text(encoding="utf-8")
    assert "the reference you fitted" in fitted and 'id="shares-overall"' in fitted
