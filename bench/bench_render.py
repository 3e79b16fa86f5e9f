"""Benchmark: render scorecards (HTML + Markdown) for 10,000 customers and print scorecards/s.

    python bench/bench_render.py [--customers 10000] [--jobs N] [--history]

Scores a seeded synthetic portfolio with the bundled default weights (scoring is not timed),
then times `render_run`: every scorecard, the portfolio page and the outreach lists, written to
a temporary folder under `--in` (default: the current folder; file creation speed differs a
lot between file systems, so render where reports really go). Rendering must stay cheap per
customer: templates compiled once, work spread over the cores.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import healthscore  # noqa: E402
from healthscore.render import render_run  # noqa: E402
from healthscore.render.pool import default_jobs  # noqa: E402
from tests.render import render_sample  # noqa: E402


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the render workers):
    a figure that holds even when other work shares the machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _file_create_cost(folder: Path, n: int = 500) -> float:
    """µs to create and write one 10 kB file here: the floor under any renderer's speed."""
    probe = Path(tempfile.mkdtemp(prefix=".bench-probe-", dir=folder))
    try:
        started = time.perf_counter()
        for i in range(n):
            (probe / f"{i}.html").write_bytes(b"x" * 10_000)
        return (time.perf_counter() - started) / n * 1e6
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument("--history", action="store_true", help="add 6 months of history")
    parser.add_argument("--in", dest="parent", default=".",
                        help="folder to render into (a temporary subfolder; default: here)")
    args = parser.parse_args()

    weights = healthscore.bundled_weights() / "default.yaml"
    customers = render_sample.customers(args.customers, seed=1)
    run = healthscore.score_run(customers, weights, as_of=render_sample.AS_OF)
    history = render_sample.history(run.frame) if args.history else None
    jobs = args.jobs or default_jobs()

    tmp = Path(tempfile.mkdtemp(prefix=".bench-render-", dir=args.parent))
    try:
        cpu0 = _cpu_seconds()
        started = time.perf_counter()
        result = render_run(run, tmp / "report", history=history, jobs=jobs)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu0
        size = sum(p.stat().st_size for p in result.out_dir.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"customers      {result.scorecards:,}")
    print(f"file system    {_file_create_cost(Path(args.parent)):,.0f} µs to create one file in "
          f"{Path(args.parent).resolve()}")
    print(f"jobs           {jobs}")
    print(f"history        {'6 months' if history is not None else 'none'}")
    print(f"files          {result.files:,} ({size / 1e6:,.0f} MB)")
    print(f"seconds        {seconds:.2f}")
    print(f"cpu seconds    {cpu:.2f} (this process and its workers)")
    print(f"cpu/scorecard  {cpu / result.scorecards * 1e6:,.0f} µs (HTML + Markdown, all pages)")
    print(f"scorecards/s   {result.scorecards / seconds:,.0f}")


if __name__ == "__main__":
    main()
