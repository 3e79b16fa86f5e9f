"""Step A of ../shared/benchmark-workload.md: per-customer scoring, side by side.

Generates the reference portfolio (12 signals with gaps, three segments, heavy-tailed ARR) as
Parquet, then runs each implementation as its own process, reading Parquet and writing Parquet,
and prints wall time and peak memory (max RSS) for each:

- `healthscore score` (the CLI, exactly as a user runs it, with --columns summary, which
  writes what the workload asks for: id, score, tier, plus drivers, and the top 1 % list);
- a Polars lazy query, a DuckDB SQL query and pandas written the straightforward way, when
  those packages are installed (`pip install '.[bench]'`).

    python bench/bench_score.py --customers 1000000 10000000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
WEIGHTS = HERE / "reference.yaml"

SIGNALS = {  # name: (lo, hi, weight) — the workload's table
    "csat_pct": (60, 95, .15), "nps": (-20, 60, .10), "ces": (5.5, 2.0, .05),
    "active_user_ratio": (0.2, 0.8, .15), "login_trend": (-0.5, 0.2, .05),
    "feature_adoption": (0.1, 0.7, .10), "open_tickets": (8, 0, .05),
    "escalations_90d": (3, 0, .05), "avg_resolution_hours": (72, 8, .05),
    "days_overdue": (60, 0, .10), "expansion_pct": (-0.2, 0.3, .10),
}
RENEWAL_WEIGHT = .05


def generate(n: int) -> Path:
    """The reference portfolio, written in 1M-row pieces so memory stays flat."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from healthscore.sample import generate_customers

    path = CACHE / f"customers_{n}.parquet"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    step = 1_000_000
    for i, start in enumerate(range(0, n, step)):
        part = generate_customers(min(step, n - start), seed=100 + i, with_names=False)
        part = part.drop(columns=["seats", "last_survey_at"])
        part["customer_id"] += start
        table = pa.Table.from_pandas(part, preserve_index=False)
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=step)
    writer.close()
    os.replace(tmp, path)
    return path


POLARS = """
import sys, polars as pl
src, out = sys.argv[1], sys.argv[2]
S = {signals}
lf = pl.scan_parquet(src)
scores, weights = [], []
for name, (lo, hi, w) in S.items():
    s = ((pl.col(name) - lo) / (hi - lo)).clip(0, 1) * 100
    scores.append(s.alias(name + "_s")); weights.append(w)
r = pl.col("renewal_days")
scores.append(pl.when(r.is_null()).then(None).when(r < 30).then(20.0).when(r < 90).then(60.0)
              .otherwise(100.0).alias("renewal_days_s"))
weights.append({renewal})
names = [e.meta.output_name() for e in scores]
num = sum(pl.col(c).fill_null(0) * w for c, w in zip(names, weights))
den = sum(pl.col(c).is_not_null().cast(pl.Float64) * w for c, w in zip(names, weights))
res = (lf.select("customer_id", "arr", *scores)
       .with_columns((num / den).alias("score"), den.alias("present"))
       .with_columns(pl.when(pl.col("present").round(9) < 0.5).then(None)
                     .otherwise(pl.col("score")).alias("score"))
       .with_columns(pl.when(pl.col("score").is_null()).then(pl.lit("insufficient"))
                     .when(pl.col("score") < 50).then(pl.lit("red"))
                     .when(pl.col("score") < 75).then(pl.lit("yellow"))
                     .otherwise(pl.lit("green")).alias("tier"),
                     ((100 - pl.col("score")) * pl.col("arr")).alias("priority")))
df = res.select("customer_id", "score", "tier", "priority").collect()
df.select("customer_id", "score", "tier").write_parquet(out + "/scores.parquet")
k = max(1, df.height // 100)
df.drop_nulls("priority").top_k(k, by="priority").write_parquet(out + "/outreach.parquet")
"""

DUCKDB = """
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
S = {signals}
parts, ws = [], []
for name, (lo, hi, w) in S.items():
    x = f"({{name}} - {{lo}}) / ({{hi}} - {{lo}})"
    parts.append(f"least(greatest({{x}}, 0), 1) * 100 AS {{name}}_s")
    ws.append((name + "_s", w))
parts.append("CASE WHEN renewal_days IS NULL THEN NULL WHEN renewal_days < 30 THEN 20 "
             "WHEN renewal_days < 90 THEN 60 ELSE 100 END AS renewal_days_s")
ws.append(("renewal_days_s", {renewal}))
num = " + ".join(f"coalesce({{c}}, 0) * {{w}}" for c, w in ws)
den = " + ".join(f"({{c}} IS NOT NULL)::DOUBLE * {{w}}" for c, w in ws)
con = duckdb.connect()
con.execute(f'''
CREATE TEMP TABLE s AS
WITH x AS (SELECT customer_id, arr, {{", ".join(parts)}} FROM read_parquet('{{src}}')),
y AS (SELECT customer_id, arr, ({{num}}) / nullif({{den}}, 0) AS raw,
      round({{den}}, 9) AS present FROM x)
SELECT customer_id, CASE WHEN present < 0.5 THEN NULL ELSE raw END AS score, arr FROM y''')
con.execute(f'''COPY (SELECT customer_id, score, CASE WHEN score IS NULL THEN 'insufficient'
  WHEN score < 50 THEN 'red' WHEN score < 75 THEN 'yellow' ELSE 'green' END AS tier FROM s)
  TO '{{out}}/scores.parquet' (FORMAT parquet)''')
n = con.execute("SELECT count(*) FROM s").fetchone()[0]
con.execute(f'''COPY (SELECT customer_id, score, (100 - score) * arr AS priority FROM s
  WHERE score IS NOT NULL ORDER BY priority DESC LIMIT {{max(1, n // 100)}})
  TO '{{out}}/outreach.parquet' (FORMAT parquet)''')
"""

