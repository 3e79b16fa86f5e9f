"""Computed signals name declared sources, and each can place its rows in time.

What can be known without reading any data: the table a `compute:` block names is declared
under `sources:`; exactly one source is the accounts table; a metric that must leave out rows
dated after the as-of date has a timestamp column (its own `time:` or the source's); two of our
column names do not map to the same export header; a signal does not name an export header that
`columns:` renames (after renaming, only our name exists). Columns inside the exports are
checked when the data is read (healthscore.signals), with the columns that exist listed.
"""

from __future__ import annotations

from collections.abc import Iterator

from healthscore.errors import Problem
from healthscore.spec.sources import ACCOUNTS_RULE, accounts_tables, lacks_time
from healthscore.weights.model import WeightFile
from healthscore.weights.rules._context import RuleContext, unknown


def check(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    sources = wf.sources or {}
    computed = {name: sig.compute for name, sig in wf.signals.items() if sig.compute}
    if (computed or sources) and not ctx.unparsed.get("sources"):  # (the accounts one may
        yield from _accounts(sources, ctx)                          # be among those unparsed)
    for name, spec in sources.items():
        seen: dict[str, str] = {}
        for ours, theirs in spec.columns.items():
            if theirs in seen:
                yield ctx.problem(("sources", name, "columns", ours),
                                  f"`{ours}` and `{seen[theirs]}` both map to the export "
                                  f"column `{theirs}`")
            seen[theirs] = ours
    for name, spec in computed.items():
        path = ("signals", name, "compute")
        source = sources.get(spec.table)
        if source is None and spec.table in ctx.defined("sources", ()):
            continue  # declared, but did not parse: reported there
        if source is None:
            yield ctx.problem((*path, "table"),
                              unknown("source", spec.table, sources) if sources else
                              f"table `{spec.table}` is not declared: add a `sources:` section "
                              "(or `sources: FILE`) naming it")
            continue
        if lacks_time(spec, source):
            yield ctx.problem(path, f"metric `{spec.metric}` needs a timestamp column to leave "
                                    "out rows dated after the as-of date: set `time:` here or "
                                    f"on source `{spec.table}`")
        renamed = {theirs: ours for ours, theirs in source.columns.items() if ours != theirs}
        for key, column in _columns(spec):
            if column in renamed and column not in source.columns:
                yield ctx.problem((*path, *key), f"`{column}` is renamed to `{renamed[column]}` "
                                                 f"in sources.{spec.table}.columns; use our "
                                                 f"name `{renamed[column]}`")


def _columns(spec) -> Iterator[tuple[tuple[str, ...], str]]:
    """(key path under `compute`, column) for every column a compute block names."""
    for key in ("column", "time", "start", "end"):
        if getattr(spec, key):
            yield (key,), getattr(spec, key)
    if spec.open:
        yield ("open", "from"), spec.open.from_
        yield ("open", "until"), spec.open.until
    for part in ("filter", "match"):
        for column in getattr(spec, part) or {}:
            yield (part, column), column


def _accounts(sources: dict, ctx: RuleContext) -> Iterator[Problem]:
    marked = accounts_tables(sources)
    if len(marked) != 1:
        found = ", ".join(marked) if marked else "none"
        yield ctx.problem(("sources",), f"{ACCOUNTS_RULE}; found {found}")
