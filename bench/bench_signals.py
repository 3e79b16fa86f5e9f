"""Benchmark step B of ../shared/benchmark-workload.md: signals from raw events.

Generates (once, cached as Parquet) 1M customers with 44M usage events, 2M survey answers and
4M tickets, then computes, as of one date: csat_pct (90 days), nps (90 days), active users
(distinct users, 30 days) and open tickets (opened by the as-of date and not closed by it) with

- healthscore (`compute_table`: DuckDB over the Parquet files, plus its data checks),
- one hand-written DuckDB query,
- one Polars lazy query (if polars is installed),
- naive pandas group-bys (if asked for with --pandas; slow and memory hungry at full size).

Each runs in a fresh process so its time (wall clock, reading included) and peak memory
(max RSS) are its own; the results are compared so the numbers describe the same work.

    python bench/bench_signals.py                   # 1M customers (generation takes minutes)
    python bench/bench_signals.py --customers 100000 --pandas
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

AS_OF = date(2026, 10, 31)
PER_CUSTOMER = {"events": 44, "surveys": 2, "tickets": 4}
SIGNALS = ["csat_pct", "nps", "active_users", "open_tickets"]
CHUNK = 4_000_000


# ----------------------------------------------------------------------------- generation


def generate(folder: Path, customers: int, seed: int = 11) -> None:
    """Write accounts/events/surveys/tickets Parquet files (skipped when already there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    done = folder / "DONE"
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    end = np.datetime64(datetime.combine(AS_OF + timedelta(days=1), datetime.min.time()), "us")
    day_us = 86_400_000_000

    def stamps(n: int, days: int, future_days: int = 5) -> np.ndarray:
        """Timestamps spread over `days` before the as-of date and a few days after it."""
        offset = rng.integers(-future_days * day_us, days * day_us, n)
        return end - offset.astype("timedelta64[us]")

    ids = np.arange(1, customers + 1, dtype=np.int64)
    pq.write_table(pa.table({
        "customer_id": ids,
        "segment": rng.choice(np.array(["smb", "mid", "ent"]), customers, p=[.55, .3, .15]),
        "arr": np.round(np.exp(rng.normal(10.3, 1.0, customers)), -2),
        "seats": rng.integers(3, 200, customers),
    }), folder / "accounts.parquet")

    def write(name: str, make) -> None:
        total = customers * PER_CUSTOMER[name]
        writer = None
        for start in range(0, total, CHUNK):
            batch = make(min(CHUNK, total - start))
            writer = writer or pq.ParquetWriter(folder / f"{name}.parquet", batch.schema)
            writer.write_table(batch)
        if writer:
            writer.close()

    def customer(n: int) -> np.ndarray:
        # skewed activity: a few customers produce most events
        return (customers * rng.power(0.6, n)).astype(np.int64) % customers + 1

    write("events", lambda n: pa.table({
        "customer_id": customer(n), "user_id": rng.integers(1, 60, n),
        "ts": stamps(n, 120)}))

    def surveys(n: int):
        kind = rng.choice(np.array(["csat", "nps"]), n)
        rating = np.where(kind == "csat", rng.integers(1, 6, n), rng.integers(0, 11, n))
        return pa.table({"customer_id": rng.integers(1, customers + 1, n), "kind": kind,
                         "rating": rating.astype(np.int64), "answered_at": stamps(n, 365)})

    write("surveys", surveys)

    def tickets(n: int):
        opened = stamps(n, 365)
        hours = rng.exponential(48, n).astype(np.int64)
        closed = opened + (hours * 3_600_000_000).astype("timedelta64[us]")
        still_open = rng.random(n) < 0.05
        return pa.table({
            "customer_id": rng.integers(1, customers + 1, n), "opened_at": opened,
            "closed_at": pa.array(closed, mask=still_open),
            "priority": rng.choice(np.array(["low", "normal", "high", "urgent"]), n)})

    write("tickets", tickets)
    done.write_text("ok\n")


# ------------------------------------------------------------------------------- engines


def run_healthscore(folder: Path):
    from healthscore.signals import MetricSpec, SourceSpec, compute_table

    sources = {
        "accounts": SourceSpec(kind="parquet", path="accounts.parquet"),
        "surveys": SourceSpec(kind="parquet", path="surveys.parquet", time="answered_at"),
        "events": SourceSpec(kind="parquet", path="events.parquet", time="ts"),
        "tickets": SourceSpec(kind="parquet", path="tickets.parquet", time="opened_at",
                              dates=["closed_at"]),
    }
    signals = {
        "csat_pct": MetricSpec(table="surveys", metric="csat", filter={"kind": "csat"},
                               window="90d", min_responses=1),
        "nps": MetricSpec(table="surveys", metric="nps", filter={"kind": "nps"}, window="90d",
                          min_responses=1),
        "active_users": MetricSpec(table="events", metric="distinct", column="user_id",
                                   window="30d"),
        "open_tickets": MetricSpec(table="tickets", metric="count",
                                   open={"from": "opened_at", "until": "closed_at"}),
    }
    result = compute_table(sources, {k: (k, v) for k, v in signals.items()}, AS_OF,
                           base_dir=folder)
    return result.frame


def _bounds() -> dict[str, str]:
    end = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time())
    return {"end": str(end), "d90": str(end - timedelta(days=90)),
            "d30": str(end - timedelta(days=30))}


