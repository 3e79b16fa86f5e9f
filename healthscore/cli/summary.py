"""Rich tables for the terminal: tier counts and the customers to call first."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from healthscore.engine.run import ScoreRun
from healthscore.outputs import outreach


def _money(value: float) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}"


def tier_table(run: ScoreRun) -> Table:
    frame = run.frame
    table = Table(title=f"Health by tier — as of {run.as_of:%Y-%m-%d}", title_justify="left")
    table.add_column("tier")
    table.add_column("customers", justify="right")
    table.add_column("share", justify="right")
    table.add_column("ARR", justify="right")
    colours = {t.name: t.color for t in [*run.weights.tiers, run.weights.insufficient]}
    arr = frame["arr"] if "arr" in frame else pd.Series(0.0, index=frame.index)
    total = len(frame)
    for name in frame["tier"].cat.categories:
        mask = frame["tier"] == name
        count = int(mask.sum())
        table.add_row(f"[{colours[name]}]■[/] {name}", str(count),
                      f"{count / total:.0%}", _money(arr[mask].sum()))
    return table


def lowest_table(run: ScoreRun, n: int = 10) -> Table:
    ranked = outreach(run.frame, n)
    what = {"risk_x_arr": "ARR at risk", "risk": "risk", "arr": "ARR"}[run.weights.priority]
    table = Table(title=f"Call first: top {len(ranked)} by {what}", title_justify="left")
    for col, justify in (("customer", "left"), ("owner", "left"), ("score", "right"),
                         ("tier", "left"), ("ARR", "right"), ("why", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    colours = {t.name: t.color for t in run.weights.tiers}
    for _, row in ranked.iterrows():  # at most n rows: display only
        label = str(row.get("name", row["customer_id"]))
        why = ", ".join(run.weights.signal_label(row[c]) for c in ("driver_1", "driver_2",
                        "driver_3") if c in row and isinstance(row[c], str))
        table.add_row(label, str(row.get("owner", "")), f"{row['score']:.1f}",
                      f"[{colours.get(row['tier'], 'white')}]{row['tier']}[/]",
                      _money(row.get("arr", float("nan"))), why)
    return table
