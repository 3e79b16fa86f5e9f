"""The template context: every variable a template can use, as pydantic models.

This is the contract with people who write their own templates, so it is explicit and
stable: fields are only added, never renamed or removed without a major version. Numbers
are the engine's numbers, unrounded (the number shown is the number used; templates round
for display). `docs/templates.md` is generated from these models (`python -m
healthscore.render.docs`) and a test fails if the two drift apart.

Links (`href`) are relative to the output root; every page gets `root`, the relative path
from that page back to the root (`""` or `"../"`), so `{{ root }}{{ customer.href }}`
works on every page and from disk.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["ok", "missing", "stale", "future", "off"]


class Model(BaseModel):
    """Immutable, and unknown fields are errors, so a typo in the builder fails loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TierInfo(Model):
    """One tier as configured in the weight file."""

    name: str = Field(description="tier name, e.g. `at risk`")
    color: str = Field(description="hex colour used for this tier everywhere")
    below: float | None = Field(description="exclusive upper score bound; None on the top tier")
    rank: int = Field(description="0 for the lowest tier; -1 for the insufficient-data tier")


class RunInfo(Model):
    """About the scoring run; the same on every page."""

    title: str = Field(description="report title (the weight file's `name`)")
    as_of: date = Field(description="date the scores describe")
    generated_at: datetime = Field(description="when these pages were rendered (UTC)")
    weights_name: str = Field(description="`name` of the weight file")
    weights_path: str | None = Field(description="weight file path, when loaded from a file")
    currency: str = Field(description="symbol put before ARR amounts")
    tiers: list[TierInfo] = Field(description="scored tiers, lowest first")
    insufficient: TierInfo = Field(description="the tier of customers without enough data")
    min_coverage: float = Field(description="coverage (0–1) below which there is no score")
    customer_count: int = Field(description="customers in the run")
    has_history: bool = Field(description="whether earlier runs were given (trends, movers)")
    version: str = Field(description="healthscore version that rendered the pages")
    dead_band: float = Field(
        0.0, description="a change smaller than this many points is steady: no arrow, no up or "
                         "down (the weight file's `trend.dead_band`; pass it to `change`)")
    stale: list[str] = Field(
        default_factory=list,
        description="sources scored although they end too long before the as-of date "
                    "(`run --allow-stale`), each a sentence; shown on every page")


class CustomerSummary(Model):
    """One customer's headline numbers: a table row, a scorecard header, an outreach line."""

    customer_id: str = Field(description="the id, as text")
    name: str = Field(description="display name (the id when the input has no name)")
    owner: str | None = Field(description="the CSM who owns the account")
    segment: str | None = Field(description="segment as given in the input")
    arr: float | None = Field(description="annual recurring revenue")
    profile: str = Field(description="weight-file profile applied (`default` or a segment)")
    parent_id: str | None = Field(description="id of the parent account, when it has one")
    score: float | None = Field(description="overall score 0–100; None when not scored")
    scored: bool = Field(description="False when coverage was below `min_coverage`")
    tier: str = Field(description="tier name")
    tier_color: str = Field(description="hex colour of the tier")
    tier_rank: int = Field(description="rank of the tier (0 lowest; -1 insufficient data)")
    coverage: float = Field(description="share of the weight that had usable data, 0–1")
    priority: float | None = Field(description="outreach priority (higher = call sooner)")
    change: int | None = Field(
        description="change of the shown score since a month ago (needs history), in points")
    drivers: list[str] = Field(description="labels of the signals pulling the score down most")
    reasons: list[str] = Field(
        description="the drivers in plain words, from the rule the engine applied")
    held: bool = Field(
        False, description="the score alone falls in another tier: the tier edge's "
                           "hysteresis (`trend.tier_margin`) kept the customer in its "
                           "previous tier until the score is clearly past the edge")
    stem: str = Field(description="safe file name stem of this customer's files")
    href: str = Field(description="scorecard HTML, relative to the output root")
    md_href: str = Field(description="scorecard Markdown, relative to the output root")


