"""A workload where the truth is known: monthly customer tables and what happened next.

Each customer has a hidden health that drifts month to month. The signals of
`weights/default.yaml` are noisy readings of it, taken at every month-end (one row per
customer per `as_of`). Whether a customer churns in the following month is then drawn from
the *signals*, not from the health, with a hidden weighting (`HIDDEN`) that differs from the
hand-set weights on purpose: some signals matter more than the file says, two are pure noise,
one points the other way than the file assumes (a rising login trend goes with churn here, as
customers export their data before they leave), and open tickets act on a log scale.
Customers still at the end of a contract renew, expand or contract with their expansion
trend. A churned customer stays in later monthly exports (as real exports keep them), so a
backtest has to leave them out itself. Fully vectorised per month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.sample.portfolio import _FIRST, _SECOND, OWNERS, SEGMENTS

# the hidden monthly churn model: logit = BASE + sum(coef * feature(signal value))
BASE = -3.9
HIDDEN = {
    "active_user_ratio": ("z", -0.75),
    "open_tickets": ("log1p", 0.65),
    "days_overdue": ("z", 0.55),
    "escalations_90d": ("z", 0.35),
    "login_trend": ("z", 0.35),        # the wrong way round for the hand-set weights
    "expansion_pct": ("z", -0.45),
    "csat_pct": ("z", -0.2),
    # nps, ces, feature_adoption, avg_resolution_hours, renewal_days: no effect at all
}


def month_ends(end: date, months: int) -> list[pd.Timestamp]:
    last = pd.Timestamp(end).to_period("M")
    return [(last - k).to_timestamp(how="end").normalize() for k in range(months - 1, -1, -1)]


def _readings(rng: np.random.Generator, health: np.ndarray, seg: np.ndarray,
              as_of: pd.Timestamp, renewal: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    n = health.size

    def noisy(scale: float) -> np.ndarray:
        return (health + rng.normal(0.0, 0.8, n)) * scale

    cols = {
        "csat_pct": np.round(np.clip(80 + noisy(9), 20, 100), 1),
        "nps": np.clip(np.round(25 + rng.normal(0, 30, n)), -100, 100),
        "ces": np.round(np.clip(3.5 + rng.normal(0, 1.1, n), 1, 7), 1),
        "active_user_ratio": np.round(np.clip(0.55 + noisy(0.18), 0, 1), 3),
        "login_trend": np.round(np.clip(-0.05 + 0.12 * (-0.6 * health + rng.normal(0, 1, n)),
                                        -1, 1), 3),
        "feature_adoption": np.round(np.clip(0.4 + rng.normal(0, 0.15, n), 0, 1), 3),
        "open_tickets": rng.poisson(np.exp(0.9 - 0.7 * health + rng.normal(0, 0.6, n)))
        .astype("float64"),
        "escalations_90d": rng.poisson(np.exp(-0.8 - 0.7 * health)).astype("float64"),
        "avg_resolution_hours": np.round(np.clip(30 + rng.normal(0, 15, n), 1, 240), 1),
        "days_overdue": np.maximum(0, np.round(np.where(health < -0.6, 25 - noisy(20), 0))),
        "renewal_days": np.asarray((renewal - as_of).days, dtype="float64"),
        "expansion_pct": np.round(np.clip(0.05 + noisy(0.12), -0.6, 1.0), 3),
    }
    survey_gap = np.array([0.35, 0.2, 0.1])[seg]
    for key in ("csat_pct", "nps", "ces"):
        cols[key][rng.random(n) < survey_gap] = np.nan
    for key in ("active_user_ratio", "login_trend", "feature_adoption", "expansion_pct"):
        cols[key][rng.random(n) < 0.03] = np.nan
    return cols


def _logit(cols: dict[str, np.ndarray], centre: dict[str, tuple[float, float]]) -> np.ndarray:
    total = np.full(next(iter(cols.values())).size, BASE)
    for name, (form, coef) in HIDDEN.items():
        x = cols[name]
        if form == "log1p":
            x = np.log1p(x)
        mean, sd = centre[name]
        total += coef * np.nan_to_num((x - mean) / sd, nan=0.0)  # missing: no push
    return total


def generate_history(n_customers: int = 2000, months: int = 12, seed: int = 11,
                     end: date = date(2026, 10, 31)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customer tables at `months` month-ends up to `end`, with an `as_of` column; outcomes).

    Churn is drawn for the month after each as-of date, and for three more months after the
    last one from its readings, so the last runs can be judged with a 90-day horizon.
    """
    rng = np.random.default_rng(seed)
    n = n_customers
    seg = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    ids = np.array([f"C{i:05d}" for i in range(1, n + 1)])
    pick = rng.integers(0, len(_FIRST), n), rng.integers(0, len(_SECOND), n)
    names = pd.Series(_FIRST[pick[0]]).str.cat(pd.Series(_SECOND[pick[1]]), sep=" ")
    names = names.where(~names.duplicated(), names + " " + pd.Series(ids).str[-4:])
    arr = np.round(np.exp(rng.normal(np.array([9.3, 10.8, 12.3])[seg], 0.7)), -2)
    seats = np.maximum(3, np.round(arr / np.array([900.0, 700.0, 500.0])[seg]))
    owner = OWNERS[rng.integers(0, len(OWNERS), n)]
    dates = month_ends(end, months)
    renewal = dates[0] + pd.to_timedelta(rng.integers(1, 366, n), unit="D")
    health = rng.normal(0.0, 1.0, n)
    churned = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    tables, centre = [], None
    for k, as_of in enumerate(dates):
        if k:
            health = 0.85 * health + rng.normal(0.0, 0.5, n)
        behind = renewal <= as_of
        renewal = renewal.where(~behind, renewal + pd.DateOffset(years=1))
        cols = _readings(rng, health, seg, as_of, pd.DatetimeIndex(renewal))
        if centre is None:  # the hidden model's scale is fixed once, from the first month
            centre = {name: _moments(cols[name], form) for name, (form, _) in HIDDEN.items()}
        p = 1.0 / (1.0 + np.exp(-_logit(cols, centre)))
        steps = 4 if k == len(dates) - 1 else 1  # the last readings also drive 3 more months
        for step in range(steps):
            start = as_of + pd.offsets.MonthEnd(step)
            days = (start + pd.offsets.MonthEnd(1) - start).days
            new = np.isnat(churned) & (rng.random(n) < p)
            churned[new] = (start + pd.to_timedelta(rng.integers(1, days + 1, n), unit="D")
                            ).to_numpy()[new]
        survey_age = rng.integers(0, 200, n)
        frame = pd.DataFrame({"as_of": as_of, "customer_id": ids, "name": names,
                              "owner": owner, "segment": SEGMENTS[seg], "arr": arr,
                              "seats": seats, **cols})
        frame["last_survey_at"] = (as_of - pd.to_timedelta(survey_age, unit="D")).where(
            ~np.isnan(cols["csat_pct"]))
        tables.append(frame)
    customers = pd.concat(tables, ignore_index=True)
    return customers, _outcomes(ids, churned, renewal, customers, dates[-1])


