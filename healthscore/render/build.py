"""Scored frame → template contexts.

Columns are pulled out of the frame once per chunk as Python lists (NaN → None), then each
customer's context is assembled from list look-ups: no per-row pandas access, which would
dominate the render time at 10,000 customers. Models are validated on construction
(pydantic-core makes that ~2 µs per signal, cheaper than `model_construct`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pandas as pd

from healthscore.engine.frame import GROUP_PARTS, driver_column
from healthscore.engine.frame import column as item_column
from healthscore.engine.tiers import tier_at
from healthscore.engine.wording import explain, fmt_raw
from healthscore.render.context import (
    CustomerSummary,
    DriverView,
    GroupView,
    RunInfo,
    ScorecardContext,
    SignalView,
    TrendPoint,
)
from healthscore.render.history import make_trend, month_change
from healthscore.render.meta import UNKNOWN_TIER_COLOR, RenderMeta

SCORECARD_DIR = "customers"
DRIVER_COLUMNS = tuple(driver_column(j) for j in (1, 2, 3))  # the pages show three


def clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a Python list with every kind of missing value turned into None."""
    if name not in frame.columns:
        return [None] * len(frame)
    series = frame[name]
    if series.dtype.kind == "f":  # the common case, without a function call per value
        return [None if v != v else v for v in series.tolist()]
    return [clean(v) for v in series.tolist()]


def numbers(frame: pd.DataFrame, name: str) -> list[float | None]:
    """A numeric column as Python floats or None (the engine's score/weight/points)."""
    return [None if v is None else float(v) for v in column(frame, name)]


def as_text(value: Any) -> str | None:
    value = clean(value)
    return None if value is None or value == "" else str(value)


def as_float(value: Any) -> float | None:
    value = clean(value)
    return None if value is None else float(value)


def _explain(meta: RenderMeta, profile: str, key: str, raw: Any, score: float | None,
             status: str) -> str:
    """One signal in the run's own words (engine/wording.py: the sentences of `reasons`)."""
    fn = meta.wording.explainer_for(profile, key)
    if fn is None:  # not in this customer's profile: switched off for the segment
        return explain(meta.label(profile, key), meta.signals[key].unit, raw, score, "off")
    return fn(raw, score, status)


def _explain_signal(meta: RenderMeta, cols: dict[str, list[Any]], key: str, i: int,
                    profile: str) -> str:
    raw, score = cols["raw"][i], as_float(cols["score"][i])
    status = as_text(cols["status"][i]) or ("ok" if score is not None else "missing")
    if hasattr(raw, "item"):
        raw = raw.item()
    return _explain(meta, profile, key, raw, score, status)


def customer_summaries(frame: pd.DataFrame, meta: RenderMeta, stems: dict[str, str],
                       past: dict[str, list[TrendPoint]], as_of: Any) -> list[CustomerSummary]:
    """One summary per row, in frame order."""
    colors, ranks = meta.tier_colors, meta.tier_ranks
    limits = [t.below for t in meta.tiers[:-1]]
    names = [t.name for t in meta.tiers]
    cols = {c: column(frame, c) for c in (
        "customer_id", "name", "owner", "segment", "arr", "profile", "parent_id", "score",
        "tier",
        "coverage", "priority", *DRIVER_COLUMNS)}
    driver_keys = {d for c in DRIVER_COLUMNS for d in cols[c] if isinstance(d, str) and d}
    sig_cols = {k: {p: column(frame, item_column(k, p)) for p in ("raw", "score", "status")}
                for k in driver_keys}
    out = []
    for i in range(len(frame)):
        cid = str(cols["customer_id"][i])
        score = as_float(cols["score"][i])
        tier = as_text(cols["tier"][i]) or meta.insufficient.name
        stem = stems[cid]
        keys = [d for d in (as_text(cols[c][i]) for c in DRIVER_COLUMNS) if d]
        profile = as_text(cols["profile"][i]) or "default"
        drivers = [meta.label(profile, d) for d in keys]
        # the engine's sentences: `reasons` in scores.csv words each driver the same way
        reasons = [_explain_signal(meta, sig_cols[k], k, i, profile) for k in keys]
        out.append(CustomerSummary(
            customer_id=cid, name=as_text(cols["name"][i]) or cid,
            owner=as_text(cols["owner"][i]), segment=as_text(cols["segment"][i]),
            arr=as_float(cols["arr"][i]), profile=profile, parent_id=as_text(cols["parent_id"][i]),
            score=score, scored=score is not None, tier=tier,
            tier_color=colors.get(tier, UNKNOWN_TIER_COLOR), tier_rank=ranks.get(tier, -1),
            coverage=as_float(cols["coverage"][i]) or 0.0, priority=as_float(cols["priority"][i]),
            change=month_change(past.get(cid), as_of, score),
            drivers=drivers, reasons=reasons, stem=stem,
            held=score is not None and names[tier_at(score, limits)] != tier,
            href=f"{SCORECARD_DIR}/{stem}.html", md_href=f"{SCORECARD_DIR}/{stem}.md"))
    return out


