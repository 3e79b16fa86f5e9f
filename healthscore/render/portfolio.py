"""The portfolio overview's numbers: tier counts and ARR, histogram, movers, totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.engine.tiers import tier_index
from healthscore.render.build import as_float, clean
from healthscore.render.context import (
    CustomerSummary,
    HistogramBin,
    HistogramPart,
    Mover,
    OwnerSummary,
    ParentView,
    PortfolioContext,
    PortfolioTotals,
    RunInfo,
    TierSummary,
    TrendPoint,
)
from healthscore.render.history import month_before
from healthscore.render.meta import UNKNOWN_TIER_COLOR
from healthscore.render.outreach import owner_stem

BINS = 10
MOVERS = 5


def parent_views(rollups: pd.DataFrame | None, customers: list[CustomerSummary],
                 tier_colors: dict[str, str]) -> list[ParentView]:
    """The engine's roll-up frame as context rows, linked to parents that are customers."""
    if rollups is None or len(rollups) == 0:
        return []
    by_id = {c.customer_id: c for c in customers}
    out = []
    for row in rollups.to_dict("records"):
        pid = str(row["parent_id"])
        own = by_id.get(pid)
        name = clean(row.get("name")) or (own.name if own else pid)
        tier = str(clean(row.get("tier")) or "")
        children = int(as_float(row.get("children")) or 0)
        scored_children = int(as_float(row.get("scored_children")) or 0)
        out.append(ParentView(
            parent_id=pid, name=str(name), score=as_float(row.get("score")), tier=tier,
            tier_color=tier_colors.get(tier, UNKNOWN_TIER_COLOR),
            own_score=as_float(row.get("own_score")),
            accounts=int(as_float(row.get("accounts")) or children),
            scored_accounts=int(as_float(row.get("scored_accounts")) or scored_children),
            children=children, scored_children=scored_children,
            arr=as_float(row.get("arr")), method=str(clean(row.get("method")) or ""),
            href=own.href if own else None))
    return sorted(out, key=lambda p: (p.score is None, p.score or 0.0, p.name))


def family_fields(parents: list[ParentView], customers: list[CustomerSummary]
                  ) -> dict[str, dict[str, object]]:
    """customer id → the scorecard fields about its account family (`family` and `children`
    for a parent, `parent` for a child); customers in no family are left out."""
    if not parents:
        return {}
    by_id = {p.parent_id: p for p in parents}
    kids: dict[str, list[CustomerSummary]] = {}
    for c in customers:
        if c.parent_id in by_id and c.parent_id != c.customer_id:
            kids.setdefault(c.parent_id, []).append(c)
    out: dict[str, dict[str, object]] = {}
    for c in customers:
        fields: dict[str, object] = {}
        if c.customer_id in by_id:
            fields["family"] = by_id[c.customer_id]
            fields["children"] = sorted(kids.get(c.customer_id, []),
                                        key=lambda k: (k.score is None, k.score or 0.0, k.name))
        if c.parent_id in by_id and c.parent_id != c.customer_id:
            fields["parent"] = by_id[c.parent_id]
        if fields:
            out[c.customer_id] = fields
    return out


def owner_summaries(customers: list[CustomerSummary], lowest: str | None,
                    listed: set[str] | None = None) -> list[OwnerSummary]:
    """Each owner's book: counts, ARR and ARR in the lowest tier (biggest exposure first)."""
    books: dict[str, list[CustomerSummary]] = {}
    for c in customers:
        if c.owner:
            books.setdefault(c.owner, []).append(c)
    out = []
    for owner, book in books.items():
        scores = [c.score for c in book if c.score is not None]
        low = [c for c in book if c.tier == lowest]
        out.append(OwnerSummary(
            owner=owner, customers=len(book), scored=len(scores), lowest_tier=len(low),
            arr=sum(c.arr or 0.0 for c in book),
            arr_lowest_tier=sum(c.arr or 0.0 for c in low),
            mean_score=sum(scores) / len(scores) if scores else None,
            outreach_href=(f"outreach/{owner_stem(owner)}.html"
                           if listed is None or owner in listed else None)))
    return sorted(out, key=lambda o: (-o.arr_lowest_tier, o.owner))


def histogram_bins(scored: list[CustomerSummary], run: RunInfo) -> list[HistogramBin]:
    """Ten bins of ten points, each split by the tier the engine gave its customers, so a bin
    that straddles a tier edge (70–80 with watch below 75) shows both tiers' customers."""
    width = 100 / BINS
    scores = np.array([c.score for c in scored], dtype="float64")
    where = np.clip((scores // width).astype(int), 0, BINS - 1)
    names = np.array([c.tier for c in scored], dtype=object)
    limits = [t.below for t in run.tiers[:-1]]
    mids = tier_index((np.arange(BINS) + 0.5) * width, limits)
    per_tier = [(t, np.bincount(where[names == t.name], minlength=BINS)) for t in run.tiers]
    total = np.bincount(where, minlength=BINS)
    return [HistogramBin(
        lo=i * width, hi=(i + 1) * width, count=int(total[i]),
        color=run.tiers[mids[i]].color if run.tiers else "#6b7280",
        parts=[HistogramPart(tier=t.name, color=t.color, count=int(n[i]))
               for t, n in per_tier if n[i]]) for i in range(BINS)]


def portfolio_context(run: RunInfo, customers: list[CustomerSummary],
                      past: dict[str, list[TrendPoint]], outreach_href: str,
                      parents: list[ParentView] | None = None,
                      listed_owners: set[str] | None = None, *,
                      tier_totals: pd.DataFrame) -> PortfolioContext:
    """`tier_totals`: the run's customers and ARR per tier (`RunResult.tiers`), the figures
    the terminal and run.json show too."""
    total_arr = float(tier_totals["arr"].sum())
    n = len(customers)
    tiers = []
    for tier in [*run.tiers, run.insufficient]:
        count = int(tier_totals["customers"].get(tier.name, 0))
        arr = float(tier_totals["arr"].get(tier.name, 0.0))
        tiers.append(TierSummary(tier=tier, count=count, share=count / n if n else 0,
                                 arr=arr, arr_share=arr / total_arr if total_arr else 0.0))

    scored = [c for c in customers if c.score is not None]
    histogram = histogram_bins(scored, run)

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
        arr_at_risk=float(tier_totals["arr"].get(lowest, 0.0)) if lowest else 0.0)

    ordered = sorted(customers, key=lambda c: (c.score is None, c.score or 0.0, c.name))
    owners = sorted({c.owner for c in customers if c.owner})
    return PortfolioContext(
        root="", run=run, totals=totals, tiers=tiers, histogram=histogram,
        movers_up=up[:MOVERS], movers_down=down[:MOVERS], parents=parents or [],
        customers=ordered,
        owners=owners, owner_summaries=owner_summaries(customers, lowest, listed_owners),
        segments=sorted({c.segment for c in customers if c.segment}),
        outreach_href="outreach/index.html")
