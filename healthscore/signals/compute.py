"""compute_signals: raw exports → one row per account with one column per signal, as of a date.

Execution: every source becomes a DuckDB view (see `sources`); each event table is scanned
once, by one GROUP BY customer holding the aggregates of every signal that reads it; the
results are left-joined to the accounts table (the spine) in DuckDB and handed back as one
pandas DataFrame. DuckDB streams Parquet and runs the group-bys on all cores, which is what
makes 44M events take seconds and well under 1 GiB (bench/bench_signals.py); pandas stays the
interface.
"""

from __future__ import annotations

import contextlib
import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.signals.asof import AsOf, as_of_instant, sql_ts
from healthscore.signals.filters import filter_columns
from healthscore.signals.freshness import freshness
from healthscore.signals.metrics import AGG, Planned, plan
from healthscore.signals.placed import place_sources
from healthscore.signals.sources import ROW, Table, open_table, q
from healthscore.signals.wording import describe
from healthscore.spec.sources import (
    ACCOUNTS_RULE,
    MetricSpec,
    SourceSpec,
    accounts_tables,
    time_column,
)

if TYPE_CHECKING:
    from healthscore.weights.model import WeightFile

NUMERIC_METRICS = {"sum", "mean", "min", "max", "csat", "nps", "ces"}


@dataclass
class SignalTable:
    """The result: `frame` (one row per account, in accounts order), the warnings about the
    data (e.g. events of unknown customers that were left out) and each computed signal's
    method in words (`methods[signal]`), to show next to its value."""

    frame: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)


def compute_signals(weights: WeightFile, as_of: date | datetime | str, *,
                    base_dir: Path | str | None = None,
                    tables: dict[str, pd.DataFrame] | None = None,
                    allow_stale: bool = False) -> SignalTable:
    """Compute every signal that has a `compute:` block, as of `as_of`.

    `base_dir`: folder that relative source paths start from (default: the folder of the
    weight file that declares each source, so a base file reached by `extends:` keeps its
    own relative paths).
    `tables`: DataFrames that stand in for sources of the same name (the export as it would be
    read: mapping and timestamp parsing still apply); a name not declared under `sources:` is
    taken as a source with default settings. Signals without `compute:` are read from the
    accounts table's column of the same name (passed through). Raises `DataError` listing
    every problem found, among them a source that ends more than its `fresh_within` before
    the as-of date (signals/freshness.py), unless `allow_stale` makes that a warning.
    """
    signals = {name: (sig.column or name, sig.compute) for name, sig in weights.signals.items()}
    base = Path(base_dir or weights.base_dir or ".")
    # each relative path from the data folder, else from the folder of the file that wrote it,
    # checked against what the operator allowed before anything is opened
    sources = place_sources(weights, base_dir, skip=set(tables or ()))
    return compute_table(sources, signals, as_of, base_dir=base,
                         tables=tables, file=weights.path, id_column=weights.id_column,
                         text_columns=frozenset([weights.rollup.parent] if weights.rollup else []),
                         allow_stale=allow_stale)