def run_duckdb(folder: Path):
    import duckdb

    b = _bounds()
    f = {name: str(folder / f"{name}.parquet") for name in
         ("accounts", "surveys", "events", "tickets")}
    sql = f"""
    WITH s AS (
      SELECT customer_id,
        100.0 * count(*) FILTER (WHERE kind = 'csat' AND rating >= 4)
              / NULLIF(count(*) FILTER (WHERE kind = 'csat'), 0) AS csat_pct,
        100.0 * (count(*) FILTER (WHERE kind = 'nps' AND rating >= 9)
               - count(*) FILTER (WHERE kind = 'nps' AND rating <= 6))
              / NULLIF(count(*) FILTER (WHERE kind = 'nps'), 0) AS nps
      FROM read_parquet('{f["surveys"]}')
      WHERE answered_at >= TIMESTAMP '{b["d90"]}' AND answered_at < TIMESTAMP '{b["end"]}'
      GROUP BY customer_id),
    e AS (
      SELECT customer_id, count(DISTINCT user_id) AS active_users
      FROM read_parquet('{f["events"]}')
      WHERE ts >= TIMESTAMP '{b["d30"]}' AND ts < TIMESTAMP '{b["end"]}'
      GROUP BY customer_id),
    t AS (
      SELECT customer_id, count(*) AS open_tickets
      FROM read_parquet('{f["tickets"]}')
      WHERE opened_at < TIMESTAMP '{b["end"]}'
        AND (closed_at IS NULL OR closed_at >= TIMESTAMP '{b["end"]}')
      GROUP BY customer_id)
    SELECT a.customer_id, s.csat_pct, s.nps, coalesce(e.active_users, 0) AS active_users,
           coalesce(t.open_tickets, 0) AS open_tickets
    FROM read_parquet('{f["accounts"]}') a
    LEFT JOIN s USING (customer_id) LEFT JOIN e USING (customer_id)
    LEFT JOIN t USING (customer_id)
    ORDER BY a.customer_id"""
    return duckdb.sql(sql).df()


def run_polars(folder: Path):
    import polars as pl

    b = {k: datetime.fromisoformat(v) for k, v in _bounds().items()}
    s = (pl.scan_parquet(folder / "surveys.parquet")
         .filter((pl.col("answered_at") >= b["d90"]) & (pl.col("answered_at") < b["end"]))
         .group_by("customer_id")
         .agg(csat_n=(pl.col("kind") == "csat").sum(),
              csat_ok=((pl.col("kind") == "csat") & (pl.col("rating") >= 4)).sum(),
              nps_n=(pl.col("kind") == "nps").sum(),
              nps_p=((pl.col("kind") == "nps") & (pl.col("rating") >= 9)).sum(),
              nps_d=((pl.col("kind") == "nps") & (pl.col("rating") <= 6)).sum())
         .select("customer_id",
                 csat_pct=pl.when(pl.col("csat_n") > 0)
                 .then(100.0 * pl.col("csat_ok") / pl.col("csat_n")),
                 nps=pl.when(pl.col("nps_n") > 0)
                 .then(100.0 * (pl.col("nps_p").cast(pl.Int64) - pl.col("nps_d").cast(pl.Int64))
                       / pl.col("nps_n"))))
    e = (pl.scan_parquet(folder / "events.parquet")
         .filter((pl.col("ts") >= b["d30"]) & (pl.col("ts") < b["end"]))
         .group_by("customer_id").agg(active_users=pl.col("user_id").n_unique()))
    t = (pl.scan_parquet(folder / "tickets.parquet")
         .filter((pl.col("opened_at") < b["end"])
                 & (pl.col("closed_at").is_null() | (pl.col("closed_at") >= b["end"])))
         .group_by("customer_id").agg(open_tickets=pl.len()))
    out = (pl.scan_parquet(folder / "accounts.parquet").select("customer_id")
           .join(s, on="customer_id", how="left").join(e, on="customer_id", how="left")
           .join(t, on="customer_id", how="left")
           .with_columns(pl.col("active_users").fill_null(0), pl.col("open_tickets").fill_null(0))
           .sort("customer_id").collect())
    return out.to_pandas()


