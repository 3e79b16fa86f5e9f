"""A realistic, seeded portfolio with one row per customer.

Each customer has a hidden "health" drawn once; every signal is a noisy function of it, so
unhealthy customers tend to share symptoms (low CSAT *and* falling logins *and* overdue
invoices), as in real books of business. ARR is heavy-tailed (log-normal by segment) and every
signal has gaps, more of them in SMB where surveys are rarely answered. Fully vectorised, so
the same generator makes 300 customers for the demo and 10 million for the benchmark.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

SEGMENTS = np.array(["smb", "mid", "ent"])
OWNERS = np.array(["Avery Chen", "Jordan Patel", "Sam Okafor", "Riley Novak", "Morgan Silva",
                   "Casey Lindqvist"])
_FIRST = np.array(["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
                   "Soylent", "Cyberdyne", "Tyrell", "Wonka", "Gringotts", "Oscorp", "Aperture",
                   "Massive", "Dunder", "Prestige", "Monarch", "Pied Piper", "Nakatomi", "Zorg",
                   "Bluth", "Sterling", "Krusty", "Duff", "Gekko", "Ollivander", "Virtucon",
                   "Blue Sun"])
_SECOND = np.array(["Analytics", "Logistics", "Health", "Foods", "Robotics", "Media", "Labs",
                    "Energy", "Retail", "Finance", "Travel", "Security", "Learning", "Systems"])


def generate_customers(n: int = 300, seed: int = 7, as_of: date = date(2026, 10, 31),
                       with_names: bool = True) -> pd.DataFrame:
    """One row per customer with the columns `weights/default.yaml` reads."""
    rng = np.random.default_rng(seed)
    segment_idx = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    health = rng.normal(0.0, 1.0, n)

    def noisy(scale: float) -> np.ndarray:
        return health * scale + rng.normal(0.0, 1.0, n) * scale * 0.8

    arr_mu = np.array([9.3, 10.8, 12.3])[segment_idx]
    arr = np.round(np.exp(rng.normal(arr_mu, 0.7)), -2)
    seats = np.maximum(3, np.round(arr / np.array([900.0, 700.0, 500.0])[segment_idx]))
    cols: dict[str, np.ndarray] = {
        "csat_pct": np.clip(80 + noisy(9), 20, 100),
        "nps": np.clip(np.round(25 + noisy(25)), -100, 100),
        "ces": np.clip(3.5 - noisy(0.9), 1, 7),
        "active_user_ratio": np.clip(0.55 + noisy(0.18), 0, 1),
        "login_trend": np.clip(-0.05 + noisy(0.2), -1, 1),
        "feature_adoption": np.clip(0.4 + noisy(0.15), 0, 1),
        "open_tickets": np.maximum(0, np.round(3 - noisy(2.2))) + 0.0,
        "escalations_90d": np.maximum(0, np.round(0.6 - noisy(0.8))) + 0.0,
        "avg_resolution_hours": np.clip(30 - noisy(15), 1, 240),
        "days_overdue": np.maximum(0, np.round(np.where(health < -0.7, 25 - noisy(20), 0))),
        "renewal_days": rng.integers(0, 365, n).astype("float64"),
        "expansion_pct": np.clip(0.05 + noisy(0.12), -0.6, 1.0),
    }
    for key in ("csat_pct", "active_user_ratio", "login_trend", "feature_adoption",
                "avg_resolution_hours", "expansion_pct", "ces"):
        cols[key] = np.round(cols[key], 3 if cols[key].max() <= 1.5 else 1)
    survey_gap = np.array([0.35, 0.2, 0.1])[segment_idx]
    gaps = {"csat_pct": survey_gap, "nps": survey_gap + 0.05, "ces": survey_gap + 0.15}
    for key, values in cols.items():
        p = gaps.get(key, 0.04)
        values[rng.random(n) < p] = np.nan
    days_ago = rng.integers(0, 260, n)
    survey_at = pd.Timestamp(as_of) - pd.to_timedelta(days_ago, unit="D")

    frame = pd.DataFrame({"customer_id": np.arange(1, n + 1, dtype=np.int64)})
    if with_names:
        frame["customer_id"] = pd.Series([f"C{i:05d}" for i in range(1, n + 1)])
        pick = rng.integers(0, len(_FIRST), n), rng.integers(0, len(_SECOND), n)
        names = pd.Series(_FIRST[pick[0]]).str.cat(pd.Series(_SECOND[pick[1]]), sep=" ")
        dup = names.duplicated()
        names[dup] = names[dup] + " " + pd.Series(np.arange(n))[dup].astype(str)
        frame["name"] = names
        frame["owner"] = OWNERS[rng.integers(0, len(OWNERS), n)]
    frame["segment"] = SEGMENTS[segment_idx]
    frame["arr"] = arr
    frame["seats"] = seats
    if with_names:
        # about one in twelve customers belongs to one of a few parent accounts
        parents = frame["customer_id"].to_numpy()[rng.choice(n, size=max(1, n // 60))]
        child = rng.random(n) < 0.08
        parent_id = np.where(child, parents[rng.integers(0, parents.size, n)], None)
        parent_id[parent_id == frame["customer_id"].to_numpy()] = None
        frame["parent_id"] = parent_id
    for key, values in cols.items():
        frame[key] = values
    frame["last_survey_at"] = survey_at.where(~np.isnan(cols["csat_pct"]))
    return frame
