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
from healthscore.engine.frame import CARRIED, ID, STATUSES, driver_column
from healthscore.engine.frame import column as item_column
from healthscore.engine.normalise import score_values
from healthscore.engine.prepare import column_of
from healthscore.engine.priority import expected_loss
from healthscore.engine.wording import Wording
from healthscore.spec.durations import parse_duration
from healthscore.weights.model import SignalSpec, WeightFile
from healthscore.weights.profiles import Profile
from healthscore.weights.resolved import ResolvedWeights

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
    wording: Wording | None = None  # the sentences of the reasons and the pages
    previous: pd.DataFrame | None = None  # id → tier, score in the previous run: hysteresis


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


def _age_status(df: pd.DataFrame, spec: SignalSpec, as_of: pd.Timestamp) -> np.ndarray | None:
    """OK / STALE / FUTURE per row from the signal's `measured_at` column and `max_age`;
    None when the signal has no date column (every value counts as fresh)."""
    if not spec.measured_at:
        return None
    status = np.full(len(df), OK, dtype=np.int8)
    when = pd.to_datetime(df[spec.measured_at], errors="coerce")
    # the as-of date covers its whole day: measured at 15:00 on it counts, the next day not
    status[(when >= as_of.normalize() + pd.Timedelta(days=1)).to_numpy()] = FUTURE
    if spec.max_age:  # an undated value cannot be shown to be fresh enough: stale too
        limit = as_of - parse_duration(spec.max_age)
        status[((when < limit) | when.isna()).to_numpy()] = STALE
    return status


def usable_raw(df: pd.DataFrame, name: str, spec: SignalSpec, as_of: pd.Timestamp
               ) -> tuple[pd.Series, np.ndarray | None]:
    """The raw values and their age status (None: undated); stale or future values are
    blanked."""
    raw = df[column_of(name, spec)]
    age = _age_status(df, spec, as_of)
    if age is not None and (age != OK).any():
        raw = raw.mask(age != OK)
    return raw, age


def make_plan(weights: ResolvedWeights, as_of, df: pd.DataFrame, explain: bool = True,
              columns: str = "full") -> Plan:
    """Build the plan from the run's resolved weights; `df` is the whole (checked) table,
    used for percentile peers only."""
    as_of = pd.Timestamp(as_of).tz_localize(None) if as_of is not None else \
        pd.Timestamp.today().normalize()
    wf, profiles = weights.wf, weights.profiles
    plan = Plan(wf, as_of, profiles, weights.signals, weights.groups, explain=explain,
                columns=columns)
    plan.wording = Wording(profiles, wf)  # cheap; the pages word signals with it too
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


class _PerRow:
    """Output arrays of one kind (signal scores, weights, ...) filled profile by profile.

    When one profile covers the whole chunk (the usual case) its arrays are kept as they are:
    no chunk-long fill and scatter per signal; otherwise rows are scattered into arrays
    pre-filled with the value of "not scored by this profile".
    """

    def __init__(self, n: int, fill: float | int, dtype: str | type = "float64"):
        self.n, self.fill, self.dtype = n, fill, dtype
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, name: str, rows: np.ndarray | None, values: np.ndarray) -> None:
        if rows is None:
            self.arrays[name] = values
            return
        if name not in self.arrays:
            self.arrays[name] = np.full(self.n, self.fill, dtype=self.dtype)
        self.arrays[name][rows] = values

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            self.arrays[name] = np.full(self.n, self.fill, dtype=self.dtype)
        return self.arrays[name]


def _rows_of(codes: np.ndarray, i: int, profiles: int) -> np.ndarray | None:
    """Positions of the rows profile `i` scores; None when it scores them all."""
    if profiles == 1:
        return None
    rows = np.flatnonzero(codes == i)
    return None if rows.size == codes.size and rows.size else rows


def _signal_status(present: np.ndarray, age: np.ndarray | None) -> np.ndarray:
    """OK with a score; otherwise why not: stale/future from the age check, else missing."""
    if age is None:
        return np.where(present, OK, MISSING).astype(np.int8)
    return np.where(present, OK, np.where(age != OK, age, MISSING)).astype(np.int8)