class SignalView(Model):
    """One signal on a scorecard."""

    key: str = Field(description="signal key in the weight file")
    label: str = Field(description="name shown to people")
    unit: str | None = Field(description="unit of the raw value, e.g. `%`")
    description: str | None = Field(description="what the signal measures")
    method: str | None = Field(
        description="how the raw value was computed from the exports, in words (None when "
                    "it was read from the customer table)")
    group: str | None = Field(description="key of the group it belongs to (None: top level)")
    raw: float | str | bool | None = Field(description="raw value read; None when missing")
    raw_text: str = Field(description="raw value formatted with its unit; `—` when missing")
    score: float | None = Field(description="its 0–100 score (None when missing)")
    weight: float = Field(description="share of the overall score it really had, 0–1")
    points: float | None = Field(description="contribution in points (weight × score)")
    max_points: float = Field(description="points it would give at a score of 100")
    lost_points: float = Field(description="max_points − points: what it costs the customer")
    status: Status = Field(description="ok, missing, stale, future or off")
    explanation: str = Field(description="the value and its rule in plain words")
    is_driver: bool = Field(description="whether it is one of the customer's drivers")


class GroupView(Model):
    """One group (groups nest; listed in tree order with their depth)."""

    key: str = Field(description="group key in the weight file")
    label: str = Field(description="name shown to people")
    depth: int = Field(description="0 for a top-level group, 1 inside another, …")
    parent: str | None = Field(description="key of the enclosing group")
    score: float | None = Field(description="group score 0–100 (None when no data)")
    weight: float = Field(description="share of the overall score, 0–1")
    points: float | None = Field(description="contribution to the overall score in points")
    max_points: float = Field(description="points at a group score of 100")
    signals: list[SignalView] = Field(description="signals directly in this group")


class DriverView(Model):
    """A signal that pulls the score down, most points lost first."""

    key: str = Field(description="signal key")
    label: str = Field(description="signal label")
    lost_points: float = Field(description="points below the maximum this signal could give")
    text: str = Field(description="plain-words explanation")


class TrendPoint(Model):
    """One run in a customer's history (the current run is the last point)."""

    as_of: date = Field(description="as-of date of that run")
    score: float | None = Field(description="score then (None when not scored)")
    tier: str = Field(description="tier then")
    tier_color: str = Field(description="colour of that tier (grey when no longer configured)")


class Trend(Model):
    """Score history of one customer; only present when history was given."""

    points: list[TrendPoint] = Field(description="oldest first, at most 12 months, ends today")
    previous: TrendPoint | None = Field(description="the latest earlier run")
    month_ago: TrendPoint | None = Field(
        description="the latest run at least one calendar month before the as-of date")
    change_since_previous: int | None = Field(
        description="shown score − previous run's shown score")
    change_month: int | None = Field(description="shown score − shown score a month ago")
    direction: str | None = Field(
        None, description="`up`, `down` or `steady` since the previous stored run (a move under "
                          "the weight file's `trend.dead_band` is steady); None when unknown")
    attribution: str | None = Field(
        None, description="the change since the previous stored run by signal, in whole points "
                          "adding up to the total, e.g. `−12: support −8, adoption −5, sentiment "
                          "+1`; None without a stored previous run")
    formula_change: float | None = Field(
        None, description="points of the change due to changed weights (the previous run "
                          "re-scored with the new ones); None when the weights did not change")
    window_change: float | None = Field(
        None, description="change over the weight file's `trend.window` (default 3 months)")
    runs_in_tier: int | None = Field(
        None, description="consecutive stored runs in the current tier, this one included")


class ParentView(Model):
    """A parent account's family roll-up (weight file `rollup:`): the parent's own account and
    its children, scored together."""

    parent_id: str = Field(description="the parent's customer id")
    name: str = Field(description="the parent's name (its id when unknown)")
    score: float | None = Field(
        description="rolled-up score of the family (None when no account of it is scored)")
    tier: str = Field(description="tier of the rolled-up score")
    tier_color: str = Field(description="hex colour of that tier")
    own_score: float | None = Field(
        default=None, description="the parent account's own score (None when it is not a "
                                  "customer or not scored), as on its scorecard")
    accounts: int = Field(default=0, description="accounts in the roll-up: the children, plus "
                                                 "the parent's own account when it is a customer")
    scored_accounts: int = Field(default=0, description="of which have a score")
    children: int = Field(description="child accounts")
    scored_children: int = Field(description="child accounts with a score")
    arr: float | None = Field(description="total ARR of the family, the parent's own included")
    method: str = Field(description="`mean` or `arr_weighted`")
    href: str | None = Field(description="the parent's own scorecard, when it is a customer too")


