"""Benchmark: record a 1M-customer run with every signal column in the run store, read it back.

    python bench/bench_store.py [--customers 1000000] [--sqlite PATH] [--postgres URL]

Scores a seeded portfolio with the bundled default weights (12 signals, 4 groups; scoring is
not timed), then times `record_run` (one transaction: COPY on PostgreSQL, batched executemany on
SQLite), one customer's history (an index look-up), and `load_run` of the whole run (up to
`--load-max` customers). Prints the
figures; without `--postgres` (or HEALTHSCORE_TEST_PG_URL) only SQLite is measured. The
PostgreSQL run uses a scratch schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

import healthscore  # noqa: E402
from healthscore.sample import generate_customers  # noqa: E402
from healthscore.store import customer_history, load_run, open_store, record_run  # noqa: E402


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(target: str, frame, record, name: str, load_max: int) -> None:
    with open_store(target) as store:
        started = time.perf_counter()
        recorded = record_run(store, frame, record, inputs={})
        write = time.perf_counter() - started
        with store.reading() as conn:
            rows = conn.execute(sa.text("SELECT count(*) FROM signal_values")).scalar_one()
        cid = frame["customer_id"].iloc[len(frame) // 2]
        started = time.perf_counter()
        one = customer_history(store, cid)
        lookup = time.perf_counter() - started
        read = None
        if len(frame) <= load_max:
            started = time.perf_counter()
            back = load_run(store, recorded.run_id)
            read = time.perf_counter() - started
            assert len(back.frame) == len(frame)
    assert len(one) == 1
    loaded = f"load whole run {read:.1f} s" if read is not None else "(whole run not loaded)"
    print(f"{name:<10} write {write:7.1f} s ({len(frame) / write:,.0f} customers/s, "
          f"{(rows + len(frame)) / write:,.0f} rows/s; {rows:,} signal/group rows)  "
          f"one customer {lookup * 1000:.1f} ms  {loaded}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sqlite", help="SQLite file to write (default: a temporary one)")
    parser.add_argument("--postgres", default=os.environ.get("HEALTHSCORE_TEST_PG_URL"))
    parser.add_argument("--load-max", type=int, default=200_000,
                        help="also time load_run up to this many customers (it pivots the "
                             "long table in memory: about 20 GiB at 1M)")
    args = parser.parse_args()
    weights = healthscore.load_weights(healthscore.bundled_weights() / "default.yaml")
    table = generate_customers(args.customers, seed=7)
    run = healthscore.score_run(table, weights, as_of="2026-10-31")
    frame = run.frame
    record = run.record()
    print(f"{len(frame):,} customers, {len(frame.columns)} columns; scored, peak RSS "
          f"{_rss_mib():,.0f} MiB", flush=True)
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        path = args.sqlite or str(Path(tmp) / "bench.db")
        measure(path, frame, record, "SQLite", args.load_max)
        print(f"{'':<10} file size {Path(path).stat().st_size / 2**20:,.0f} MiB", flush=True)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.postgres else "?"
            measure(f"{args.postgres}{sep}options=-csearch_path%3D{schema}", frame, record,
                    "PostgreSQL", args.load_max)
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    print(f"peak RSS {_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
