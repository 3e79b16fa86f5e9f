"""Peak memory of `healthscore score` against the number of customers, Parquet and CSV.

    python bench/bench_memory.py [--customers 200000 1000000 2000000] [--formats parquet csv]
                                 [--outreach-top 1%]

Runs the CLI exactly as a user does (default `--columns full`, CSV and Parquet outputs, the
reference weight file) in a fresh process per size and format, and prints wall time and peak
memory (the child's max RSS from `wait4`), then the growth per million customers between the
smallest and the largest size: what docs/cli.md states as the memory bound.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.bench_score import WEIGHTS, generate  # noqa: E402


def as_csv(parquet: Path) -> Path:
    """The same portfolio as CSV (cached next to the Parquet file)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = parquet.with_suffix(".csv")
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with pacsv.CSVWriter(tmp, pq.read_schema(parquet)) as writer:
            for batch in pq.ParquetFile(parquet).iter_batches(batch_size=250_000):
                writer.write_batch(batch)
        os.replace(tmp, path)
    return path


def run(source: Path, top: str | None = None) -> tuple[float, float]:
    """(seconds, peak MiB) of one `healthscore score` process (`top`: its --outreach-top)."""
    with tempfile.TemporaryDirectory(dir=HERE / ".cache") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "healthscore", "score", "-w",
                                 str(WEIGHTS), "-c", str(source), "-o", out, "-q",
                                 "--as-of", "2026-10-31",
                                 *(["--outreach-top", top] if top else [])],
                                stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"healthscore score failed on {source}")
    return seconds, usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+",
                        default=[200_000, 1_000_000, 2_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"],
                        choices=["parquet", "csv"])
    parser.add_argument("--outreach-top", default=None,
                        help="passed to score (e.g. 1%%): the outreach list kept in memory is "
                             "everyone in its tiers without it")
    args = parser.parse_args()
    print(f"{'format':<8} {'customers':>10} {'seconds':>8} {'peak MiB':>9}")
    for fmt in args.formats:
        figures = []
        for n in sorted(args.customers):
            source = generate(n)
            source = as_csv(source) if fmt == "csv" else source
            seconds, peak = run(source, args.outreach_top)
            figures.append((n, peak))
            print(f"{fmt:<8} {n:>10,} {seconds:>8.2f} {peak:>9,.0f}", flush=True)
        if len(figures) > 1:
            (n0, p0), (n1, p1) = figures[0], figures[-1]
            print(f"{fmt:<8} growth: {(p1 - p0) / (n1 - n0) * 1e6:,.0f} MiB per million "
                  f"customers, {p0 - (p1 - p0) / (n1 - n0) * n0:,.0f} MiB fixed")


if __name__ == "__main__":
    main()
