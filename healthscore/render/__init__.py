"""Rendering: scorecards, the portfolio overview and outreach lists from a scored run.

`render_run(run, out_dir)` is the entry point; the template context models in
`healthscore.render.context` are the documented contract for custom templates
(`docs/templates.md`).
"""

from healthscore.render.api import RenderResult, render_run
from healthscore.render.context import (
    CustomerSummary,
    OutreachContext,
    PortfolioContext,
    ScorecardContext,
)
from healthscore.render.env import builtin_template_dir
from healthscore.render.names import safe_stem, safe_stems

__all__ = [
    "CustomerSummary",
    "OutreachContext",
    "PortfolioContext",
    "RenderResult",
    "ScorecardContext",
    "builtin_template_dir",
    "render_run",
    "safe_stem",
    "safe_stems",
]
