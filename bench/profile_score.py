"""Time (and optionally profile) the scoring work of `healthscore score` inside one process.

`bench_score.py` measures the whole process, start-up included, which is what a user sees;
this measures only the `Run` into output files (read, check, score, write) with the same
options as the benchmark's CLI run, several times in a row, so engine changes can be compared
without the
~0.5 s of imports in every figure. The first run in a process is the one a user gets (fresh
memory to fault in); later runs reuse the process's memory and come out faster. CPU time
(all threads) is printed too: on a shared machine it moves less with the load than wall time.

    python bench/profile_score.py --customers 1000000 --repeat 5
    python bench/profile_score.py --customers 1000000 --profile   # pyinstrument tree
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
import traceback
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler:
    """RSS every 2 ms from a thread; remembers the stacks of all threads at the highest."""

    def __init__(self) -> None:
        self.start, self.peak, self.stacks = _rss_mib(), 0.0, {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self.done.wait(0.002):
            rss = _rss_mib()
            if rss > self.peak:
                self.peak = rss
                self.stacks = {t: traceback.extract_stack(f)[-14:]
                               for t, f in sys._current_frames().items() if t != me}

    def report(self) -> None:
        self.done.set()
        self.thread.join()
        names = {t.ident: t.name for t in threading.enumerate()}
        print(f"RSS {self.start:.0f} MiB at the start, {self.peak:.0f} MiB at the peak; threads "
              "at that moment:")
        for ident, stack in self.stacks.items():
            print(f"  {names.get(ident, ident)}:")
            for frame in stack:
                print(f"    {Path(frame.filename).name}:{frame.lineno} {frame.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--columns", default="summary", choices=["summary", "full"])
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument tree")
    parser.add_argument("--memory", action="store_true",
                        help="sample RSS; print where each thread was at the peak")
    args = parser.parse_args()

    from bench_score import WEIGHTS, generate

    import healthscore
    from healthscore.cli.score_cmd import parse_top
    from healthscore.engine.run import Run
    from healthscore.engine.source import CHUNK_ROWS
    from healthscore.outputs import OutputFiles

    src = generate(args.customers)
    wf = healthscore.load_weights(WEIGHTS)
    options = dict(as_of=date(2026, 10, 31), columns=args.columns, collect=False,
                   explain=args.columns == "full", outreach_top=parse_top("1%"),
                   chunk_rows=args.chunk_rows or CHUNK_ROWS)
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            profiler = None
            if args.profile and i == args.repeat - 1:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001)
                profiler.start()
            sampler = PeakSampler() if args.memory and i == 0 else None
            start, start_cpu = time.perf_counter(), time.process_time()
            Run(src, wf, sinks=[OutputFiles(Path(tmp) / "out", ("parquet",))],
                **options).execute()
            if sampler:
                sampler.report()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            if profiler:
                profiler.stop()
                print(profiler.output_text(color=False, show_all=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.customers:,} customers, {args.columns}: best {min(times):.3f} s "
          f"(CPU {min(cpu):.3f} s, all threads), runs {' '.join(f'{t:.3f}' for t in times)}; "
          f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
