"""The portfolio overview's numbers: tier counts and ARR, histogram, movers, totals."""

from __future__ import annotations

from healthscore.render.context import (
    CustomerSummary,
    HistogramBin,
    Mover,
    PortfolioContext,
    PortfolioTotals,
    RunInfo,
    TierInfo,
    TierSummary,
    TrendPoint,
)
from healthscore.render.history import month_before

BINS = 10
MOVERS = 5


def tier_of(score: float, tiers: list[TierInfo]) -> TierInfo:
    """The first tier whose exclusive `below` the score is under (the engine's rule)."""
    for tier in tiers:
        if tier.below is None or score < tier.below:
            return tier
    return tiers[-1]


def portfolio_context(run: RunInfo, customers: list[CustomerSummary],
                      past: dict[str, list[TrendPoint]], outreach_href: str) -> PortfolioContext:
    total_arr = sum(c.arr or 0.0 for c in customers)
    n = len(customers)
    tiers = []
    for tier in [*run.tiers, run.insufficient]:
        members = [c for c in customers if c.tier == tier.name]
        arr = sum(c.arr or 0.0 for c in members)
        tiers.append(TierSummary(tier=tier, count=len(members), share=len(members) / n if n else 0,
                                 arr=arr, arr_share=arr / total_arr if total_arr else 0.0))

    scored = [c for c in customers if c.score is not None]
    counts = [0] * BINS
    for c in scored:
        counts[min(int(c.score // (100 / BINS)), BINS - 1) if c.score > 0 else 0] += 1
    width = 100 / BINS
    histogram = [HistogramBin(lo=i * width, hi=(i + 1) * width, count=counts[i],
                              color=tier_of((i + 0.5) * width, run.tiers).color
                              if run.tiers else "#6b7280") for i in range(BINS)]

    movers = []
    cutoff = month_before(run.as_of)
    for c in customers:
        if c.change is None:
            continue
        then = next(p for p in reversed(past[c.customer_id]) if p.as_of <= cutoff)
        movers.append(Mover(customer=c, previous_score=then.score, change=c.change))
    up = sorted((m for m in movers if m.change > 0), key=lambda m: (-m.change, m.customer.name))
    down = sorted((m for m in movers if m.change < 0), key=lambda m: (m.change, m.customer.name))

    weighted = [(c.score, c.arr) for c in scored if c.arr]
    arr_w = sum(a for _, a in weighted)
    lowest = run.tiers[0].name if run.tiers else None
    totals = PortfolioTotals(
        customers=n, scored=len(scored), arr=total_arr,
        mean_score=sum(c.score for c in scored) / len(scored) if scored else None,
        arr_weighted_score=sum(s * a for s, a in weighted) / arr_w if arr_w else None,
        arr_at_risk=sum(c.arr or 0.0 for c in customers if c.tier == lowest))

    ordered = sorted(customers, key=lambda c: (c.score is None, c.score or 0.0, c.name))
    return PortfolioContext(
        root="", run=run, totals=totals, tiers=tiers, histogram=histogram,
        movers_up=up[:MOVERS], movers_down=down[:MOVERS], customers=ordered,
        owners=sorted({c.owner for c in customers if c.owner}),
        segments=sorted({c.segment for c in customers if c.segment}),
        outreach_href="outreach/index.html")
