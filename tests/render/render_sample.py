"""A hand-made portfolio for render tests: the default weight file's columns, seeded.

Rendering tests need realistic variety (every tier, missing and stale data, segments with
switched-off signals, awkward names and ids) without depending on the sample generator.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

AS_OF = date(2026, 11, 1)
OWNERS = ["Ann Lee", "Bob Okafor", "Chen Wu", "Dana Ruiz"]
SEGMENTS = ["ent", "mid", "smb"]


def customers(n: int = 60, seed: int = 7) -> pd.DataFrame:
    """n customers with the default weight file's input columns; gaps in every signal."""
    rng = np.random.default_rng(seed)
    health = rng.beta(2.2, 1.6, n)  # latent health: unhealthy customers share symptoms

    def noisy(lo: float, hi: float, spread: float = 0.18) -> np.ndarray:
        x = np.clip(health + rng.normal(0, spread, n), 0, 1)
        return lo + (hi - lo) * x

    df = pd.DataFrame({
        "customer_id": [f"C{1000 + i}" for i in range(n)],
        "name": [f"{w} {s}" for w, s in zip(
            rng.choice(["Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Stark",
                        "Wayne", "Acme", "Soylent", "Tyrell", "Cyberdyne", "Vandelay"], n),
            rng.choice(["Labs", "Systems", "Group", "Health", "Logistics", "Retail",
                        "Analytics", "Foods"], n), strict=True)],
        "segment": rng.choice(SEGMENTS, n, p=[0.25, 0.4, 0.35]),
        "arr": np.round(np.exp(rng.normal(11, 1.1, n)), -2),
        "owner": rng.choice(OWNERS, n),
        "csat_pct": noisy(50, 100),
        "nps": noisy(-50, 80),
        "ces": 6.5 - noisy(0, 5),
        "active_user_ratio": noisy(0.05, 0.95),
        "login_trend": noisy(-0.6, 0.35),
        "feature_adoption": noisy(0.0, 0.85),
        "open_tickets": np.round(10 - noisy(0, 10)),
        "escalations_90d": np.round(4 - noisy(0, 4)),
        "avg_resolution_hours": 90 - noisy(0, 85),
        "days_overdue": np.round(np.where(health < 0.35, rng.uniform(0, 80, n), 0)),
        "renewal_days": rng.integers(5, 365, n).astype(float),
        "expansion_pct": noisy(-0.3, 0.4),
        "last_survey_at": pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(3, 260, n), "D"),
    })
    signal_cols = [c for c in df.columns if c not in
                   ("customer_id", "name", "segment", "arr", "owner", "last_survey_at")]
    for col in signal_cols:  # gaps in every signal
        df.loc[rng.random(n) < 0.08, col] = np.nan
    # a few customers with almost no data: "insufficient data"
    df.loc[df.index[-3:], signal_cols[:9]] = np.nan
    return df


def history(frame: pd.DataFrame, months: int = 6, seed: int = 3) -> pd.DataFrame:
    """Earlier monthly runs drifting towards today's scores: customer_id, as_of, score, tier."""
    rng = np.random.default_rng(seed)
    rows = []
    for cid, score in zip(frame["customer_id"], frame["score"], strict=True):
        base = 60.0 if np.isnan(score) else float(score)
        drift = rng.normal(0, 4)
        for k in range(months, 0, -1):
            s = float(np.clip(base - drift * k + rng.normal(0, 3), 0, 100))
            tier = "at risk" if s < 50 else "watch" if s < 75 else "healthy"
            day = (pd.Timestamp(AS_OF) - pd.DateOffset(months=k)).date()
            rows.append((cid, day, s, tier))
    return pd.DataFrame(rows, columns=["customer_id", "as_of", "score", "tier"])