def score_frame(df: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Score one chunk of a checked customer table."""
    wf = plan.wf
    n = len(df)
    names = list(plan.signals)
    full = plan.columns != "summary"
    statuses = full or plan.explain
    codes = assign_profiles(df, plan.profiles)
    raw_cols = {name: df[column_of(name, spec)] for name, spec in plan.signals.items()}
    sig_score, sig_weight = _PerRow(n, np.nan), _PerRow(n, 0.0)
    sig_status = _PerRow(n, OFF, np.int8)
    grp_score, grp_weight = _PerRow(n, np.nan), _PerRow(n, 0.0)
    total, coverage = _PerRow(n, np.nan), _PerRow(n, 0.0)

    for i, profile in enumerate(plan.profiles):
        where = _rows_of(codes, i, len(plan.profiles))
        if where is not None and where.size == 0:
            continue
        part = df if where is None else df.iloc[where]
        values: dict[str, np.ndarray] = {}
        has_data: dict[str, np.ndarray] = {}
        has_value: dict[str, np.ndarray] = {}  # redistributed: no data is no value
        for name, spec in profile.signals.items():
            raw, age = usable_raw(part, name, spec, plan.as_of)
            scored = score_values(raw, spec.score, plan.references.get((profile.name, name)))
            present = ~np.isnan(scored)
            if statuses:
                sig_status.put(name, where, _signal_status(present, age))
            policy, substitute = profile.signal_policy(name)
            if policy != "redistribute":
                scored = np.where(present, scored, substitute)
            else:
                has_value[name] = present
            values[name], has_data[name] = scored, present
        result = combine(profile.root, values, has_data, len(part), has_value)
        for name in profile.signals:
            sig_score.put(name, where, values[name])
            sig_weight.put(name, where, result.weight[name])
        for node in profile.groups():
            grp_score.put(node.name, where, result.value[node.name])
            grp_weight.put(node.name, where, result.weight[node.name])
        total.put("", where, result.value[""])
        coverage.put("", where, result.coverage[""])

    coverage = np.round(coverage[""], 9)  # 0.15+0.15+0.1+0.1 is 0.5, whatever the order
    total = total[""]
    total[coverage < round(wf.min_coverage, 9)] = np.nan
    no_score = np.isnan(total)

    out: dict[str, object] = {ID: _carried(df[wf.id_column])}  # columns: engine/frame.py
    for column in CARRIED + ((wf.rollup.parent,) if wf.rollup else ()):
        if column in df.columns and column != wf.id_column:
            out[column] = _carried(df[column])
    out["profile"] = pd.Categorical.from_codes(codes, [p.name for p in plan.profiles])
    out["score"] = total
    out["tier"] = tiers.assign(total, wf, plan.previous, out["customer_id"])
    out["coverage"] = coverage
    out["priority"] = priority_values(total, df, wf)
    k = wf.drivers
    if k:
        weights = {s: sig_weight[s] for s in names}
        scores = {s: sig_score[s] for s in names}
        found = explain.drivers(weights, scores, k, no_score)
        dtype = pd.CategoricalDtype(names)
        for j in range(k):  # always k columns, so the output shape does not depend on the file
            out[driver_column(j + 1)] = (found.column(j, dtype) if j < found.order.shape[1]
                                         else pd.Categorical.from_codes(np.full(n, -1),
                                                                        dtype=dtype))
        if plan.explain:
            out["reasons"] = plan.wording.reasons(
                found.order, found.present, codes, raw_cols, scores,
                {s: sig_status[s] for s in names})
    if not full:
        return pd.DataFrame(out, index=df.index)
    for g in plan.groups:
        out[item_column(g, "score")] = grp_score[g]
        out[item_column(g, "weight")] = grp_weight[g]
        out[item_column(g, "points")] = _points(grp_weight[g], grp_score[g], no_score)
    for s in names:
        raw = raw_cols[s]
        numeric = pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
        out[item_column(s, "raw")] = raw.to_numpy() if numeric else raw.astype("string").to_numpy()
        out[item_column(s, "score")] = sig_score[s]
        out[item_column(s, "weight")] = sig_weight[s]
        out[item_column(s, "points")] = _points(sig_weight[s], sig_score[s], no_score)
        out[item_column(s, "status")] = pd.Categorical.from_codes(sig_status[s], STATUSES)
    return pd.DataFrame(out, index=df.index)


def _carried(column: pd.Series) -> object:
    """A carried-through column for the output frame.

    A text column (pandas `str`, Arrow-backed) is handed over as it is, whatever a chunk
    holds (a chunk of blanks only keeps the type, so chunks concatenate to the whole run's
    frame); going through a NumPy object array and back would cost two passes over every
    string per chunk.
    """
    if isinstance(column.dtype, pd.StringDtype):
        return column.array
    return column.to_numpy()


def _points(weight: np.ndarray, score: np.ndarray, no_score: np.ndarray) -> np.ndarray:
    """weight × score; 0 for a node without weight; NaN when the customer has no score."""
    with np.errstate(invalid="ignore"):
        pts = np.where(weight > 0, weight * score, 0.0)
    pts[no_score] = np.nan
    return pts


def priority_values(total: np.ndarray, df: pd.DataFrame, wf: WeightFile) -> np.ndarray:
    """Outreach order; without ARR it falls back to risk (`table_warnings` says so)."""
    risk = 100.0 - total
    if wf.priority == "risk" or "arr" not in df.columns:
        return risk
    arr = df["arr"].to_numpy(dtype="float64", na_value=np.nan)
    arr = np.nan_to_num(arr, nan=0.0)
    if wf.priority_kind == "expected_loss":
        return expected_loss(total, arr, wf.priority.expected_loss)
    if wf.priority == "arr":
        return np.where(np.isnan(total), np.nan, arr)
    return risk / 100.0 * arr  # risk-weighted ARR: money, never more than the ARR
