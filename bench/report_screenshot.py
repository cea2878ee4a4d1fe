"""Render the demo report in headless Chromium and check that every chart is there.

Labels data/sample_survey.csv with the default model, writes the report, then

1. decodes every embedded ``<img src="data:image/png;base64,...">`` with matplotlib
   (PNG signature, size and non-blank pixels);
2. takes a screenshot with headless Chromium (``chromium`` / ``chromium-browser`` /
   ``google-chrome`` on PATH) and checks that it is not blank and that the rendered page
   holds as many decoded chart images as the HTML (Chromium's ``--dump-dom`` output after
   load, where broken images keep ``naturalWidth`` 0; checked by a small inline script).

Run from the repository root::

    python bench/report_screenshot.py [--output-dir /tmp/moments-report]
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import moments_nlp as mn

REPO = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars", "--window-size=1280,4000"]
_IMG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')
# Appended to a copy of the page: after load, write how many images decoded into the DOM.
_PROBE = ("<script>window.addEventListener('load',()=>{const i=[...document.images];"
          "document.body.setAttribute('data-decoded',i.filter(x=>x.complete&&x.naturalWidth>0)"
          ".length+'/'+i.length);});</script>")


def find_browser() -> str | None:
    """Path of a Chromium-like browser, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def decode_images(page: str) -> list[tuple[str, tuple[int, ...], float]]:
    """(alt, shape, pixel std) of each embedded PNG; raises if one does not decode."""
    import matplotlib.image as mpimg

    out = []
    for alt, data in _IMG.findall(page):
        raw = base64.b64decode(data, validate=True)
        if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError(f"image {alt!r} is not a PNG")
        pixels = mpimg.imread(io.BytesIO(raw), format="png")
        out.append((alt, pixels.shape, float(np.std(pixels))))
    return out


def screenshot(browser: str, page: Path, png: Path) -> tuple[str, float, float]:
    """Screenshot ``page``; returns (decoded/total from the DOM, screenshot std, seconds)."""
    probe = page.with_name(page.stem + "_probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                     encoding="utf-8")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as profile:
        base = [browser, *FLAGS, f"--user-data-dir={profile}"]
        subprocess.run([*base, f"--screenshot={png}", probe.resolve().as_uri()], check=True,
                       capture_output=True, timeout=120)
        dom = subprocess.run([*base, "--virtual-time-budget=5000", "--dump-dom",
                              probe.resolve().as_uri()], check=True, capture_output=True,
                             text=True, timeout=120).stdout
    seconds = time.perf_counter() - start
    found = re.search(r'data-decoded="(\d+/\d+)"', dom)
    import matplotlib.image as mpimg

    shot = mpimg.imread(png)
    return (found.group(1) if found else "?"), float(np.std(shot)), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output-dir", type=Path, default=Path(tempfile.mkdtemp()))
    args = parser.parse_args()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    survey = pd.read_csv(REPO / "data" / "sample_survey.csv", keep_default_na=False)
    start = time.perf_counter()
    labeled = mn.load().label(survey, "comment")
    page_path = mn.report(labeled, by="channel", output=args.output_dir / "report.html")
    print(f"report: {page_path} ({page_path.stat().st_size / 1024:.0f} KiB, "
          f"{time.perf_counter() - start:.1f} s to label and write)")
    page = page_path.read_text(encoding="utf-8")
    images = decode_images(page)
    print(f"embedded images: {page.count('<img ')}, decoded as PNG: {len(images)}")
    for alt, shape, std in images:
        print(f"  {alt:<40} {shape[1]}x{shape[0]} px, pixel std {std:.3f}")
    ok = len(images) == page.count("<img ") >= 4 and all(std > 0.01 for *_, std in images)
    browser = find_browser()
    if browser is None:
        print("no Chromium found: screenshot check skipped")
        return 0 if ok else 1
    png = args.output_dir / "report.png"
    decoded, std, seconds = screenshot(browser, page_path, png)
    print(f"chromium: {browser}; screenshot {png} (pixel std {std:.3f}, {seconds:.1f} s); "
          f"images decoded in the browser: {decoded}")
    ok = ok and std > 0.01 and decoded == f"{len(images)}/{len(images)}"
    print("RESULT:", "OK, every chart rendered" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
