"""`healthscore history CUSTOMER_ID`: one customer's stored runs, oldest first."""

from __future__ import annotations

from typing import Annotated

import typer

from healthscore.cli.app import console
from healthscore.cli.options import StoreOpt, WaitOpt


def register(app: typer.Typer) -> None:
    @app.command()
    def history(
        customer_id: Annotated[str, typer.Argument(help="the customer's id")],
        store: StoreOpt = None,
        wait: WaitOpt = 30,
    ) -> None:
        """Print one customer's score, tier and drivers in every stored run."""
        from rich.table import Table

        from healthscore.errors import DataError, Problem
        from healthscore.render.env import score as fmt_score
        from healthscore.render.env import signed
        from healthscore.store import customer_history, open_store

        with open_store(store, read_only=True, wait=wait) as opened:
            rows = customer_history(opened, customer_id)
            where = opened.where
        if rows.empty:
            raise DataError(Problem(f"customer `{customer_id}` is in no stored run",
                                    file=where))
        table = Table(title=f"{customer_id}: {len(rows)} stored run(s)", title_justify="left")
        several = rows["label"].nunique() > 1  # name the weight file only when it varies
        for name in ("as of", "score", "change", "tier", "run", "drivers",
                     *(["weights"] if several else [])):
            table.add_column(name, justify="right" if name in ("score", "change") else "left",
                             no_wrap=name in ("as of", "run"))
        change = rows["score"].diff()
        for i, row in rows.iterrows():
            drivers = ", ".join(d for d in (row["driver_1"], row["driver_2"], row["driver_3"])
                                if isinstance(d, str) and d)
            table.add_row(str(row["as_of"]), fmt_score(row["score"]),
                          signed(change[i]) if i else "", str(row["tier"]), str(row["run_id"]),
                          drivers, *([str(row["label"])] if several else []))
        console.print(table)
