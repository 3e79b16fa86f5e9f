"""`healthscore backtest`: how well did past scores predict what happened next?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
    def backtest(
        weights: WeightsOpt,
        outcomes: OutcomesOpt,
        customers: HistoryOpt = None,
        data: DataOpt = None,
        as_of: LastOpt = None,
        months: MonthsOpt = 12,
        outcomes_table: OutcomesTableOpt = "outcomes",
        horizon: HorizonOpt = "90d",
        event: EventOpt = "churned",
        observed_until: UntilOpt = None,
        bootstrap: Annotated[int, typer.Option(
            help="bootstrap rounds for the AUC intervals")] = 200,
        out: Annotated[Path, typer.Option("--out", "-o", help="folder for backtest.json and "
                                                              "backtest.html")] = Path("backtest"),
        store: Annotated[str | None, typer.Option(
            "--store", help="judge the runs recorded in this run store (a SQLite file or a "
                            "postgresql:// URL) with this weight file's name")] = None,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Judge the scores of past runs against outcomes; writes backtest.json and .html."""
        from healthscore.evidence.backtest import backtest as run_backtest
        from healthscore.evidence.outcomes import read_outcomes
        from healthscore.evidence.report import write_backtest
        from healthscore.weights.load import load_weights

        chosen = events(event)  # a bad option value stops the run before any work
        wf = load_weights(weights, confine=not allow_outside)
        table = read_outcomes(outcomes, table=outcomes_table, formats=wf.formats)
        source = panel_source(customers, data, as_of, months, store)
        with console.status("scoring the past runs"):
            bt = run_backtest(source(wf), table, wf, horizon=horizon, event=chosen,
                              observed_until=observed_until, rounds=max(bootstrap, 1))
        show_backtest(bt)
        paths = write_backtest(bt, out, {t.name: t.color for t in wf.tiers})
        console.print("wrote " + escape(", ".join(str(p) for p in paths)))


def show_backtest(bt) -> None:
    ov = bt.overall
    console.print(
        f"[bold]{escape(bt.weights)}[/]: {' or '.join(bt.event)} within {bt.horizon}; runs as "
        f"of {bt.as_of_dates[0]} to {bt.as_of_dates[-1]}; {ov.rows:,} judged, {ov.events:,} "
        f"with the outcome ({ov.base_rate:.1%})")
    console.print(f"ROC AUC [bold]{ov.auc.auc:.3f}[/] (95% interval {ov.auc.low:.3f}–"
                  f"{ov.auc.high:.3f}); lowest-decile lift {ov.lift_lowest_decile:.2f}")
    tiers = Table(title="Per tier", title_justify="left")
    for col in ("tier", "runs", "outcome", "rate", "precision", "recall"):
        tiers.add_column(col, justify="left" if col == "tier" else "right")
    for t in ov.tiers:
        tiers.add_row(escape(t.tier), f"{t.customers:,}", f"{t.events:,}", _pct(t.rate),
                      _pct(t.precision), _pct(t.recall))
    console.print(tiers)
    console.print("precision, recall: this tier and every lower one taken as at risk")
    bands = Table(title="Calibration per score band", title_justify="left")
    for col in ("score", "runs", "observed", "predicted"):
        bands.add_column(col, justify="right")
    for b in ov.bands:
        if b.customers:
            bands.add_row(f"{b.low:.0f}–{b.high:.0f}", f"{b.customers:,}", _pct(b.observed),
                          _pct(b.predicted))
    console.print(bands)
    signals = Table(title="Per signal", title_justify="left")
    for col in ("signal", "runs", "AUC", "95% interval", "verdict"):
        signals.add_column(col, justify="left" if col in ("signal", "verdict") else "right")
    for s in bt.signals:
        signals.add_row(escape(s.label), f"{s.rows:,}", f"{s.auc.auc:.3f}",
                        f"{s.auc.low:.3f}–{s.auc.high:.3f}", s.verdict)
    console.print(signals)


def _pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.1%}"