class ScorecardContext(Model):
    """Context of `scorecard.html.j2` and `scorecard.md.j2`."""

    root: str = Field(description="relative path from this page to the output root")
    run: RunInfo = Field(description="about the run")
    customer: CustomerSummary = Field(description="the customer's headline numbers")
    groups: list[GroupView] = Field(description="all groups in tree order")
    ungrouped: list[SignalView] = Field(description="signals outside any group")
    signals: list[SignalView] = Field(description="every signal, in weight-file order")
    drivers: list[DriverView] = Field(description="what pulls the score down, worst first")
    missing: list[SignalView] = Field(description="signals without usable data (missing, "
                                      "stale, future); `off` signals are not listed")
    off: list[SignalView] = Field(
        description="signals switched off for this customer's segment (profile)")
    trend: Trend | None = Field(description="None without history")
    family: ParentView | None = Field(
        default=None, description="when this customer is a parent account: its family's "
                                  "roll-up (its own account and its children, scored together)")
    children: list[CustomerSummary] = Field(
        default_factory=list, description="when this customer is a parent account: its child "
                                          "accounts, lowest score first")
    parent: ParentView | None = Field(
        default=None, description="when this customer is a child account: the roll-up of the "
                                  "family it belongs to")


class TierSummary(Model):
    """Customers and ARR in one tier."""

    tier: TierInfo = Field(description="the tier")
    count: int = Field(description="customers in the tier")
    share: float = Field(description="count / all customers, 0–1")
    arr: float = Field(description="sum of ARR in the tier")
    arr_share: float = Field(description="arr / total ARR, 0–1")


class HistogramPart(Model):
    """The customers of one histogram bin that are in one tier (the engine's tier)."""

    tier: str = Field(description="tier name")
    color: str = Field(description="hex colour of the tier")
    count: int = Field(description="scored customers of the bin in this tier")


class HistogramBin(Model):
    """Scored customers with lo ≤ score < hi (the last bin includes 100)."""

    lo: float = Field(description="lower bound (inclusive)")
    hi: float = Field(description="upper bound (exclusive, except 100)")
    count: int = Field(description="scored customers in the bin")
    color: str = Field(description="colour of the tier the bin's middle falls in")
    parts: list[HistogramPart] = Field(
        default_factory=list,
        description="the bin's customers per tier, lowest tier first, empty tiers left out: "
                    "a bin that spans a tier edge is drawn as a stack")


class Mover(Model):
    """A customer whose score changed most since a month ago."""

    customer: CustomerSummary = Field(description="the customer")
    previous_score: float = Field(description="score a month ago")
    change: int = Field(description="change of the shown score, points; positive is better")


class OwnerSummary(Model):
    """One owner's (CSM's) book of business."""

    owner: str = Field(description="the owner's name")
    customers: int = Field(description="customers they own")
    scored: int = Field(description="of which have a score")
    lowest_tier: int = Field(description="customers in the lowest tier (e.g. at risk)")
    arr: float = Field(description="total ARR they own")
    arr_lowest_tier: float = Field(description="their ARR at risk: ARR in the lowest tier")
    mean_score: float | None = Field(description="mean score of their scored customers")
    outreach_href: str | None = Field(
        description="their outreach list, relative to the root (None when not written)")


class PortfolioTotals(Model):
    """Headline numbers of the portfolio."""

    customers: int = Field(description="customers in the run")
    scored: int = Field(description="customers with a score")
    arr: float = Field(description="total ARR")
    mean_score: float | None = Field(description="mean score of scored customers")
    arr_weighted_score: float | None = Field(description="ARR-weighted mean score")
    arr_at_risk: float = Field(
        description="ARR at risk: the ARR of the customers in the lowest tier (e.g. `at risk`)"
                    "; the same figure the terminal prints under this name")


