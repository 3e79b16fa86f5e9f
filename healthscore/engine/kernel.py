"""The scoring kernel: one customer table chunk in, one scored chunk out.

Everything that needs the whole portfolio (percentile peer values) is computed once into a
`Plan`; `score_frame` then depends only on its chunk and the plan, so it can run per
partition (Parquet row groups today, Dask partitions later) and give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthscore.engine import explain, tiers
from healthscore.engine.combine import combine
from healthscore.engine.normalise import score_values
from healthscore.engine.prepare import CARRIED, all_signals, column_of
from healthscore.weights.durations import parse_duration
from healthscore.weights.model import SignalSpec, WeightFile
from healthscore.weights.profiles import Profile

STATUSES = ["ok", "missing", "stale", "future", "off"]
OK, MISSING, STALE, FUTURE, OFF = range(5)


@dataclass
class Plan:
    """Everything the kernel needs besides the chunk itself."""

    wf: WeightFile
    as_of: pd.Timestamp
    profiles: list[Profile]
    signals: dict[str, SignalSpec]
    groups: list[str]
    references: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    explain: bool = True
    columns: str = "full"  # "summary": leave out the per-group and per-signal columns


def assign_profiles(df: pd.DataFrame, profiles: list[Profile]) -> np.ndarray:
    """Index of the first profile whose `match` fits each row; the default profile is last."""
    codes = np.full(len(df), len(profiles) - 1, dtype=np.int16)
    unassigned = np.ones(len(df), dtype=bool)
    for i, profile in enumerate(profiles[:-1]):
        fits = unassigned.copy()
        for column, values in profile.match.items():
            col = df[column]
            fits &= (col.isin(values) | col.astype(str).str.strip().isin(
                [str(v) for v in values])).to_numpy()
        codes[fits] = i
        unassigned &= ~fits
    return codes


def _age_status(df: pd.DataFrame, spec: SignalSpec, as_of: pd.Timestamp) -> np.ndarray:
    """OK / STALE / FUTURE per row from the signal's `measured_at` column and `max_age`."""
    status = np.full(len(df), OK, dtype=np.int8)
    if not spec.measured_at:
        return status
    when = pd.to_datetime(df[spec.measured_at], errors="coerce")
    status[(when > as_of).to_numpy()] = FUTURE
    if spec.max_age:  # an undated value cannot be shown to be fresh enough: stale too
        limit = as_of - parse_duration(spec.max_age)
        status[((when < limit) | when.isna()).to_numpy()] = STALE
    return status


def usable_raw(df: pd.DataFrame, name: str, spec: SignalSpec, as_of: pd.Timestamp
               ) -> tuple[pd.Series, np.ndarray]:
    """The raw values and their age status; stale or future values are blanked."""
    raw = df[column_of(name, spec)]
    age = _age_status(df, spec, as_of)
    if (age != OK).any():
        raw = raw.mask(age != OK)
    return raw, age


def make_plan(wf: WeightFile, as_of, df: pd.DataFrame, explain: bool = True,
              columns: str = "full") -> Plan:
    """Build the plan; `df` is the whole (checked) table, used for percentile peers only."""
    as_of = pd.Timestamp(as_of).tz_localize(None) if as_of is not None else \
        pd.Timestamp.today().normalize()
    profiles = wf.profiles()
    groups: list[str] = list(wf.groups)
    for seg_wf in wf._segment_files.values():
        groups += [g for g in seg_wf.groups if g not in groups]
    plan = Plan(wf, as_of, profiles, all_signals(wf), groups, explain=explain, columns=columns)
    needs_peers = [(p, n, s) for p in profiles for n, s in p.signals.items()
                   if s.score.kind == "percentile"]
    if needs_peers:
        codes = assign_profiles(df, profiles)
        for profile, name, spec in needs_peers:
            raw, _ = usable_raw(df, name, spec, as_of)
            x = raw.to_numpy(dtype="float64", na_value=np.nan)
            if spec.score.percentile == "segment":
                x = x[codes == profiles.index(profile)]
            plan.references[(profile.name, name)] = np.sort(x[~np.isnan(x)])
    return plan


