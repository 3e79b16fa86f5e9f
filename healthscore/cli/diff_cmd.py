"""`healthscore diff`: what a weight change does, before it is made."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthscore.cli.app import console, escape
from healthscore.cli.options import AllowOutsideOpt, AsOfOpt, CustomersOpt, DataOpt


def register(app: typer.Typer) -> None:
    @app.command()
    def diff(
        old: Annotated[Path, typer.Argument(help="the weight file in use")],
        new: Annotated[Path, typer.Argument(help="the changed weight file")],
        customers: CustomersOpt = None,
        data: DataOpt = None,
        as_of: AsOfOpt = None,
        top: Annotated[int, typer.Option(help="how many of the biggest movers to list")] = 10,
        outreach_top: Annotated[int, typer.Option(
            help="length of the outreach list to compare")] = 20,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="folder for diff.json and diff.html (default: none)")] = None,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Score the same customers with OLD and NEW and show what changes."""
        from healthscore.engine.run import as_date
        from healthscore.evidence.diff import compare
        from healthscore.evidence.report import write_diff
        from healthscore.pipeline import score_customers
        from healthscore.weights.load import load_weights

        old_wf, new_wf = (load_weights(old, confine=not allow_outside),
                          load_weights(new, confine=not allow_outside))
        day = as_date(as_of)
        table = None if customers is None else _one_date(customers, day, old_wf, new_wf)
        runs = [score_customers(wf, table, day, data) for wf in (old_wf, new_wf)]
        result = compare(*runs, top=max(top, 0), outreach_top=max(outreach_top, 1))
        show_diff(result)
        if out is not None:
            paths = write_diff(result, out)
            console.print("wrote " + escape(", ".join(str(p) for p in paths)))


def _one_date(path: Path, day, *wfs):
    """A table with an `as_of` column holds several dates: take the rows of the scoring date
    (or the latest one when none is of that date). Ids are text and `as_of` is read by the one
    date rule (ISO 8601 and the formats either weight file declares), as in every reader."""
    from healthscore.engine.prepare import text_columns
    from healthscore.io.keyed import read_ids_table

    ids = [c for wf in wfs for c in text_columns(wf)]
    formats = [f for wf in wfs for f in wf.formats]
    table = read_ids_table(path, ids=ids, dates=("as_of",), formats=formats)
    if "as_of" not in table.columns:
        return table
    when = table["as_of"].dt.date
    pick = day if (when == day).any() else when.max()
    return table[when == pick].drop(columns="as_of").reset_index(drop=True)


def show_diff(d) -> None:
    from healthscore.engine.display import shown_score

    console.print(f"[bold]{escape(d.old)}[/] → [bold]{escape(d.new)}[/]: {d.customers:,} "
                  f"customers, {d.both_scored:,} scored by both; rank correlation (Spearman) "
                  f"{d.spearman:.3f}")
    for title, frame, fmt in (("Tier transitions (customers)", d.counts, "{:,.0f}"),
                              ("Tier transitions (ARR)", d.arr, "${:,.0f}")):
        if frame is None:
            continue
        table = Table(title=title + ": old tier (rows) → new tier (columns)",
                      title_justify="left")
        table.add_column("old \\ new")
        for col in frame.columns:
            table.add_column(escape(str(col)), justify="right")
        for name, row in frame.iterrows():
            table.add_row(escape(str(name)), *(fmt.format(v) for v in row))
        console.print(table)
    dist = Table(title="Score distribution", title_justify="left")
    for col in ("", "p10", "p25", "median", "p75", "p90"):
        dist.add_column(col, justify="right")
    dist.add_row("old", *(f"{q:.1f}" for q in d.old_quantiles))
    dist.add_row("new", *(f"{q:.1f}" for q in d.new_quantiles))
    console.print(dist)
    movers = Table(title="Who moves most", title_justify="left")
    for col in ("customer", "old", "new", "change", "moved most by", "its points"):
        movers.add_column(col, justify="left" if col in ("customer", "moved most by")
                          else "right")
    for row in d.movers.itertuples():  # at most --top rows: display only
        movers.add_row(escape(str(row.name)), str(shown_score(row.old)),
                       str(shown_score(row.new)), f"{row.shown_change:+.0f}",
                       escape(row.signal_label), f"{row.signal_change:+.1f}")
    console.print(movers)
    console.print(f"Outreach list (top {d.outreach_top}): "
                  f"{len(d.entering)} enter ({escape(', '.join(d.entering['customer_id']))}), "
                  f"{len(d.leaving)} leave ({escape(', '.join(d.leaving['customer_id']))})")
