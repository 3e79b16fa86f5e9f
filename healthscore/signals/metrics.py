"""Each metric as DuckDB aggregates over one table, grouped by customer.

A signal becomes (1) a few aggregates computed in the table's single GROUP BY (each with its
own `FILTER (WHERE ...)` for window, filter and open span, so one scan serves every signal of
the table) and (2) a final expression over those aggregates and the accounts row (minimum
responses, the value for accounts without rows, division by an accounts column).

Conventions (documented in docs/signals.md): `n` is the number of qualifying rows with a value;
an account with n = 0 gets `empty:` if given, else 0 for count/sum/distinct and missing (NaN)
for everything else; n below `min_responses` is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from healthscore.errors import Problem
from healthscore.signals.asof import AsOf, sql_ts
from healthscore.signals.filters import condition
from healthscore.signals.sources import Table, q
from healthscore.spec.sources import MetricSpec, lacks_time, time_column

ZERO_WHEN_EMPTY = {"count", "sum", "distinct"}
AGG = "__T__"  # stands for the aggregate table's alias in `Planned.value`
_AGG = {"count": "count(*)", "sum": "sum({v})", "mean": "avg({v})", "min": "min({v})",
        "max": "max({v})", "distinct": "count(DISTINCT {v})"}


@dataclass
class Planned:
    """One signal's share of its table's GROUP BY."""

    signal: str
    aggregates: dict[str, str]  # alias → aggregate over the table's rows
    value: str  # final SQL over `T.<alias>` (aggregates; T = AGG) and `a.<column>` (accounts)
    time: str | None  # timestamp column bounded by the as-of instant (for the table prefilter)
    start: object | None  # earliest window start on `time`, None when unbounded below
    invalid: str | None = None  # condition of rows whose rating is outside the scale
    # the time window alone (no filter): when no row of the whole table falls in it, the
    # export does not cover the window and an implicit zero would be a guess (`zero_if_empty`)
    window: str | None = None
    zero_if_empty: bool = False  # n = 0 reads as 0 by the metric's convention, not `empty:`


def plan(signal: str, alias: str, spec: MetricSpec, table: Table, asof: AsOf, key: str,
         file: str | None, problems: list[Problem]) -> Planned | None:
    """Plan one signal; configuration mistakes go to `problems` (and None is returned)."""
    m = spec.metric
    ts = time_column(spec, table.spec)
    end = sql_ts(asof.end)
    start_ts = asof.start(spec.window)
    conds = [condition(spec.filter, table, f"{key}.filter", file, problems)]
    bounded = ts is not None  # rows after the as-of instant are excluded by the time column
    if lacks_time(spec, table.spec):
        problems.append(Problem(
            f"metric `{m}` needs a timestamp column (to leave out rows dated after the as-of "
            f"date); set `time:` here or on source `{table.name}`", file=file, key=key))
        return None
    if m == "days_until":
        conds.append(f"{q(ts)} >= {sql_ts(_day_start(asof))}")
        bounded = False
    elif ts is not None:
        conds.append(f"{q(ts)} < {end}")
        if start_ts is not None:
            conds.append(f"{q(ts)} >= {sql_ts(start_ts)}")
    if spec.open is not None:
        since, until = q(spec.open.from_), q(spec.open.until)
        conds.append(f"{since} < {end} AND ({until} IS NULL OR {until} >= {end})")
    where = " AND ".join(c for c in conds if c != "TRUE") or "TRUE"
    v = q(spec.value_column()) if spec.value_column() else None
    a = {}  # alias suffix → aggregate

    def agg(expr: str, extra: str | None = None) -> str:
        cond = where if extra is None else f"{where} AND {extra}"
        return f"{expr} FILTER (WHERE {cond})"

    if m in _AGG:
        a["v"] = agg(_AGG[m].format(v=v))
        a["n"] = agg("count(*)" if v is None else f"count({v})")
        value = "{T}.{v}"
    elif m == "last":
        a["v"] = agg(f"arg_max({v}, {q(ts)})", f"{v} IS NOT NULL")
        a["n"] = agg(f"count({v})")
        value = "{T}.{v}"
    elif m in ("days_since", "days_until"):
        pick = "min" if m == "days_until" or spec.since == "first" else "max"
        a["v"] = agg(f"{pick}({q(ts)})")
        a["n"] = agg(f"count({q(ts)})")
        day = f"DATE '{asof.day.isoformat()}'"
        value = (f"date_diff('day', CAST({{T}}.{{v}} AS DATE), {day})" if m == "days_since"
                 else f"date_diff('day', {day}, CAST({{T}}.{{v}} AS DATE))")
    elif m == "duration":
        per = 3600.0 if (spec.unit or "hours") == "hours" else 86400.0
        s, e = q(spec.start), q(spec.end)
        a["v"] = agg(f"avg(epoch({e}) - epoch({s}))", f"{s} IS NOT NULL AND {e} IS NOT NULL")
        a["n"] = agg("count(*)", f"{s} IS NOT NULL AND {e} IS NOT NULL")
        value = f"{{T}}.{{v}} / {per}"
    elif m == "trend":
        base = spec.of or "count"
        prev_start, prev_end = asof.previous(spec.window)
        prev = [c for c in conds if not c.startswith(q(ts))]
        prev += [f"{q(ts)} >= {sql_ts(prev_start)}", f"{q(ts)} < {sql_ts(prev_end)}"]
        prev_where = " AND ".join(c for c in prev if c != "TRUE")
        expr = _AGG[base].format(v=v)
        a["v"] = agg(expr)
        a["p"] = f"{expr} FILTER (WHERE {prev_where})"
        a["n"] = f"count(*) FILTER (WHERE ({where}) OR ({prev_where}))"
        start_ts = prev_start  # the table prefilter must keep the previous window
        zero = "0" if base in ZERO_WHEN_EMPTY else "NULL"
        value = (f"(coalesce({{T}}.{{v}}, {zero}) - {{T}}.{{p}}) / "
                 f"NULLIF(CAST({{T}}.{{p}} AS DOUBLE), 0)")
    elif m == "share":
        match = condition(spec.match, table, f"{key}.match", file, problems)
        a["v"] = agg("count(*)", f"({match})")
        a["n"] = agg("count(*)")
        value = "CAST({T}.{v} AS DOUBLE) / {T}.{n}"
    else:  # csat, nps, ces
        a["n"] = agg(f"count({v})")
        value = "100.0 * {T}.{v} / {T}.{n}"
        if m == "nps":
            a["v"] = agg("count(*)", f"{v} >= 9") + " - " + agg("count(*)", f"{v} <= 6")
        elif spec.rating_method() == "mean":
            a["v"] = agg(f"avg({v})")
            value = "{T}.{v}"
        elif m == "csat":
            a["v"] = agg("count(*)", f"{v} >= {spec.rating_threshold()!r}")
        else:  # ces low_effort
            a["v"] = agg("count(*)", f"{v} <= {spec.rating_threshold()!r}")
    names = {k: f"{alias}__{k}" for k in a}
    value = value.format(T=AGG, **{k: q(n) for k, n in names.items()})
    n = f"{AGG}.{q(names['n'])}"
    empty = spec.empty if spec.empty is not None else (0.0 if m in ZERO_WHEN_EMPTY else None)
    empty_sql = "NULL" if empty is None else repr(float(empty))
    need = spec.responses_needed()
    final = (f"CASE WHEN coalesce({n}, 0) = 0 THEN {empty_sql} "
             + (f"WHEN {n} < {need} THEN NULL " if need > 1 else "")
             + f"ELSE CAST({value} AS DOUBLE) END")
    if spec.per:
        final = f"({final}) / NULLIF(CAST(a.{q(spec.per)} AS DOUBLE), 0)"
    invalid = None
    if spec.rating_scale():
        lo, hi = spec.rating_scale()
        invalid = f"{where} AND {v} IS NOT NULL AND ({v} < {lo!r} OR {v} > {hi!r})"
    window = None
    if bounded and ts is not None:
        window = f"{q(ts)} < {end}" + (f" AND {q(ts)} >= {sql_ts(start_ts)}"
                                       if start_ts is not None else "")
    return Planned(signal, {names[k]: e for k, e in a.items()}, final,
                   ts if bounded else None, start_ts if bounded else None, invalid,
                   window=window, zero_if_empty=spec.empty is None and empty is not None)


def _day_start(asof: AsOf) -> pd.Timestamp:
    return pd.Timestamp(asof.day)
