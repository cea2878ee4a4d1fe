"""Peak memory of ``moments-nlp label`` on a 400,000-row CSV and on one twice as long.

Each run is a fresh subprocess of the real CLI; its peak resident set size is sampled with
psutil every 20 ms (and checked against the kernel's ``ru_maxrss`` of the finished child).

Run::

    python bench/memory.py                  # 400,000 and 800,000 rows, files in /tmp
    python bench/memory.py --rows 100000    # quicker

Acceptance (issue 3): peak RSS under 1 GiB, and the doubled file raises it by at most 10%.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_large_csv import make_csv

MIB = 1024 * 1024


def peak_rss(command: list[str]) -> tuple[float, float, float]:
    """Run ``command``; return (peak RSS sampled in MiB, ru_maxrss in MiB, seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()}")
    print("   ", out.decode().strip().splitlines()[-1])
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return peak / MIB, (maxrss if maxrss > before else float("nan")) / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    results = []
    for rows in (args.rows, 2 * args.rows):
        source = args.folder / f"moments_bench_{rows}.csv"
        if not source.exists():
            make_csv(source, rows)
        target = args.folder / f"moments_bench_{rows}_labeled.csv"
        command = [sys.executable, "-m", "moments_nlp.cli", "label", str(source), "-o",
                   str(target), "--text-column", "comment", "--force", "--no-progress"]
        print(f"{rows:,} rows: {' '.join(command[1:])}")
        sampled, maxrss, seconds = peak_rss(command)
        target.unlink(missing_ok=True)
        print(f"    peak RSS {sampled:,.0f} MiB (ru_maxrss {maxrss:,.0f} MiB), {seconds:.0f}s")
        results.append(max(sampled, maxrss if maxrss == maxrss else 0))
    ratio = results[1] / results[0]
    print(f"peak RSS {results[0]:,.0f} MiB -> {results[1]:,.0f} MiB for twice the rows: "
          f"{ratio:.3f}x (target <= 1.10x, and < 1024 MiB)")


if __name__ == "__main__":
    main()
