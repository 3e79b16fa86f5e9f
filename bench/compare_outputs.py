"""Prove an engine change leaves every output bit for bit as it was.

Runs a fixed set of scoring scenarios (the step-A reference workload by chunks, summary and
full; the default weight file with segments, groups, staleness and roll-ups from Parquet and
from CSV; a weight file using percentiles, maps, nested groups and the neutral/zero policies;
a portfolio full of equal priorities for the outreach order; the in-memory `score_run`) and
saves what each produced. Run it once before a change and once after, then compare:

    python bench/compare_outputs.py save /tmp/before
    ... change the engine ...
    python bench/compare_outputs.py save /tmp/after
    python bench/compare_outputs.py diff /tmp/before /tmp/after

To produce "before" from an older commit without touching the working tree:
`git archive COMMIT healthscore | tar -x -C /tmp/old` and run `save` with
`PYTHONPATH=/tmp/old`.

Parquet files are compared as Arrow tables (values and schema, not bytes, so write options
may change); CSV files byte for byte; in-memory frames with `assert_frame_equal(check_exact)`
and their float columns bit for bit.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = date(2026, 10, 31)

MIXED_WEIGHTS = """
version: 1
name: every rule kind
missing: redistribute
min_coverage: 0.4
tiers: [{name: red, below: 50}, {name: yellow, below: 75}, {name: green}]
groups:
  outer: {weight: 2, groups: [inner], signals: [ces]}
  inner: {weight: 3, signals: [csat, usage]}
  money: {weight: 1, signals: [plan, renewal]}
signals:
  csat: {column: csat_pct, score: {linear: [60, 95]}, measured_at: last_survey_at,
         max_age: 120d, missing: neutral, neutral: 40}
  usage: {column: active_user_ratio, score: {percentile: segment}}
  ces: {score: {linear: [5.5, 2.0]}, missing: zero}
  tickets: {column: open_tickets, score: {percentile: portfolio, lower_is_better: true}}
  plan: {column: segment, score: {map: {ent: 100, mid: 70}, default: 30}}
  renewal: {column: renewal_days, score: {bands: [[30, 20], [90, 60], [null, 100]]}}
segments:
  big: {match: {segment: ent}, weights: {usage: 3, money: 2}, disable: [ces]}