def scorecard_contexts(frame: pd.DataFrame, summaries: list[CustomerSummary], meta: RenderMeta,
                       run: RunInfo, past: dict[str, list[TrendPoint]],
                       changes: dict[str, dict] | None = None,
                       ) -> Iterator[ScorecardContext]:
    """Scorecard contexts for the rows of `frame` (summaries in the same order)."""
    sig_cols = {k: {"raw": column(frame, item_column(k, "raw")),
                    "status": column(frame, item_column(k, "status")),
                    **{p: numbers(frame, item_column(k, p)) for p in ("score", "weight", "points")}}
                for k in meta.signals}
    grp_cols = {g: {p: numbers(frame, item_column(g, p)) for p in GROUP_PARTS}
                for g in meta.group_keys}
    driver_cols = [column(frame, c) for c in DRIVER_COLUMNS]
    for i, customer in enumerate(summaries):
        tree = meta.trees[customer.profile]
        driver_keys = [d for d in (as_text(col[i]) for col in driver_cols) if d]
        views: dict[str, SignalView] = {}
        groups_of = {s: g.key for g in tree.groups for s in g.signals}
        for key, sm in meta.signals.items():
            c = sig_cols[key]
            raw, score = c["raw"][i], c["score"][i]
            weight = c["weight"][i] or 0.0
            points = c["points"][i]
            status = c["status"][i] or ("ok" if score is not None else "missing")
            if hasattr(raw, "item"):
                raw = raw.item()  # numpy scalar → Python
            views[key] = SignalView(
                key=key, label=meta.label(customer.profile, key), unit=sm.unit,
                description=sm.description, method=sm.method, group=groups_of.get(key),
                raw=raw, raw_text=fmt_raw(raw, sm.unit), score=score,
                weight=weight, points=points, max_points=weight * 100,
                lost_points=max(weight * 100 - (points or 0.0), 0.0), status=status,
                explanation=_explain(meta, customer.profile, key, raw, score, status),
                is_driver=key in driver_keys)
        groups = []
        for g in tree.groups:
            c = grp_cols[g.key]
            gw = c["weight"][i] or 0.0
            groups.append(GroupView(
                key=g.key, label=g.label, depth=g.depth, parent=g.parent,
                score=c["score"][i], weight=gw, points=c["points"][i],
                max_points=gw * 100, signals=[views[s] for s in g.signals]))
        drivers = [DriverView(key=k, label=views[k].label, lost_points=views[k].lost_points,
                              text=views[k].explanation) for k in driver_keys if k in views]
        trend = None
        if run.has_history:
            current = TrendPoint(as_of=run.as_of, score=customer.score, tier=customer.tier,
                                 tier_color=customer.tier_color)
            trend = make_trend(past.get(customer.customer_id, []), current)
            if changes and customer.customer_id in changes:  # from the run store
                trend = trend.model_copy(update=changes[customer.customer_id])
        yield ScorecardContext(
            root="../", run=run, customer=customer, groups=groups,
            ungrouped=[views[k] for k in tree.ungrouped], signals=list(views.values()),
            drivers=drivers,
            missing=[v for v in views.values() if v.status in ("missing", "stale", "future")],
            off=[v for v in views.values() if v.status == "off"],
            trend=trend)