class TierShare(Model):
    """One tier in one stored run: the portfolio over time."""

    as_of: date = Field(description="as-of date of the run")
    tier: str = Field(description="tier name")
    color: str = Field(description="hex colour of the tier")
    customers: int = Field(description="customers in the tier")
    share: float = Field(description="customers / the run's customers, 0–1")
    arr: float = Field(description="ARR in the tier")
    arr_share: float = Field(description="arr / the run's ARR, 0–1")


class PortfolioContext(Model):
    """Context of `portfolio.html.j2` (written as `index.html`)."""

    root: str = Field(description="relative path from this page to the output root")
    run: RunInfo = Field(description="about the run")
    totals: PortfolioTotals = Field(description="headline numbers")
    tiers: list[TierSummary] = Field(description="lowest tier first, insufficient data last")
    histogram: list[HistogramBin] = Field(description="ten bins of ten points")
    movers_up: list[Mover] = Field(description="biggest improvements (empty without history)")
    movers_down: list[Mover] = Field(description="biggest drops (empty without history)")
    parents: list[ParentView] = Field(
        description="parent accounts, lowest score first (empty without roll-ups)")
    customers: list[CustomerSummary] = Field(description="all customers, lowest score first")
    owners: list[str] = Field(description="distinct owners, sorted")
    owner_summaries: list[OwnerSummary] = Field(
        description="per owner, most ARR in the lowest tier first")
    segments: list[str] = Field(description="distinct segments, sorted")
    outreach_href: str = Field(description="the outreach list, relative to the root")
    over_time: list[TierShare] = Field(
        default_factory=list, description="tier shares and ARR per tier run by run, oldest "
                                          "first (from the run store; empty without it)")


class OutreachEntry(Model):
    """One line of the outreach list."""

    rank: int = Field(description="1 = contact first, within this list (an owner's list ranks "
                                  "that owner's customers 1, 2, 3 …)")
    overall_rank: int = Field(0, description="the rank on the whole portfolio's list")
    customer: CustomerSummary = Field(description="the customer")
    priority: float = Field(description="the engine's priority value")
    change: int | None = Field(
        None, description="change of the shown score since the previous stored run; None "
                          "without one")
    why: list[str] = Field(
        default_factory=list,
        description="why to call, in words: what changed since the previous run (with the "
                    "values) first, then the weakest signals (the list's `why` column)")
    family: ParentView | None = Field(
        None, description="set when the entry is an account family (`outreach: {families: "
                          "true}`): its roll-up; `customer` is then the parent's own account "
                          "(its lowest-scored account when the parent is no customer)")
    members: list[CustomerSummary] = Field(
        default_factory=list, description="a family entry's accounts, lowest score first")


class OwnerList(Model):
    """Links to one owner's own outreach list."""

    owner: str = Field(description="the owner's name")
    count: int = Field(description="scored customers on the list")
    href: str = Field(description="HTML list, relative to the root")
    md_href: str = Field(description="Markdown list, relative to the root")
    csv_href: str = Field(description="CSV list, relative to the root")


class OutreachContext(Model):
    """Context of `outreach.html.j2` and `outreach.md.j2`."""

    root: str = Field(description="relative path from this page to the output root")
    run: RunInfo = Field(description="about the run")
    owner: str | None = Field(description="whose list this is; None for everyone's")
    priority_rule: str = Field(description="how priority is computed, in words")
    priority_in_money: bool = Field(
        description="priority is an amount (risk-weighted ARR, or ARR), not points")
    entries: list[OutreachEntry] = Field(description="ranked, highest priority first")
    needs_data: list[CustomerSummary] = Field(
        description="customers without a score (not ranked): collect data first")
    owner_lists: list[OwnerList] = Field(description="every owner's own list")
    portfolio_href: str = Field(description="the portfolio overview, relative to the root")
    csv_href: str = Field(description="this list as CSV, relative to the root")
    md_href: str = Field(description="this list as Markdown, relative to the root")