def _moments(x: np.ndarray, form: str) -> tuple[float, float]:
    x = np.log1p(x) if form == "log1p" else x
    return float(np.nanmean(x)), float(np.nanstd(x))


def _outcomes(ids, churned, renewal, customers: pd.DataFrame,
              last: pd.Timestamp) -> pd.DataFrame:
    """Churn dates; and for customers still there at a renewal, how the renewal went."""
    churn = pd.DataFrame({"customer_id": ids[~np.isnat(churned)],
                          "date": churned[~np.isnat(churned)], "outcome": "churned"})
    first = customers.groupby("customer_id", sort=False).first()
    due = pd.Series(renewal, index=ids) - pd.DateOffset(years=1)  # the last renewal passed
    due = due.where(due > first["as_of"].min())
    due = due[due.notna() & (due <= last)]
    alive = pd.Series(churned, index=ids).reindex(due.index)
    due = due[alive.isna() | (alive > due)]
    trend = customers[customers["as_of"] == last].set_index("customer_id")["expansion_pct"]
    trend = trend.reindex(due.index)
    kind = np.where(trend > 0.15, "expanded", np.where(trend < -0.05, "contracted", "renewed"))
    renewals = pd.DataFrame({"customer_id": due.index, "date": due.to_numpy(),
                             "outcome": kind})
    out = pd.concat([churn, renewals], ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    return out.sort_values(["date", "customer_id"], ignore_index=True)


def write_history(out_dir: Path | str, n_customers: int = 2000, months: int = 12,
                  seed: int = 11, end: date = date(2026, 10, 31)) -> dict[str, Path]:
    """Write `customers-history.csv` and `outcomes.csv` into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    customers, outcomes = generate_history(n_customers, months, seed, end)
    paths = {"customers": out / "customers-history.csv", "outcomes": out / "outcomes.csv"}
    customers.to_csv(paths["customers"], index=False, date_format="%Y-%m-%d")
    outcomes.to_csv(paths["outcomes"], index=False, date_format="%Y-%m-%d")
    return paths


def main(argv: list[str] | None = None) -> None:
    """`python -m healthscore.sample.outcomes OUT [--customers N] [--seed S]`"""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m healthscore.sample.outcomes",
                                     description="write a sample workload with known truth: "
                                                 "customers-history.csv and outcomes.csv")
    parser.add_argument("out", type=Path)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    for path in write_history(args.out, args.customers, args.months, args.seed).values():
        print(path)


if __name__ == "__main__":
    main()