def run_pandas(folder: Path):
    import pandas as pd

    b = {k: pd.Timestamp(v) for k, v in _bounds().items()}
    acc = pd.read_parquet(folder / "accounts.parquet", columns=["customer_id"])
    s = pd.read_parquet(folder / "surveys.parquet")
    s = s[(s["answered_at"] >= b["d90"]) & (s["answered_at"] < b["end"])]
    c = s[s["kind"] == "csat"]
    csat = c.groupby("customer_id")["rating"].apply(lambda r: 100.0 * (r >= 4).mean())
    n = s[s["kind"] == "nps"]
    nps = n.groupby("customer_id")["rating"].apply(
        lambda r: 100.0 * ((r >= 9).mean() - (r <= 6).mean()))
    e = pd.read_parquet(folder / "events.parquet")
    e = e[(e["ts"] >= b["d30"]) & (e["ts"] < b["end"])]
    active = e.groupby("customer_id")["user_id"].nunique()
    t = pd.read_parquet(folder / "tickets.parquet")
    t = t[(t["opened_at"] < b["end"]) & (t["closed_at"].isna() | (t["closed_at"] >= b["end"]))]
    open_t = t.groupby("customer_id").size()
    out = acc.set_index("customer_id")
    out["csat_pct"] = csat
    out["nps"] = nps
    out["active_users"] = active.reindex(out.index).fillna(0)
    out["open_tickets"] = open_t.reindex(out.index).fillna(0)
    return out.reset_index()


ENGINES = {"healthscore": run_healthscore, "duckdb": run_duckdb, "polars": run_polars,
           "pandas": run_pandas}


# ------------------------------------------------------------------------------- harness


def child(engine: str, folder: Path) -> None:
    """Run one engine in this fresh process; print time, peak memory and a checksum."""
    start = time.perf_counter()
    frame = ENGINES[engine](folder)
    seconds = time.perf_counter() - start
    peak = _peak_mib()
    sums = {c: float(frame[c].astype("float64").sum()) for c in SIGNALS}
    counts = {c: int(frame[c].notna().sum()) for c in SIGNALS}
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": len(frame),
                      "sums": sums, "counts": counts}))


def _peak_mib() -> float:
    """Peak resident memory of this process. VmHWM starts afresh at exec, unlike ru_maxrss,
    which a child inherits from the (data-generating) parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "healthscore-bench")
    parser.add_argument("--engines", default="healthscore,duckdb,polars")
    parser.add_argument("--pandas", action="store_true", help="also run naive pandas")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per engine (fresh process each); the fastest is shown")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.cache / f"signals-{args.customers}"
    if args.child:
        child(args.child, folder)
        return
    started = time.perf_counter()
    generate(folder, args.customers)
    print(f"data: {folder} ({args.customers:,} customers, "
          f"{args.customers * PER_CUSTOMER['events']:,} events, "
          f"{args.customers * PER_CUSTOMER['surveys']:,} surveys, "
          f"{args.customers * PER_CUSTOMER['tickets']:,} tickets; "
          f"ready in {time.perf_counter() - started:.1f} s)")
    engines = args.engines.split(",") + (["pandas"] if args.pandas else [])
    results = {}
    print(f"{'engine':<12} {'seconds':>8} {'peak MiB':>9}")
    for engine in engines:
        if engine == "polars" and not _installed("polars"):
            print(f"{engine:<12} (not installed)")
            continue
        runs = []
        for _ in range(max(1, args.repeat)):
            proc = subprocess.run([sys.executable, __file__, "--customers", str(args.customers),
                                   "--cache", str(args.cache), "--child", engine],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{engine:<12} failed: {proc.stderr.strip().splitlines()[-1:]}")
                break
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        res = min(runs, key=lambda r: r["seconds"])
        res["peak_mib"] = max(r["peak_mib"] for r in runs)
        results[engine] = res
        print(f"{engine:<12} {res['seconds']:>8.2f} {res['peak_mib']:>9.0f}")
    _compare(results)


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _compare(results: dict) -> None:
    """All engines must agree, or the timings compare different work."""
    if len(results) < 2:
        return
    ref_name, ref = next(iter(results.items()))
    for name, res in results.items():
        for col in SIGNALS:
            a, b = ref["sums"][col], res["sums"][col]
            if res["counts"][col] != ref["counts"][col] or abs(a - b) > 1e-6 * max(1, abs(a)):
                print(f"MISMATCH {name} vs {ref_name} on {col}: {b} vs {a} "
                      f"({res['counts'][col]} vs {ref['counts'][col]} values)")
                return
    print(f"results agree across {', '.join(results)}")


if __name__ == "__main__":
    main()
