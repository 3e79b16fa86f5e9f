"""`healthscore tune`: fit weights to outcomes and write them as a new weight file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console, escape
from healthscore.cli.evidence_inputs import (
    DataOpt,
    EventOpt,
    HistoryOpt,
    HorizonOpt,
    LastOpt,
    MonthsOpt,
    OutcomesOpt,
    OutcomesTableOpt,
    UntilOpt,
    events,
    panel_source,
)
from healthscore.cli.options import AllowOutsideOpt, WeightsOpt


def register(app: typer.Typer) -> None:
    @app.command()
    def tune(
        weights: WeightsOpt,
        outcomes: OutcomesOpt,
        out: Annotated[Path, typer.Option("--out", "-o", help="the new weight file to write; "
                                                              "must not exist")],
        customers: HistoryOpt = None,
        data: DataOpt = None,
        as_of: LastOpt = None,
        months: MonthsOpt = 12,
        outcomes_table: OutcomesTableOpt = "outcomes",
        horizon: HorizonOpt = "90d",
        event: EventOpt = "churned",
        observed_until: UntilOpt = None,
        validate_from: Annotated[datetime | None, typer.Option(
            formats=["%Y-%m-%d"], help="fit on runs before this date, validate on the rest "
                                       "(default: the last third of the dates)")] = None,
        l1: Annotated[float, typer.Option(help="L1 penalty on the weights")] = 0.0,
        l2: Annotated[float, typer.Option(help="L2 penalty on the weights")] = 1e-3,
        expected_loss: Annotated[bool, typer.Option(
            "--expected-loss", help="set `priority: expected_loss` with the probabilities "
                                    "the validation backtest measured per score band")] = False,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Fit weights, directions, bounds and transforms; writes a NEW weight file."""
        from healthscore.evidence.outcomes import read_outcomes
        from healthscore.evidence.tune import check_penalties
        from healthscore.evidence.tune import tune as run_tune
        from healthscore.weights.load import load_weights

        check_penalties(l1, l2)
        chosen = events(event)  # a bad option value stops the run before any work
        wf = load_weights(weights, confine=not allow_outside)
        table = read_outcomes(outcomes, table=outcomes_table, formats=wf.formats)
        source = panel_source(customers, data, as_of, months)
        with console.status("fitting"):
            result = run_tune(source, table, wf, out, horizon=horizon, event=chosen,
                              observed_until=observed_until,
                              validate_from=validate_from.date() if validate_from else None,
                              l1=l1, l2=l2, expected_loss=expected_loss, data_dir=data)
        for line in result.header[1:]:
            console.print(escape(line), soft_wrap=True)
        gain = result.after.overall.auc.auc - result.before.overall.auc.auc
        console.print(f"[green]wrote {escape(str(result.path))}[/]: out-of-period ROC AUC "
                      f"{result.before.overall.auc.auc:.3f} → "
                      f"{result.after.overall.auc.auc:.3f} ({gain:+.3f})")
