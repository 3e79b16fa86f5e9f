"""Time (and optionally profile) the scoring work of `healthscore score` inside one process.

`bench_score.py` measures the whole process, start-up included, which is what a user sees;
this measures only `score_to_files` (read, check, score, write) with the same options as the
benchmark's CLI run, several times in a row, so engine changes can be compared without the
~0.5 s of imports in every figure:

    python bench/profile_score.py --customers 1000000 --repeat 5
    python bench/profile_score.py --customers 1000000 --profile   # pyinstrument tree
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--columns", default="summary", choices=["summary", "full"])
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument tree")
    args = parser.parse_args()

    from bench_score import WEIGHTS, generate

    import healthscore
    from healthscore.cli.score_cmd import parse_top
    from healthscore.engine.stream import CHUNK_ROWS, score_to_files

    src = generate(args.customers)
    wf = healthscore.load_weights(WEIGHTS)
    options = dict(as_of=date(2026, 10, 31), formats=("parquet",), columns=args.columns,
                   outreach_top=parse_top("1%"), chunk_rows=args.chunk_rows or CHUNK_ROWS)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            profiler = None
            if args.profile and i == args.repeat - 1:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001)
                profiler.start()
            start = time.perf_counter()
            score_to_files(src, wf, Path(tmp) / "out", **options)
            times.append(time.perf_counter() - start)
            if profiler:
                profiler.stop()
                print(profiler.output_text(color=False, show_all=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.customers:,} customers, {args.columns}: best {min(times):.3f} s, "
          f"runs {' '.join(f'{t:.3f}' for t in times)}; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