"""


def _sources(work: Path) -> dict[str, Path]:
    """The input tables, generated once into `work` (deterministic)."""
    from healthscore.sample import generate_customers

    work.mkdir(parents=True, exist_ok=True)
    paths = {"ref": work / "ref_300k.parquet", "default": work / "default_200k.parquet",
             "csv": work / "default_30k.csv", "mixed": work / "mixed.yaml"}
    if not paths["ref"].exists():
        big = HERE / ".cache" / "customers_1000000.parquet"
        table = pq.read_table(big).slice(0, 300_000) if big.exists() else None
        if table is None:
            sys.exit("run bench/bench_score.py --customers 1000000 first (it makes the data)")
        pq.write_table(table, paths["ref"], row_group_size=100_000)
    if not paths["default"].exists():
        frame = generate_customers(200_000, seed=5, as_of=AS_OF)
        frame.to_parquet(paths["default"], row_group_size=60_000)
        frame.head(30_000).to_csv(paths["csv"], index=False)
    paths["mixed"].write_text(textwrap.dedent(MIXED_WEIGHTS))
    paths["ties"] = work / "ties.parquet"
    if not paths["ties"].exists():  # 200 customers repeated: equal priorities everywhere
        frame = pd.read_parquet(paths["default"]).head(200)
        frame = pd.concat([frame] * 100, ignore_index=True)
        frame["customer_id"] = [f"T{i:05d}" for i in range(len(frame))]
        frame["parent_id"] = None
        frame.to_parquet(paths["ties"], row_group_size=4_000)
    return paths


def save(folder: Path) -> None:
    import healthscore
    from healthscore.engine.run import Run
    from healthscore.outputs import OutputFiles

    paths = _sources(folder.parent / "compare_sources")
    ref = healthscore.load_weights(HERE / "reference.yaml")
    default = healthscore.load_weights(ROOT / "weights" / "default.yaml")
    mixed = healthscore.load_weights(paths["mixed"])
    big = HERE / ".cache" / "customers_1000000.parquet"
    runs = {
        "ref_1m_summary": (big, ref, dict(formats=("parquet",), columns="summary",
                                          outreach_top=10_000)),
        "ref_full": (paths["ref"], ref, dict(columns="full", outreach_top=3_000)),
        "default_full": (paths["default"], default, dict(chunk_rows=50_000, outreach_top=500)),
        "default_summary": (paths["default"], default, dict(columns="summary")),
        "default_csv": (paths["csv"], default, dict(chunk_rows=7_000, outreach_top=None)),
        "mixed_full": (paths["default"], mixed, dict(chunk_rows=45_000)),
        "ties": (paths["ties"], default, dict(chunk_rows=3_000, outreach_top=777)),
    }
    print(f"engine from {Path(healthscore.__file__).parent}")
    for name, (src, wf, options) in runs.items():
        formats = options.pop("formats", ("csv", "parquet"))
        columns = options.get("columns", "full")
        result = Run(src, wf, as_of=AS_OF, sinks=[OutputFiles(folder / name, formats)],
                     collect=False, explain=columns == "full", **options).execute()
        result.tiers.to_pickle(folder / name / "tiers.pkl")
        print(f"saved {name}")
    frame = pd.read_parquet(paths["default"]).head(50_000)
    for name, wf in (("default", default), ("mixed", mixed)):
        run = healthscore.score_run(frame, wf, as_of=AS_OF)
        (folder / "memory").mkdir(parents=True, exist_ok=True)
        run.frame.to_pickle(folder / "memory" / f"{name}.pkl")
        if run.rollups is not None:
            run.rollups.to_pickle(folder / "memory" / f"{name}_rollups.pkl")
    print("saved in-memory runs")


def _same_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Float columns bit for bit: -0.0 vs 0.0 and the sign of a NaN count too."""
    for column in a.columns:
        if a[column].dtype.kind == "f":
            bits_a = a[column].to_numpy().view("int64")
            bits_b = b[column].to_numpy().view("int64")
            if not (bits_a == bits_b).all():
                raise AssertionError(f"{column}: same values, different bits")


def diff(before: Path, after: Path) -> int:
    failures = 0
    files = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    for rel in files:
        a, b = before / rel, after / rel
        problem = None
        if not b.exists():
            problem = "missing"
        elif rel.suffix == ".parquet":
            ta, tb = pq.read_table(a), pq.read_table(b)
            if not ta.schema.equals(tb.schema, check_metadata=False):
                problem = f"schema differs:\n{ta.schema}\n---\n{tb.schema}"
            elif not ta.equals(tb):
                bad = [c for c in ta.column_names if not ta[c].equals(tb[c])]
                problem = f"values differ in {bad}"
        elif rel.suffix == ".pkl":
            try:
                fa, fb = pd.read_pickle(a), pd.read_pickle(b)
                pd.testing.assert_frame_equal(fa, fb, check_exact=True)
                _same_bits(fa, fb)
            except AssertionError as exc:
                problem = str(exc)[:500]
        elif rel.name == "run.json":  # the run id and time differ on every run by design
            ja, jb = (json.loads(f.read_text()) for f in (a, b))
            for record in (ja, jb):
                record.pop("run_id"), record.pop("created_at")
            if ja != jb:
                problem = "record differs (beyond run_id and created_at)"
        elif a.read_bytes() != b.read_bytes():
            problem = "bytes differ"
        print(f"{'ok  ' if problem is None else 'FAIL'} {rel}" + (f": {problem}" if problem
                                                                    else ""))
        failures += problem is not None
    print(f"{len(files) - failures}/{len(files)} identical")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("save").add_argument("folder", type=Path)
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "save":
        save(args.folder)
    else:
        sys.exit(diff(args.before, args.after))


if __name__ == "__main__":
    main()