PANDAS = """
import sys, numpy as np, pandas as pd
src, out = sys.argv[1], sys.argv[2]
S = {signals}
df = pd.read_parquet(src)
num = pd.Series(0.0, index=df.index); den = pd.Series(0.0, index=df.index)
for name, (lo, hi, w) in S.items():
    s = ((df[name] - lo) / (hi - lo)).clip(0, 1) * 100
    num += s.fillna(0) * w; den += s.notna() * w
r = df["renewal_days"]
s = pd.Series(np.select([r < 30, r < 90, r >= 90], [20.0, 60.0, 100.0], np.nan), index=df.index)
num += s.fillna(0) * {renewal}; den += s.notna() * {renewal}
score = (num / den).where(den.round(9) >= 0.5)
tier = pd.cut(score, [-np.inf, 50, 75, np.inf], right=False, labels=["red", "yellow", "green"])
tier = tier.astype(str).where(score.notna(), "insufficient")
res = pd.DataFrame({{"customer_id": df["customer_id"], "score": score, "tier": tier}})
res.to_parquet(out + "/scores.parquet")
prio = ((100 - score) * df["arr"]).dropna()
top = prio.nlargest(max(1, len(df) // 100))
pd.DataFrame({{"customer_id": df.loc[top.index, "customer_id"], "priority": top}}).to_parquet(
    out + "/outreach.parquet")
"""


def _script(template: str) -> str:
    return textwrap.dedent(template).format(signals=repr(SIGNALS), renewal=RENEWAL_WEIGHT)


def run(label: str, cmd: list[str]) -> tuple[float, float] | None:
    """Wall seconds and peak RSS (MiB) of a command run in a fresh process."""
    wrapper = ("import resource, subprocess, sys, time;"
               "t = time.perf_counter(); p = subprocess.run(sys.argv[1:]);"
               "dt = time.perf_counter() - t;"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
               "print(f'{dt:.3f} {rss:.1f} {p.returncode}')")
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    try:
        seconds, rss, code = last.split()
    except ValueError:
        print(f"  {label}: failed\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        return None
    if code != "0":
        print(f"  {label}: exited {code}\n{proc.stderr[-2000:]}")
        return None
    return float(seconds), float(rss)


def available(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; best is shown")
    args = parser.parse_args()
    healthscore = str(Path(sys.executable).with_name("healthscore"))
    print(f"step A (score) — {os.cpu_count()} cores; best of {args.repeat} runs; whole process "
          "including start-up, Parquet in and out")
    for n in args.customers:
        src = generate(n)
        out = CACHE / f"out_{n}"
        for sub in ("healthscore", "polars", "duckdb", "pandas"):
            (out / sub).mkdir(parents=True, exist_ok=True)
        tools = [("healthscore score", [healthscore, "score", "-w", str(WEIGHTS), "-c", str(src),
                                        "-o", str(out / "healthscore"), "--format", "parquet",
                                        "--columns", "summary", "--outreach-top", "1%", "-q",
                                        "--as-of", "2026-10-31"])]
        for module, template in (("polars", POLARS), ("duckdb", DUCKDB), ("pandas", PANDAS)):
            if available(module):
                label = f"{module} ({'naive' if module == 'pandas' else 'hand-written'})"
                tools.append((label, [sys.executable, "-c", _script(template), str(src),
                                      str(out / module)]))
        print(f"\n{n:,} customers ({src.stat().st_size / 2**20:.0f} MiB Parquet)")
        print(f"  {'tool':<28}{'seconds':>10}{'peak MiB':>12}{'vs fastest':>12}")
        results = {}
        for label, cmd in tools:
            best = None
            for _ in range(args.repeat):
                got = run(label, cmd)
                if got and (best is None or got[0] < best[0]):
                    best = got
            if best:
                results[label] = best
        fastest = min(s for s, _ in results.values()) if results else 1
        for label, (seconds, rss) in results.items():
            print(f"  {label:<28}{seconds:>10.2f}{rss:>12.0f}{seconds / fastest:>11.2f}x")


if __name__ == "__main__":
    main()
