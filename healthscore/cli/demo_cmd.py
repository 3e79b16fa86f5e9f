"""`healthscore demo`: the whole job on a bundled, seeded sample portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console

DEMO_AS_OF = date(2026, 10, 31)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path(
            "healthscore-demo"),
        customers: Annotated[int, typer.Option(help="portfolio size")] = 300,
        seed: Annotated[int, typer.Option(help="random seed of the sample data")] = 7,
    ) -> None:
        """Generate a sample portfolio, score it and write every report into --out."""
        from healthscore.cli.summary import lowest_table, tier_table
        from healthscore.engine.run import score_run
        from healthscore.io.atomic import atomic_file
        from healthscore.outputs import summarize, write_outputs
        from healthscore.resources import bundled_weights
        from healthscore.sample import generate_customers

        table = generate_customers(customers, seed=seed, as_of=DEMO_AS_OF)
        data = out / "data" / "customers.csv"
        with atomic_file(data) as tmp:
            table.to_csv(tmp, index=False)
        weights = bundled_weights() / "default.yaml"
        run = score_run(data, weights, as_of=DEMO_AS_OF)
        written = write_outputs(run, out / "scores")
        summary = summarize(run)
        console.print(tier_table(summary))
        console.print(lowest_table(summary))
        console.print(f"[green]demo written to {out}/[/]: sample data {data}, weights "
                      f"{weights}, scores " + ", ".join(p.name for p in written))
