"""Rich tables for the terminal: tier counts and the customers to call first."""

from __future__ import annotations

import pandas as pd
from rich.table import Table
from rich.text import Text

from healthscore.cli.app import plain
from healthscore.engine.display import shown_score
from healthscore.engine.run import RunResult


def _money(value: float) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}"


def arr_at_risk(summary: RunResult) -> float:
    """"ARR at risk", the one meaning it has on every output: the ARR of the customers in the
    lowest tier (e.g. `at risk`). Not the outreach priority, which is a ranking."""
    lowest = summary.weights.tiers[0].name
    if summary.tiers.empty or lowest not in summary.tiers.index:
        return 0.0
    return float(summary.tiers.loc[lowest, "arr"])


def tier_table(summary: RunResult) -> Table:
    lowest = summary.weights.tiers[0].name
    caption = None
    if not summary.tiers.empty and summary.tiers["arr"].sum() > 0:
        caption = f"ARR at risk (ARR of the {lowest} tier): {_money(arr_at_risk(summary))}"
    table = Table(title=f"Health by tier — as of {summary.as_of:%Y-%m-%d}",
                  title_justify="left", caption=caption, caption_justify="left")
    for col in ("tier", "customers", "share", "ARR"):
        table.add_column(col, justify="left" if col == "tier" else "right")
    colours = {t.name: t.color for t in [*summary.weights.tiers, summary.weights.insufficient]}
    for name, row in summary.tiers.iterrows():  # one row per tier
        count = int(row["customers"])
        table.add_row(Text.assemble(("■ ", colours.get(name, "white")), plain(name)), f"{count:,}",
                      f"{count / max(summary.customers, 1):.0%}", _money(row["arr"]))
    return table


def lowest_table(summary: RunResult, n: int = 10) -> Table:
    ranked = summary.outreach.head(n)
    wf = summary.weights
    # the ranking's name; "ARR at risk" means the lowest tier's ARR (see arr_at_risk)
    what = {"risk_x_arr": "risk-weighted ARR", "risk": "risk", "arr": "ARR",
            "expected_loss": "expected loss"}[wf.priority_kind]
    table = Table(title=f"Call first: top {len(ranked)} by {what}", title_justify="left")
    money = wf.priority_kind == "expected_loss"  # priority is an amount: show it
    for col, justify in (("customer", "left"), ("owner", "left"), ("score", "right"),
                         ("tier", "left"), ("ARR", "right"),
                         *((("expected loss", "right"),) if money else ()), ("why", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    colours = {t.name: t.color for t in wf.tiers}
    for _, row in ranked.iterrows():  # at most n rows: display only
        label = str(row["name"]) if "name" in row and pd.notna(row["name"]) else \
            str(row["customer_id"])
        why = ", ".join(wf.signal_label(row[c]) for c in ("driver_1", "driver_2", "driver_3")
                        if c in row and isinstance(row[c], str))
        table.add_row(Text(plain(label)), Text(plain(row.get("owner", "") or "")),
                      str(shown_score(row["score"])),
                      Text(plain(row["tier"]), style=colours.get(row["tier"], "white")),
                      _money(row.get("arr", float("nan"))),
                      *((_money(row["priority"]),) if money else ()), Text(plain(why)))
    return table