def score_frame(df: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Score one chunk of a checked customer table."""
    wf = plan.wf
    n = len(df)
    names = list(plan.signals)
    codes = assign_profiles(df, plan.profiles)
    raw_cols: dict[str, pd.Series] = {}
    sig_score = {s: np.full(n, np.nan) for s in names}
    sig_weight = {s: np.zeros(n) for s in names}
    sig_status = {s: np.full(n, OFF, dtype=np.int8) for s in names}
    grp_score = {g: np.full(n, np.nan) for g in plan.groups}
    grp_weight = {g: np.zeros(n) for g in plan.groups}
    total = np.full(n, np.nan)
    coverage = np.zeros(n)

    for name, spec in plan.signals.items():
        raw_cols[name] = df[column_of(name, spec)]

    for i, profile in enumerate(plan.profiles):
        rows = np.flatnonzero(codes == i)
        if rows.size == 0:
            continue
        part = df.iloc[rows] if rows.size < n else df
        values: dict[str, np.ndarray] = {}
        has_data: dict[str, np.ndarray] = {}
        for name, spec in profile.signals.items():
            raw, age = usable_raw(part, name, spec, plan.as_of)
            scored = score_values(raw, spec.score, plan.references.get((profile.name, name)))
            present = ~np.isnan(scored)
            status = np.where(present, OK, np.where(age != OK, age, MISSING)).astype(np.int8)
            policy, substitute = profile.signal_policy(name)
            if policy != "redistribute":
                scored = np.where(present, scored, substitute)
            values[name], has_data[name] = scored, present
            sig_status[name][rows] = status
        result = combine(profile.root, values, has_data, rows.size)
        for name in profile.signals:
            sig_score[name][rows] = values[name]
            sig_weight[name][rows] = result.weight[name]
        for node in profile.groups():
            grp_score[node.name][rows] = result.value[node.name]
            grp_weight[node.name][rows] = result.weight[node.name]
        total[rows] = result.value[""]
        coverage[rows] = result.coverage[""]

    coverage = np.round(coverage, 9)  # 0.15+0.15+0.1+0.1 is 0.5, whatever the order of addition
    total[coverage < round(wf.min_coverage, 9)] = np.nan
    no_score = np.isnan(total)

    out: dict[str, object] = {"customer_id": df[wf.id_column].to_numpy()}
    for column in CARRIED + ((wf.rollup.parent,) if wf.rollup else ()):
        if column in df.columns and column != wf.id_column:
            out[column] = df[column].to_numpy()
    out["profile"] = pd.Categorical.from_codes(codes, [p.name for p in plan.profiles])
    out["score"] = total
    out["tier"] = tiers.assign(total, wf)
    out["coverage"] = coverage
    out["priority"] = _priority(total, df, wf)
    k = wf.drivers
    found = None
    if k:
        found = explain.drivers(sig_weight, sig_score, k, no_score)
        for j in range(k):  # always k columns, so the output shape does not depend on the file
            out[f"driver_{j + 1}"] = (found.column(j) if j < found.order.shape[1] else
                                      pd.Categorical.from_codes(np.full(n, -1), names))
        if plan.explain:
            out["reasons"] = explain.reasons(found, raw_cols, sig_score, wf).to_numpy()
    if plan.columns == "summary":
        return pd.DataFrame(out, index=df.index)
    for g in plan.groups:
        out[f"{g}.score"] = grp_score[g]
        out[f"{g}.weight"] = grp_weight[g]
        out[f"{g}.points"] = _points(grp_weight[g], grp_score[g], no_score)
    for s in names:
        raw = raw_cols[s]
        numeric = pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
        out[f"{s}.raw"] = raw.to_numpy() if numeric else raw.astype("string").to_numpy()
        out[f"{s}.score"] = sig_score[s]
        out[f"{s}.weight"] = sig_weight[s]
        out[f"{s}.points"] = _points(sig_weight[s], sig_score[s], no_score)
        out[f"{s}.status"] = pd.Categorical.from_codes(sig_status[s], STATUSES)
    return pd.DataFrame(out, index=df.index)


def _points(weight: np.ndarray, score: np.ndarray, no_score: np.ndarray) -> np.ndarray:
    """weight × score; 0 for a node without weight; NaN when the customer has no score."""
    with np.errstate(invalid="ignore"):
        pts = np.where(weight > 0, weight * score, 0.0)
    pts[no_score] = np.nan
    return pts


def _priority(total: np.ndarray, df: pd.DataFrame, wf: WeightFile) -> np.ndarray:
    """Outreach order; without ARR it falls back to risk (`table_warnings` says so)."""
    risk = 100.0 - total
    if wf.priority == "risk" or "arr" not in df.columns:
        return risk
    arr = df["arr"].to_numpy(dtype="float64", na_value=np.nan)
    arr = np.nan_to_num(arr, nan=0.0)
    if wf.priority == "arr":
        return np.where(np.isnan(total), np.nan, arr)
    return risk * arr
