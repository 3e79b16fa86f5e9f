"""`healthscore history CUSTOMER_ID`: one customer's stored runs, oldest first."""

from __future__ import annotations

from typing import Annotated

import typer

from healthscore.cli.app import console, escape
from healthscore.cli.options import StoreOpt, WaitOpt


def register(app: typer.Typer) -> None:
    @app.command()
    def history(
        customer_id: Annotated[str, typer.Argument(help="the customer's id")],
        store: StoreOpt = None,
        wait: WaitOpt = 30,
    ) -> None:
        """Print one customer's score, tier and drivers in every stored run."""
        import pandas as pd
        from rich.table import Table

        from healthscore.engine.display import shown_scores
        from healthscore.errors import DataError, Problem
        from healthscore.render.env import score as fmt_score
        from healthscore.render.env import signed
        from healthscore.store import customer_history, open_store, run_labels

        with open_store(store, read_only=True, wait=wait) as opened:
            rows = customer_history(opened, customer_id)
            where = opened.where
            labels = run_labels(opened, rows["run_id"].unique().tolist())
        if rows.empty:
            raise DataError(Problem(f"customer `{customer_id}` is in no stored run",
                                    file=where))
        table = Table(title=f"{escape(customer_id)}: {len(rows)} stored run(s)",
                      title_justify="left")
        several = rows["label"].nunique() > 1  # name the weight file only when it varies
        for name in ("as of", "score", "change", "tier", "run", "drivers",
                     *(["weights"] if several else [])):
            table.add_column(name, justify="right" if name in ("score", "change") else "left",
                             no_wrap=name in ("as of", "run"))
        # the change every page shows: the difference of the shown scores
        change = pd.Series(shown_scores(rows["score"].to_numpy())).diff()
        for i, row in rows.iterrows():
            named = labels.get(row["run_id"], {})
            drivers = ", ".join(named.get(d, d) for d in (row["driver_1"], row["driver_2"],
                                                          row["driver_3"])
                                if isinstance(d, str) and d)
            moved = signed(int(change[i])) if i and change[i] == change[i] else ""
            table.add_row(str(row["as_of"]), fmt_score(row["score"]), moved,
                          escape(row["tier"]), escape(row["run_id"]), escape(drivers),
                          *([escape(row["label"])] if several else []))
        console.print(table)