def compute_table(sources: dict[str, SourceSpec],
                  signals: dict[str, tuple[str, MetricSpec | None]],
                  as_of: date | datetime | str, *, base_dir: Path = Path("."),
                  tables: dict[str, pd.DataFrame] | None = None, file: str | None = None,
                  id_column: str = "customer_id",
                  text_columns: frozenset[str] = frozenset(),
                  allow_stale: bool = False) -> SignalTable:
    """The work of `compute_signals` without a weight file: `signals` maps a signal name to
    (output column, compute spec or None for a ready accounts column). `text_columns`:
    accounts columns read as text like ids (the roll-up's parent id)."""
    asof = as_of_instant(as_of)
    tables = tables or {}
    sources = {**{n: SourceSpec(kind="csv", path="(in memory)") for n in tables
                  if n not in sources}, **sources}
    problems: list[Problem] = []
    accounts = _accounts_source(sources, file, problems)
    computed = {}
    for name, (column, spec) in signals.items():
        if spec is None:
            continue
        if spec.table not in sources:
            close = difflib.get_close_matches(spec.table, list(sources), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            problems.append(Problem(
                f"unknown table `{spec.table}`{hint} Declared sources: "
                f"{', '.join(sources) or 'none'}", file=file, key=_key(name, "table")))
            continue
        computed[name] = (column, spec)
    if problems:
        raise DataError(problems)
    con = duckdb.connect()
    try:
        return _run(con, sources, accounts, signals, computed, asof, base_dir, tables, file,
                    id_column, text_columns, allow_stale)
    finally:
        con.close()


def _run(con, sources, accounts, signals, computed, asof: AsOf, base_dir, tables, file,
         id_column, text_columns=frozenset(), allow_stale: bool = False) -> SignalTable:
    acc_spec = sources[accounts]
    acc = open_table(con, accounts, acc_spec, {acc_spec.id: ["id"]},
                     timestamps=set(acc_spec.timestamp_columns()), numeric=set(),
                     base_dir=base_dir, frame=tables.get(accounts), all_columns=True,
                     text=text_columns)
    _spine(con, acc)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for name, (column, spec) in signals.items():
        if spec is None and column not in acc.types:
            problems.append(Problem(
                f"signal `{name}` has no `compute:` block, so it reads column `{column}` of "
                f"the accounts table, which has no such column", file=file,
                key=f"signals.{name}"))
    by_table: dict[str, list[str]] = {}
    for name, (_, spec) in computed.items():
        by_table.setdefault(spec.table, []).append(name)
    finals: dict[str, str] = {}
    joins: list[str] = []
    for i, (tname, names) in enumerate(by_table.items()):
        specs = {n: computed[n][1] for n in names}
        table = _open_events(con, tname, sources[tname], specs, base_dir, tables)
        for found in freshness(con, table, asof, allow_stale):
            (warnings if found.severity == "warning" else problems).append(found)
        plans = [p for j, (n, s) in enumerate(specs.items())
                 if (p := plan(n, f"s{j}", s, table, asof, f"signals.{n}.compute", file,
                               problems)) is not None]
        if plans and not problems:
            _table_signals(con, f"agg{i}", table, acc, plans, specs, asof, file, finals, joins,
                           problems, warnings)
    if problems:
        raise DataError(problems)
    frame = _assemble(con, acc, signals, finals, joins, id_column, warnings)
    methods = {n: describe(s) for n, (_, s) in computed.items()}
    return SignalTable(frame, warnings, methods)


def _table_signals(con, name: str, table: Table, acc: Table, plans: list[Planned],
                   specs: dict[str, MetricSpec], asof: AsOf, file: str | None,
                   finals: dict[str, str], joins: list[str], problems: list[Problem],
                   warnings: list[Problem]) -> None:
    """Aggregate one table in one scan, check it, and add each signal's final expression and
    the join it needs."""
    agg = _aggregate(con, name, table, acc, plans, asof, file)
    problems += _out_of_scale(con, agg, table, plans, specs)
    warnings += _unknown_customers(con, agg, table, acc)
    joins.append(f"LEFT JOIN {q(agg)} AS {q(agg)} ON "
                 f"{_join_key(acc, table, 'a')} = {q(agg)}.__id")
    uncovered = _uncovered(con, agg, table, plans)
    warnings += uncovered.values()
    for p in plans:
        finals[p.signal] = ("CAST(NULL AS DOUBLE)" if p.signal in uncovered
                            else p.value.replace(f"{AGG}.", f"{q(agg)}."))


def _uncovered(con, agg: str, table: Table, plans: list[Planned]) -> dict[str, Problem]:
    """Signals whose 0-when-no-rows convention would be a guess: no row of the whole table
    falls in their window though the table has rows. Such a signal is missing for everyone,
    not 0 with status ok (`empty: 0` on the signal says a zero is real)."""
    checked = [p for p in plans if p.zero_if_empty and p.window]
    if not checked:
        return {}
    sums = ", ".join(f"coalesce(sum({q(p.signal + '__win')}), 0)" for p in checked)
    row = con.execute(f"SELECT count(*), {sums} FROM {q(agg)}").fetchall()[0]
    if not row[0]:
        return {}
    return {p.signal: Problem(
        f"signal `{p.signal}`: source `{table.name}` has no rows in its window, so it is "
        "missing for every customer instead of 0 (set `empty: 0` on the signal if no rows "
        "really means zero)", file=table.where, key=f"signals.{p.signal}.compute",
        severity="warning") for p, n in zip(checked, row[1:], strict=True) if n == 0}


def _key(signal: str, sub: str) -> str:
    return f"signals.{signal}.compute.{sub}"


def _accounts_source(sources: dict[str, SourceSpec], file: str | None,
                     problems: list[Problem]) -> str | None:
    marked = accounts_tables(sources)
    if len(marked) != 1:
        found = ", ".join(marked) if marked else "none"
        problems.append(Problem(f"{ACCOUNTS_RULE}; found {found}", file=file, key="sources"))
        return None
    return marked[0]


def _spine(con: duckdb.DuckDBPyConnection, acc: Table) -> None:
    """Materialise the accounts table in input order; ids must be present and unique."""
    # every reader of the accounts table provides ROW, its position in the export
    pos = q(ROW) if ROW in acc.types else "row_number() OVER () - 1"
    con.execute(f"CREATE TEMP TABLE acc AS SELECT *, {pos} AS __pos "
                f"FROM {q(acc.view)}").fetchall()
    with contextlib.suppress(duckdb.Error):  # a pandas export is copied now: let it go
        con.unregister(f"raw__{acc.name}")
    idc = q(acc.spec.id)
    (count,) = con.execute("SELECT count(*) FROM acc").fetchall()[0]
    if not count:
        raise DataError(Problem("the accounts table has no rows: nothing to compute",
                                file=acc.where))
    nulls = con.execute(f"SELECT {q(ROW) if ROW in acc.types else 'NULL'} FROM acc "
                        f"WHERE {idc} IS NULL ORDER BY __pos LIMIT 3").fetchall()
    dups = con.execute(f"SELECT {idc}, count(*) FROM acc GROUP BY {idc} HAVING count(*) > 1 "
                       f"AND {idc} IS NOT NULL ORDER BY 1 LIMIT 5").fetchall()
    problems = []
    if nulls:
        rows = [acc.label(r).rstrip(": ") for (r,) in nulls if acc.label(r)]
        problems.append(Problem(
            f"accounts without a customer id in column `{acc.spec.id}`"
            + (f" ({', '.join(rows)})" if rows else ""), file=acc.where,
            line=acc.line(nulls[0][0]), key=acc.spec.id))
    if dups:
        listed = ", ".join(f"{v} ({n}×)" for v, n in dups)
        problems.append(Problem(f"duplicate customer ids in the accounts table: {listed}",
                                file=acc.where, key=acc.spec.id))
    if problems:
        raise DataError(problems)


def _open_events(con, name: str, spec: SourceSpec, specs: dict[str, MetricSpec],
                 base_dir: Path, tables: dict) -> Table:
    """Open an event table with exactly the columns its signals read."""
    needed: dict[str, list[str]] = {spec.id: [f"sources.{name}.id"]}
    stamps: set[str] = set(spec.timestamp_columns())
    numeric: set[str] = set()

    def need(col: str | None, key: str) -> None:
        if col:
            needed.setdefault(col, []).append(key)

    for sig, m in specs.items():
        ts = time_column(m, spec)
        need(ts, _key(sig, "time") if m.time else f"sources.{name}.time")
        need(m.value_column(), _key(sig, "column"))
        if m.metric in NUMERIC_METRICS or (m.metric == "trend" and m.of not in (None, "count",
                                                                                 "distinct")):
            numeric.add(m.value_column())
        for col in filter_columns(m.filter):
            need(col, _key(sig, f"filter.{col}"))
        for col in filter_columns(m.match):
            need(col, _key(sig, f"match.{col}"))
        spans = ((ts, "time"), (m.open and m.open.from_, "open.from"),
                 (m.open and m.open.until, "open.until"), (m.start, "start"), (m.end, "end"))
        for col, sub in spans[1:]:
            need(col, _key(sig, sub))
        stamps |= {col for col, _ in spans if col}
    stamps &= set(needed)
    return open_table(con, name, spec, needed, timestamps=stamps, numeric=numeric,
                      base_dir=base_dir, frame=tables.get(name))


def _same_id_type(acc: Table, table: Table) -> bool:
    """Ids of different types (text in one export, numbers in another) are compared as text."""
    return acc.types.get(acc.spec.id) == table.types.get(table.spec.id)


def _join_key(acc: Table, table: Table, alias: str) -> str:
    col = f"{alias}.{q(acc.spec.id)}"
    return col if _same_id_type(acc, table) else f"CAST({col} AS VARCHAR)"


def _aggregate(con, name: str, table: Table, acc: Table, plans: list[Planned], asof: AsOf,
               file: str | None) -> str:
    """One GROUP BY customer over the table, every signal's aggregates side by side."""
    idc = q(table.spec.id)
    idc = idc if _same_id_type(acc, table) else f"CAST({idc} AS VARCHAR)"
    cols = [f"{idc} AS __id", "count(*) AS __rows"]
    for p in plans:
        cols += [f"{e} AS {q(a)}" for a, e in p.aggregates.items()]
        if p.invalid:
            cols.append(f"count(*) FILTER (WHERE {p.invalid}) AS {q(p.signal + '__bad')}")
        if p.zero_if_empty and p.window:
            cols.append(f"count(*) FILTER (WHERE {p.window}) AS {q(p.signal + '__win')}")
    where = _prefilter(plans, asof)
    try:
        con.execute(f"CREATE TEMP TABLE {q(name)} AS SELECT {', '.join(cols)} "
                    f"FROM {q(table.view)} {where} GROUP BY ALL").fetchall()
    except duckdb.Error as exc:
        signals = ", ".join(p.signal for p in plans)
        raise DataError(Problem(
            f"computing {signals} from source `{table.name}` failed: "
            f"{str(exc).splitlines()[0]}", file=file)) from None
    return name


def _prefilter(plans: list[Planned], asof: AsOf) -> str:
    """When every signal of the table bounds the same time column, skip rows outside all
    windows before grouping (most of a long event history, in practice)."""
    times = {p.time for p in plans}
    if len(times) != 1 or None in times:
        return ""
    ts = q(times.pop())
    starts = [p.start for p in plans]
    lower = "" if None in starts else f" AND {ts} >= {sql_ts(min(starts))}"
    return f"WHERE {ts} < {sql_ts(asof.end)}{lower}"


def _unknown_customers(con, agg: str, table: Table, acc: Table) -> list[Problem]:
    """Rows naming customers the accounts table does not have: left out, and reported."""
    row = con.execute(
        f"SELECT count(*), sum(__rows), list(__id ORDER BY __id)[1:3] FROM {q(agg)} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM acc a WHERE {_join_key(acc, table, 'a')} = t.__id)"
    ).fetchall()[0]
    n_ids, n_rows, examples = row
    if not n_ids:
        return []
    shown = ", ".join("(empty)" if e is None else str(e) for e in examples)
    return [Problem(f"{int(n_rows)} row(s) of source `{table.name}` name {n_ids} customer id(s) "
                    f"that are not in the accounts table (e.g. {shown}); they were left out",
                    file=table.where, key=table.spec.id, severity="warning")]


def _out_of_scale(con, agg: str, table: Table, plans: list[Planned],
                  specs: dict[str, MetricSpec]) -> list[Problem]:
    problems = []
    for p in plans:
        if not p.invalid:
            continue
        (bad,) = con.execute(f"SELECT sum({q(p.signal + '__bad')}) FROM {q(agg)}").fetchall()[0]
        if not bad:
            continue
        spec = specs[p.signal]
        lo, hi = spec.rating_scale()
        row = q(ROW) if ROW in table.types else "NULL"
        examples = con.execute(
            f"SELECT {row}, {q(spec.value_column())} FROM {q(table.view)} WHERE {p.invalid} "
            f"ORDER BY {row} LIMIT 3").fetchall()
        shown = ", ".join(f"{table.label(r)}{v:g}" for r, v in examples)
        problems.append(Problem(
            f"{int(bad)} rating(s) outside the {spec.metric} scale {lo:g}-{hi:g} "
            f"(signal `{p.signal}`): {shown}; fix the data, or set `scale:` if the survey "
            "uses another scale", file=table.where, line=table.line(examples[0][0]),
            key=spec.value_column()))
    return problems


def _assemble(con, acc: Table, signals: dict, finals: dict[str, str], joins: list[str],
              id_column: str, warnings: list[Problem]) -> pd.DataFrame:
    out = {s: signals[s][0] for s in finals}
    replaced = [c for c in out.values() if c in acc.types]
    if replaced:
        warnings.append(Problem(
            f"computed signals replace the accounts columns {', '.join(replaced)}",
            file=acc.where, severity="warning"))
    hidden = ["__pos", *([ROW] if ROW in acc.types else []), *replaced]
    cols = "".join(f", {v} AS {q(out[s])}" for s, v in finals.items())
    # through Arrow: 10x faster than .df() for text columns (pandas 3 strings are Arrow-backed)
    frame = con.sql(
        f"SELECT a.* EXCLUDE ({', '.join(q(c) for c in hidden)}){cols} FROM acc a "
        f"{' '.join(joins)} ORDER BY a.__pos").to_arrow_table().to_pandas()
    if acc.spec.id != id_column:
        frame = frame.rename(columns={acc.spec.id: id_column})
    return frame
