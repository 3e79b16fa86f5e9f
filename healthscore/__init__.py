"""healthscore: customer health scores from raw exports, weight files and templates.

The public API a notebook user needs::

    import healthscore
    scores = healthscore.score(customers_df, "weights/default.yaml")
    run = healthscore.score_run("data/customers.csv", "weights/default.yaml")
    run.frame, run.tiers, run.outreach, run.rollups, run.warnings

`Run` is the one scoring path underneath (chunks into sinks); `RunResult` what it returns.
"""

from healthscore.engine import Run, RunResult, score, score_run
from healthscore.errors import (
    DataError,
    HealthscoreError,
    Problem,
    TemplateError,
    WeightFileError,
)
from healthscore.resources import bundled_templates, bundled_weights
from healthscore.version import __version__ as __version__
from healthscore.weights import WeightFile, check_files, load_weights


def __getattr__(name: str):
    """The signal and render stages load on first use (DuckDB, Jinja): `import healthscore`
    stays quick for scoring a ready table."""
    if name in ("compute_signals", "SignalTable"):
        from healthscore import signals

        return getattr(signals, name)
    if name in ("render_run", "RenderResult"):
        from healthscore import render

        return getattr(render, name)
    if name == "monthly_job":
        from healthscore.monthly import monthly_job

        return monthly_job
    raise AttributeError(f"module 'healthscore' has no attribute {name!r}")


__all__ = [
    "DataError",
    "RenderResult",
    "SignalTable",
    "TemplateError",
    "HealthscoreError",
    "Problem",
    "Run",
    "RunResult",
    "WeightFile",
    "WeightFileError",
    "bundled_templates",
    "bundled_weights",
    "check_files",
    "compute_signals",
    "load_weights",
    "monthly_job",
    "render_run",
    "score",
    "score_run",
]
