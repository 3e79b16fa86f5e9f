"""The outreach list: who to contact first, overall and per owner, as HTML, Markdown and CSV.

The list is the run's own (`RunResult.outreach`, engine/outreach.py decides who is on it and
in which order): the pages show its rows in its order, each owner's list is its rows of that
owner, and the CSVs are its rows with its columns, written by the same table writer as
`scores/outreach.csv`. Customers without a score are listed apart as "collect data first",
because missing data is not bad health and must not be ranked as if it were.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.render.context import (
    CustomerSummary,
    OutreachContext,
    OutreachEntry,
    OwnerList,
    ParentView,
    RunInfo,
)
from healthscore.render.names import safe_stem

OUTREACH_DIR = "outreach"


def entries(outreach: pd.DataFrame, by_id: dict[str, CustomerSummary],
            parents: dict[str, ParentView] | None = None) -> list[OutreachEntry]:
    """The list's rows (`own_rows`) as page entries, in the run's order; a family's row
    (`outreach: {families: true}`) carries its roll-up and its accounts."""
    parents = parents or {}
    if "family" in outreach and outreach["family"].fillna(False).astype(bool).any():
        return _with_families(outreach, by_id, parents)
    ids = outreach["customer_id"].astype(str).tolist()
    change = outreach["change"] if "change" in outreach else pd.Series(float("nan"),
                                                                       index=outreach.index)
    changes = [None if c != c else int(c) for c in change.tolist()]
    why = outreach["why"].fillna("").astype(str) if "why" in outreach else \
        pd.Series("", index=outreach.index)
    overall = outreach["overall_rank"] if "overall_rank" in outreach else outreach["rank"]
    return [OutreachEntry(rank=r, overall_rank=o, customer=by_id[cid], priority=p, change=c,
                          why=[w for w in text.split("; ") if w])
            for r, o, cid, p, c, text in zip(
                outreach["rank"].tolist(), overall.tolist(), ids,
                outreach["priority"].tolist(), changes, why.tolist(), strict=True)]


def _with_families(outreach: pd.DataFrame, by_id: dict[str, CustomerSummary],
                   parents: dict[str, ParentView]) -> list[OutreachEntry]:
    plain = entries(outreach.assign(family=False), by_id | _stand_ins(outreach, by_id))
    out = []
    for entry, is_family, members in zip(plain, outreach["family"].fillna(False).tolist(),
                                         outreach["members"].fillna("").tolist(), strict=True):
        if not is_family:
            out.append(entry)
            continue
        accounts = [by_id[m] for m in str(members).split("; ") if m in by_id]
        parent = entry.customer.customer_id
        own = by_id.get(parent) or (accounts[0] if accounts else entry.customer)
        out.append(entry.model_copy(update={
            "family": parents.get(parent), "members": accounts, "customer": own}))
    return out


def _stand_ins(outreach: pd.DataFrame, by_id: dict[str, CustomerSummary]
               ) -> dict[str, CustomerSummary]:
    """A family whose parent is no customer has no summary of its own: its lowest-scored
    account stands in (the entry shows the family's own numbers)."""
    out = {}
    rows = outreach[outreach["family"].fillna(False).astype(bool)]
    for cid, members in zip(rows["customer_id"].astype(str), rows["members"].fillna(""),
                            strict=True):
        if cid not in by_id:
            first = next((m for m in str(members).split("; ") if m in by_id), None)
            if first is not None:
                out[cid] = by_id[first].model_copy(update={"customer_id": cid})
    return out


def own_rows(outreach: pd.DataFrame, owner: str | None) -> pd.DataFrame:
    """One list's rows: everyone's (the run's list as it is, the rows of
    `scores/outreach.csv`), or one owner's ranked within the owner (1, 2, 3 …) with each
    row's `overall_rank` on the whole list next to it."""
    if owner is None:
        return outreach
    rows = outreach[outreach["owner"] == owner].copy()
    rows.insert(rows.columns.get_loc("rank") + 1, "overall_rank", rows["rank"].to_numpy())
    rows["rank"] = range(1, len(rows) + 1)
    return rows.reset_index(drop=True)


def owner_stem(owner: str) -> str:
    return "owner-" + safe_stem(owner)


def owner_lists(customers: list[CustomerSummary], outreach: pd.DataFrame,
                owners: Iterable[str] | None) -> list[OwnerList]:
    """One list per owner (all owners, or the ones asked for), in name order."""
    present = sorted({c.owner for c in customers if c.owner})
    if owners is not None:
        unknown = [o for o in owners if o not in present]
        if unknown:
            raise DataError([Problem(_no_such_owner(o, present), key="owner") for o in unknown])
    chosen = present if owners is None else [o for o in present if o in set(owners)]
    counts = outreach["owner"].value_counts() if "owner" in outreach else pd.Series(dtype=int)
    out = []
    for owner in chosen:
        stem = f"{OUTREACH_DIR}/{owner_stem(owner)}"
        out.append(OwnerList(owner=owner, count=int(counts.get(owner, 0)), href=f"{stem}.html",
                             md_href=f"{stem}.md", csv_href=f"{stem}.csv"))
    return out


def _no_such_owner(owner: str, present: list[str]) -> str:
    close = difflib.get_close_matches(owner, present, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else f"; owners are: {', '.join(present)}"
    return f"no customer is owned by `{owner}`{hint}"


def outreach_contexts(run: RunInfo, customers: list[CustomerSummary], outreach: pd.DataFrame,
                      priority_rule: str, priority_in_money: bool,
                      owners: Iterable[str] | None, parents: list[ParentView] | None = None
                      ) -> list[tuple[str, OutreachContext, pd.DataFrame]]:
    """(file stem relative to the root, context, the list's rows) for everyone's list and
    each owner's."""
    lists = owner_lists(customers, outreach, owners)
    by_id = {c.customer_id: c for c in customers}
    families = {p.parent_id: p for p in parents or []}
    jobs: list[tuple[str, str | None]] = [(f"{OUTREACH_DIR}/index", None)]
    jobs += [(ol.href.removesuffix(".html"), ol.owner) for ol in lists]
    out = []
    for stem, owner in jobs:
        rows = own_rows(outreach, owner)
        mine = customers if owner is None else [c for c in customers if c.owner == owner]
        needs = sorted((c for c in mine if c.score is None),
                       key=lambda c: (-(c.arr or 0.0), c.name))
        out.append((stem, OutreachContext(
            root="../", run=run, owner=owner, priority_rule=priority_rule,
            priority_in_money=priority_in_money,
            entries=entries(rows, by_id, families), needs_data=needs, owner_lists=lists,
            portfolio_href="index.html", csv_href=f"{stem}.csv", md_href=f"{stem}.md"), rows))
    return out
