"""The outreach list: who to contact first, overall and per owner, as HTML, Markdown and CSV.

Ranking uses the engine's `priority` column (the weight file decides what it means), highest
first; ties go to the lower score, then the name, so the order is stable run to run.
Customers without a score have no priority: they are listed apart as "collect data first",
because missing data is not bad health and must not be ranked as if it were.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from healthscore.errors import DataError, Problem
from healthscore.io.writers import csv_text
from healthscore.render.context import (
    CustomerSummary,
    OutreachContext,
    OutreachEntry,
    OwnerList,
    RunInfo,
)
from healthscore.render.names import safe_stem

OUTREACH_DIR = "outreach"
CSV_COLUMNS = ("rank", "customer_id", "name", "owner", "segment", "tier", "score", "arr",
               "priority", "change", "reasons", "scorecard")


def rank(customers: Iterable[CustomerSummary]) -> list[OutreachEntry]:
    """Scored customers with a priority, highest priority first."""
    ranked = sorted((c for c in customers if c.priority is not None and c.score is not None),
                    key=lambda c: (-c.priority, c.score, c.name, c.customer_id))
    return [OutreachEntry(rank=i, customer=c, priority=c.priority)
            for i, c in enumerate(ranked, start=1)]


def owner_stem(owner: str) -> str:
    return "owner-" + safe_stem(owner)


def owner_lists(customers: list[CustomerSummary], owners: Iterable[str] | None
                ) -> list[OwnerList]:
    """One list per owner (all owners, or the ones asked for), in name order."""
    present = sorted({c.owner for c in customers if c.owner})
    if owners is not None:
        unknown = [o for o in owners if o not in present]
        if unknown:
            raise DataError([Problem(_no_such_owner(o, present), key="owner") for o in unknown])
    chosen = present if owners is None else [o for o in present if o in set(owners)]
    out = []
    for owner in chosen:
        stem = f"{OUTREACH_DIR}/{owner_stem(owner)}"
        count = sum(1 for c in customers if c.owner == owner and c.priority is not None
                    and c.score is not None)
        out.append(OwnerList(owner=owner, count=count, href=f"{stem}.html", md_href=f"{stem}.md",
                             csv_href=f"{stem}.csv"))
    return out


def _no_such_owner(owner: str, present: list[str]) -> str:
    close = difflib.get_close_matches(owner, present, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else f"; owners are: {', '.join(present)}"
    return f"no customer is owned by `{owner}`{hint}"


def outreach_contexts(run: RunInfo, customers: list[CustomerSummary], priority_rule: str,
                      owners: Iterable[str] | None) -> list[tuple[str, OutreachContext]]:
    """(file stem relative to the root, context) for everyone's list and each owner's."""
    lists = owner_lists(customers, owners)
    jobs: list[tuple[str, str | None]] = [(f"{OUTREACH_DIR}/index", None)]
    jobs += [(ol.href.removesuffix(".html"), ol.owner) for ol in lists]
    out = []
    for stem, owner in jobs:
        mine = customers if owner is None else [c for c in customers if c.owner == owner]
        needs = sorted((c for c in mine if c.score is None),
                       key=lambda c: (-(c.arr or 0.0), c.name))
        out.append((stem, OutreachContext(
            root="../", run=run, owner=owner, priority_rule=priority_rule, entries=rank(mine),
            needs_data=needs, owner_lists=lists, portfolio_href="index.html",
            csv_href=f"{stem}.csv", md_href=f"{stem}.md")))
    return out


def _round(value: float | None, digits: int = 2) -> float | str:
    return "" if value is None else round(value, digits)


def outreach_csv(context: OutreachContext) -> str:
    """The ranked list as CSV (one row per entry), for spreadsheets and CRM imports; the one
    CSV rule neutralises formulas (healthscore.io.writers)."""
    return csv_text(CSV_COLUMNS, ((
        e.rank, e.customer.customer_id, e.customer.name, e.customer.owner or "",
        e.customer.segment or "", e.customer.tier, _round(e.customer.score),
        _round(e.customer.arr), _round(e.priority), _round(e.customer.change),
        "; ".join(e.customer.reasons), e.customer.href) for e in context.entries))
