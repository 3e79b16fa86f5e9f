"""Runs compared over time: changes with a dead-band, attribution of a change to signals and
groups, the formula's share when the weights changed, tier-change events, time in tier,
churned accounts, the portfolio run by run, and volatility. Plain functions over the frames
the run store gives back (healthscore/store)."""

from healthscore.trends.attribution import (
    attribute,
    attribution_text,
    attribution_texts,
    formula_split,
    top_items,
)
from healthscore.trends.changes import changes, direction
from healthscore.trends.churn import churned_ids, split_churned
from healthscore.trends.events import tier_events, write_events
from healthscore.trends.portfolio import portfolio_over_time
from healthscore.trends.tenure import time_in_tier
from healthscore.trends.volatility import volatility
from healthscore.trends.webhook import post_events

__all__ = ["attribute", "attribution_text", "attribution_texts", "changes", "churned_ids",
           "direction", "formula_split", "portfolio_over_time", "post_events", "split_churned",
           "tier_events", "time_in_tier", "top_items", "volatility", "write_events"]
