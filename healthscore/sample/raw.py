"""Seeded raw exports, as a team really has them: accounts, surveys, usage, tickets, invoices.

`weights/from-exports.yaml` computes every signal from these files, so the demo runs from raw
data end to end. Each customer has a hidden health that persists from month to month and
drifts slowly (an AR(1) path, like real accounts: a good customer stays good unless something
happens), not a fresh draw per month; survey ratings, how many seats are used and whether usage
grows, ticket volume, escalations and resolution times, and late payments all follow the health
of the month they happened in, with noise, so unhealthy customers share symptoms and a
customer's decline shows in every signal at once. ARR is heavy-tailed
by segment; small customers answer few surveys (gaps). The exports look like exports: the
accounts file has its own headers (mapped in the weight file), survey timestamps carry a UTC
offset, usage is a folder of Parquet files, invoices an Excel workbook. Fully vectorised.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.sample.portfolio import _FIRST, _SECOND, OWNERS, SEGMENTS

EVENTS = np.array(["login", "dashboard_view", "report_built", "integration_sync", "export"])
KEY_FEATURES = ["report_built", "integration_sync", "export"]
MONTHS = 13            # months of health history behind the exports (a year of events + 1)
PERSISTENCE = 0.97     # month-to-month correlation of a customer's health
MONTH = 30.4375        # days
ACCOUNT_HEADERS = {"customer_id": "Account ID", "name": "Account Name", "segment": "Segment",
                   "arr": "ARR (USD)", "seats": "Licensed Seats", "owner": "CSM",
                   "renewal_date": "Renewal Date", "parent_id": "Parent Account"}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def health_path(rng: np.random.Generator, n: int, months: int = MONTHS,
                persistence: float = PERSISTENCE) -> np.ndarray:
    """(n, months) hidden health, column 0 the latest month, each earlier month
    `persistence` × the next plus fresh noise; standard normal in every month."""
    path = np.empty((n, months))
    path[:, 0] = rng.normal(0.0, 1.0, n)
    step = np.sqrt(1.0 - persistence ** 2)
    for month in range(1, months):  # a loop over months; every customer at once
        path[:, month] = persistence * path[:, month - 1] + step * rng.normal(0.0, 1.0, n)
    return path


def _age(end: pd.Timestamp, ts) -> np.ndarray:
    """Months before `end` an instant lies in (0: the last month), clipped to the path."""
    days = (end - pd.DatetimeIndex(ts)).total_seconds().to_numpy() / 86400.0
    return np.clip((days // MONTH).astype(int), 0, MONTHS - 1)


def generate_raw_frames(n_customers: int = 300, seed: int = 7,
                        as_of: date = date(2026, 10, 31)) -> dict[str, pd.DataFrame]:
    """The five exports as DataFrames (our column names; timestamps as pandas Timestamps)."""
    rng = np.random.default_rng(seed)
    n = n_customers
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)  # the exports were pulled at end of as-of
    health = health_path(rng, n)
    seg = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    ids = np.array([f"C{i:05d}" for i in range(1, n + 1)])
    arr = np.round(np.exp(rng.normal(np.array([9.3, 10.8, 12.3])[seg], 0.7)), -2)
    seats = np.maximum(3, np.round(arr / np.array([900.0, 700.0, 500.0])[seg])).astype(int)
    seats = np.minimum(seats, 400)

    accounts = _accounts(rng, ids, seg, arr, seats, end)
    return {
        "accounts": accounts,
        "surveys": _surveys(rng, ids, seg, health, end),
        "usage": _usage(rng, ids, seats, health, end),
        "tickets": _tickets(rng, ids, seats, health, end),
        "invoices": _invoices(rng, ids, arr, health, end),
    }


def generate_raw(out_dir: Path | str, n_customers: int = 300, seed: int = 7,
                 as_of: date = date(2026, 10, 31)) -> dict[str, Path]:
    """Write the exports into `out_dir`; returns table name → path (file or folder).

    accounts.csv (export headers), surveys.csv, usage/ (Parquet, one file per quarter),
    tickets.csv, invoices.xlsx.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate_raw_frames(n_customers, seed, as_of)
    paths = {name: out / f"{name}.csv" for name in ("accounts", "surveys", "tickets")}
    accounts = frames["accounts"].copy()
    accounts["renewal_date"] = accounts["renewal_date"].dt.strftime("%Y-%m-%d")
    accounts.rename(columns=ACCOUNT_HEADERS).to_csv(paths["accounts"], index=False)
    surveys = frames["surveys"].copy()
    surveys["answered_at"] = surveys["answered_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    surveys.to_csv(paths["surveys"], index=False)
    frames["tickets"].to_csv(paths["tickets"], index=False, date_format="%Y-%m-%d %H:%M:%S")
    usage_dir = out / "usage"
    usage_dir.mkdir(exist_ok=True)
    for old in usage_dir.glob("*.parquet"):
        old.unlink()
    usage = frames["usage"]
    quarter = usage["ts"].dt.to_period("Q").astype(str)
    for q, part in usage.groupby(quarter, sort=True):
        part.to_parquet(usage_dir / f"usage-{q}.parquet", index=False)
    paths["usage"] = usage_dir
    paths["invoices"] = out / "invoices.xlsx"
    frames["invoices"].to_excel(paths["invoices"], index=False, sheet_name="Invoices")
    return paths


def _accounts(rng, ids, seg, arr, seats, end) -> pd.DataFrame:
    n = ids.size
    pick = rng.integers(0, len(_FIRST), n), rng.integers(0, len(_SECOND), n)
    names = pd.Series(_FIRST[pick[0]]).str.cat(pd.Series(_SECOND[pick[1]]), sep=" ")
    dup = names.duplicated()
    names[dup] = names[dup] + " " + pd.Series(np.arange(n))[dup].astype(str)
    parents = ids[rng.choice(n, size=max(1, n // 60), replace=False)]
    parent = np.where(rng.random(n) < 0.08, parents[rng.integers(0, parents.size, n)], None)
    parent[parent == ids] = None
    renewal = end.normalize() + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame({"customer_id": ids, "name": names, "segment": SEGMENTS[seg],
                         "arr": arr, "seats": seats,
                         "owner": OWNERS[rng.integers(0, len(OWNERS), n)],
                         "renewal_date": renewal, "parent_id": parent})


def _times(rng, end, days: int, size: int) -> pd.DatetimeIndex:
    """Uniform instants in the `days` days before `end`, to the second."""
    seconds = rng.integers(1, days * 86400, size)
    return end - pd.to_timedelta(seconds, unit="s")


def _surveys(rng, ids, seg, health, end) -> pd.DataFrame:
    """One year of csat (1-5), nps (0-10) and ces (1-7, lower is better) answers."""
    parts = []
    rate = np.array([3.0, 6.0, 12.0])[seg]  # answers per kind per year; SMB rarely answers
    for kind, lo, hi, sign in (("csat", 1, 5, 1), ("nps", 0, 10, 1), ("ces", 1, 7, -1)):
        count = rng.poisson(rate)
        who = np.repeat(np.arange(ids.size), count)
        when = _times(rng, end, 365, who.size).floor("s")
        mood = sign * health[who, _age(end, when)] + rng.normal(0, 0.9, who.size)
        share = 0.35 if kind == "ces" else 0.85  # where the typical answer sits on the scale
        centre = lo + share * (hi - lo) + mood * (hi - lo) / 5
        rating = np.clip(np.round(centre), lo, hi).astype(int)
        parts.append(pd.DataFrame({"customer_id": ids[who], "kind": kind, "rating": rating,
                                   "answered_at": when}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("answered_at", ignore_index=True)


def _usage(rng, ids, seats, health, end) -> pd.DataFrame:
    """A year of product events by user: the share of seats in use follows the month's
    health, and the same people keep using it (each seat has a fixed keenness; a seat is
    active in a month when its keenness, slightly jittered, is under the account's share),
    so a small account's active users do not jump from one month to the next by chance."""
    reach = rng.normal(0, 0.5, ids.size)  # how much of its seats an account ever uses
    cust = np.repeat(np.arange(ids.size), seats)
    user_no = np.concatenate([np.arange(1, u + 1) for u in seats]) if seats.size else cust
    keenness = rng.random(cust.size)
    frames = []
    for month in range(12):  # month 0 is the latest
        h = health[:, month]
        share = np.clip(_sigmoid(0.6 + 1.1 * h + reach), 0.02, 1)[cust]
        active = keenness + rng.normal(0, 0.05, cust.size) < share
        lam = np.where(active, 3.0 * np.exp(0.25 * h[cust]), 0.0)
        count = rng.poisson(lam)
        who = np.repeat(np.arange(cust.size), count)
        start = end - pd.Timedelta(days=30 * (month + 1))
        ts = start + pd.to_timedelta(rng.integers(0, 30 * 86400, who.size), unit="s")
        feature_p = np.clip(0.5 + 0.15 * h[cust[who]], 0.02, 0.95)
        kind = np.where(rng.random(who.size) < feature_p,
                        rng.choice(EVENTS[2:], who.size), rng.choice(EVENTS[:2], who.size))
        frames.append(pd.DataFrame({"customer_id": ids[cust[who]],
                                    "user_id": user_no[who].astype(np.int64),
                                    "event": kind, "ts": ts}))
    return pd.concat(frames, ignore_index=True).sort_values("ts", ignore_index=True)


def _tickets(rng, ids, seats, health, end) -> pd.DataFrame:
    """A year of support tickets; a ticket still open when the export was pulled has no
    closed_at."""
    months = np.arange(12)
    rate = np.sqrt(seats)[:, None] * np.exp(-0.4 * health[:, :12]) * 1.2 / 12
    count = rng.poisson(rate)  # per customer and month
    who = np.repeat(np.repeat(np.arange(ids.size), 12), count.ravel())
    age = np.repeat(np.tile(months, ids.size), count.ravel())
    seconds = rng.uniform(0, 1, who.size) * MONTH * 86400
    opened = (end - pd.to_timedelta(age * MONTH * 86400 + seconds + 1, unit="s")).floor("s")
    h = health[who, age]
    hours = np.exp(rng.normal(np.log(20) - 0.5 * h, 1.2))
    stuck = rng.random(who.size) < _sigmoid(-2.0 - 1.2 * h)  # a backlog builds up
    hours = np.where(stuck, hours * 20, hours)
    closed = opened + pd.to_timedelta(np.round(hours * 3600), unit="s")
    closed = pd.Series(closed).where(closed < end)
    priority = np.array(["low", "normal", "high", "urgent"])[
        rng.choice(4, who.size, p=[0.3, 0.45, 0.18, 0.07])]
    escalated = rng.random(who.size) < _sigmoid(-2.6 - 1.2 * h)
    return pd.DataFrame({"ticket_id": np.arange(1, who.size + 1), "customer_id": ids[who],
                         "opened_at": opened, "closed_at": closed.to_numpy(),
                         "priority": priority, "escalated": escalated}
                        ).sort_values("opened_at", ignore_index=True)


def _invoices(rng, ids, arr, health, end) -> pd.DataFrame:
    """Monthly invoices for a year; amounts drift with health (expansion or contraction);
    unhealthy customers pay late or not at all."""
    months = 12
    who = np.repeat(np.arange(ids.size), months)
    age = np.tile(np.arange(months)[::-1], ids.size)  # months before the latest invoice
    h = health[who, age]
    drift = 0.025 + 0.04 * h + rng.normal(0, 0.01, who.size)
    amount = np.round(arr[who] / 12 * np.exp(-drift * age), 2)
    issued = (end.normalize() - pd.Timedelta(days=5)) - pd.to_timedelta(age * 30, unit="D")
    due = issued + pd.Timedelta(days=30)
    late = np.exp(rng.normal(np.log(3) - 1.2 * h, 1.0))
    paid = due + pd.to_timedelta(np.round(late), unit="D") - pd.Timedelta(days=5)
    # some recent invoices stay unpaid (older ones were collected in the end)
    unpaid = (rng.random(who.size) < _sigmoid(-2.5 - 1.5 * h)) & (age < 3)
    paid = pd.Series(paid).where(~unpaid & (paid < end))
    return pd.DataFrame({"invoice_id": np.arange(1, who.size + 1), "customer_id": ids[who],
                         "issued_at": issued, "due_date": due, "paid_at": paid.to_numpy(),
                         "amount": amount})
