"""The monthly routine, run as an operator would, on SQLite and PostgreSQL: six months of raw
exports with a churned account and a weight-file change mid-way, then a month the exports do
not cover (refused); and on a controlled table, a tier edge jitter (no event) and a 10-point
fall (an event). After every month, every output of that run agrees on every customer's
score, tier, change and rank."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthscore.errors import DataError
from healthscore.monthly import render_stored, run_as_of, run_month
from healthscore.render.names import safe_stems
from healthscore.sample.raw import generate_raw
from healthscore.store import list_runs, load_run, open_store
from healthscore.weights.load import load_weights
from tests.conftest import ROOT, write_weights

WEIGHTS = ROOT / "weights" / "from-exports.yaml"
CHURNED = "C00005"


def strict(text: str):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def read_ids(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"customer_id": str})


def check_one_run(folder: Path, store, run_id: str, previous) -> pd.DataFrame:
    """Every output of the month's run agrees with the store's copy of it; returns its
    frame."""
    stored = load_run(store, run_id)
    frame = stored.frame.set_index(stored.frame["customer_id"].astype(str))
    scores = read_ids(folder / "scores" / "scores.csv").set_index("customer_id")
    record = strict((folder / "scores" / "run.json").read_text())
    assert record == stored.run_json and record["run_id"] == run_id
    # the same customers, scores and tiers in scores/, the store and run.json
    assert scores.index.tolist() == frame.index.tolist()
    assert len(scores) == record["customers"] == len(frame)
    np.testing.assert_array_equal(scores["score"].to_numpy(), frame["score"].to_numpy())
    assert (scores["tier"] == frame["tier"].astype(str)).all()
    counts = scores["tier"].value_counts()
    assert record["tiers"] == {t: int(counts.get(t, 0)) for t in record["tiers"]}
    # one scorecard per customer of the run, and no other
    cards = {p.stem for p in (folder / "reports" / "customers").glob("*.html")}
    assert cards == set(safe_stems(frame.index).values())
    # the outreach list: the same ranks and ids in scores/, the pages' CSV and the store
    listed = read_ids(folder / "scores" / "outreach.csv")
    page = read_ids(folder / "reports" / "outreach" / "index.csv")
    assert listed["customer_id"].tolist() == page["customer_id"].tolist() == \
        stored.outreach["customer_id"].astype(str).tolist()
    assert listed["rank"].tolist() == page["rank"].tolist() == list(range(1, len(listed) + 1))
    assert (listed["tier"] == frame.loc[listed["customer_id"], "tier"].astype(str).values).all()
    # the worklist: the same columns first in every output, the change of the shown scores,
    # and why to call, what changed first
    assert listed.columns[:10].tolist() == ["rank", "customer_id", "name", "owner", "tier",
                                            "score", "change", "priority", "arr", "why"]
    markdown = (folder / "reports" / "outreach" / "index.md").read_text()
    assert "| # | Id | Customer | Owner | Tier | Score | Change | Priority | ARR | Why |" in \
        markdown
    if previous is not None:
        before = previous.set_index(previous["customer_id"].astype(str))["score"]
        known = listed["customer_id"].isin(before.index)
        now = np.floor(listed.loc[known, "score"].to_numpy() + 1e-9)
        then = np.floor(before.loc[listed.loc[known, "customer_id"]].to_numpy() + 1e-9)
        np.testing.assert_array_equal(listed.loc[known, "change"].to_numpy(), now - then)
        assert listed["why"].str.contains(r", (?:up|down) from ", regex=True).any()
    # events: strict JSON, exactly the tier changes since the previous run, with the shown
    # scores and their difference as the change
    lines = (folder / "events" / "tier-changes.jsonl").read_text().splitlines()
    events = {e["customer_id"]: e for e in map(strict, lines)}
    if previous is not None:
        before = previous.set_index(previous["customer_id"].astype(str))
        both = frame.index[frame.index.isin(before.index)]
        moved = both[(frame.loc[both, "tier"].astype(str)
                      != before.loc[both, "tier"].astype(str)).to_numpy()]
        assert sorted(events) == sorted(moved)
        for cid, e in events.items():
            now, then = math.floor(frame.at[cid, "score"]), math.floor(before.at[cid, "score"])
            assert (e["score_after"], e["score_before"], e["change"]) == (now, then, now - then)
            assert (e["from"], e["to"]) == (before.at[cid, "tier"], frame.at[cid, "tier"])
    else:
        assert events == {}
    return stored.frame


@pytest.fixture
def exports(tmp_path):
    generate_raw(tmp_path / "raw", n_customers=40, seed=3)  # exports end 31 October 2026
    pd.DataFrame({"customer_id": [CHURNED], "churned_at": ["2026-08-14"]}).to_csv(
        tmp_path / "churn.csv", index=False)
    return tmp_path


def changed_windows(folder: Path) -> Path:
    """The same weight file (same name) with one `compute:` window changed."""
    return write_weights(folder / "changed.yaml", {
        "name": load_weights(WEIGHTS).name, "extends": str(WEIGHTS),
        "signals": {"active_users": {"compute": {
            "table": "usage", "metric": "distinct", "column": "user_id", "window": "60d",
            "per": "seats"}}}})


def test_six_months_then_a_month_the_exports_do_not_cover(target, exports):
    plain = load_weights(WEIGHTS)
    changed = load_weights(changed_windows(exports), confine=False)
    months = {"2026-05": plain, "2026-06": plain, "2026-07": plain, "2026-08": plain,
              "2026-09": changed, "2026-10": changed}
    out = exports / "monthly"
    previous = last_scored = None
    with open_store(target) as store:
        for month, wf in months.items():
            done = run_month(wf, store, out, month, data_dir=exports,
                             outcomes=exports / "churn.csv")
            assert not done.skipped
            frame = check_one_run(out / month, store, done.run_id, previous)
            ids = set(frame["customer_id"].astype(str))
            if month >= "2026-08":  # churned on 14 August: absent from every output
                assert CHURNED not in ids and done.churned == 1
                assert load_run(store, done.run_id).run_json["churned"] == [CHURNED]
                churned = read_ids(out / month / "churned.csv")
                assert churned["customer_id"].tolist() == [CHURNED]
                # frozen at its last stored score (July's), not the oldest
                july = last_scored.set_index(last_scored["customer_id"].astype(str))
                assert churned["score"].iloc[0] == july.at[CHURNED, "score"]
                assert churned["as_of"].iloc[0] == "2026-07-31"
            else:
                assert CHURNED in ids and done.churned == 0
                last_scored = frame
            if month == "2026-09":  # the window changed: the formula's share, by name
                assert done.weights_changed
                cards = (out / month / "reports" / "customers").glob("*.html")
                assert sum("formula (changed weights)" in p.read_text() for p in cards) > 5
            previous = frame
        # the same month with the same weights and inputs again is skipped
        again = run_month(changed, store, out, "2026-10",
                          data_dir=exports, outcomes=exports / "churn.csv")
        assert again.skipped
        assert len(list_runs(store)) == 6
        # November: the usage export ends on 31 October, so the month is refused
        with pytest.raises(DataError) as refused:
            run_month(changed, store, out, "2026-11", data_dir=exports,
                      outcomes=exports / "churn.csv")
        text = str(refused.value)
        assert "source `usage` ends on 2026-10-31" in text and "--allow-stale" in text
        assert len(list_runs(store)) == 6 and not (out / "2026-11").exists()
        # with --allow-stale the month runs, and says so on the run and on every page
        stale = run_month(changed, store, out, "2026-11", data_dir=exports,
                          outcomes=exports / "churn.csv", allow_stale=True)
        assert any("source `usage` ends on 2026-10-31" in s for s in stale.stale)
        assert load_run(store, stale.run_id).run_json["stale"] == stale.stale
        page = next((out / "2026-11" / "reports" / "customers").glob("*.html")).read_text()
        assert "Data not fresh" in page


def edge_weights(folder: Path) -> Path:
    """One signal, scored as itself: a customer's score is its `health` value."""
    return write_weights(folder / "edge.yaml", {
        "signals": {"health": {"score": {"linear": [0, 100]}}},
        "tiers": [{"name": "at risk", "below": 50}, {"name": "watch", "below": 75},
                  {"name": "healthy"}]})


@pytest.mark.parametrize("margin", [3.0, 0.0])
def test_edge_jitter_holds_the_tier_and_a_real_fall_fires(target, tmp_path, margin):
    wf = load_weights(edge_weights(tmp_path))
    wf = wf.model_copy(update={"trend": wf.trend_settings().model_copy(
        update={"tier_margin": margin})})
    months = [  # jitter: 50.7 → 49.3 → 50.2; fall: 84 → 74 (1 under the edge, 10 down);
        # slow: 53 → 49.5 → 48.8 (under the edge for two runs)
        {"jitter": 50.7, "fall": 84.0, "slow": 53.0, "steady": 90.0},
        {"jitter": 49.3, "fall": 74.0, "slow": 49.5, "steady": 90.0},
        {"jitter": 50.2, "fall": 74.0, "slow": 48.8, "steady": 90.0},
    ]
    days = ["2026-08-31", "2026-09-30", "2026-10-31"]
    events = []
    with open_store(target) as store:
        for day, values in zip(days, months, strict=True):
            table = pd.DataFrame({"customer_id": list(values), "health": list(values.values())})
            done = run_as_of(wf, store, tmp_path / day, pd.Timestamp(day).date(),
                             customers=table)
            events.append({e["customer_id"]: e for e in done.events})
            tiers = dict(zip(done.run.frame["customer_id"], done.run.frame["tier"].astype(str),
                             strict=True))
            if day == "2026-09-30":
                assert tiers["fall"] == "watch"   # a 10-point fall always fires
                assert events[1]["fall"]["change"] == -10
                stems = safe_stems(["jitter", "steady"])
                cards = tmp_path / day / "reports" / "customers"
                jitter = (cards / f"{stems['jitter']}.html").read_text()
                if margin:
                    assert tiers["jitter"] == "watch" and "jitter" not in events[1]
                    assert tiers["slow"] == "watch"  # 0.5 under the edge: held
                    assert "Still watch: the score is near the tier edge" in jitter  # says so
                else:
                    assert tiers["jitter"] == "at risk" and "jitter" in events[1]
                    assert "Still " not in jitter
                assert "Still " not in (cards / f"{stems['steady']}.html").read_text()
    if margin:
        assert "jitter" not in events[2]          # back over the edge: nothing happened
        assert events[2]["slow"]["to"] == "at risk"  # under the edge for two runs: it counts
    else:
        assert events[2]["jitter"]["to"] == "watch"  # a flip back: the noise hysteresis stops


def test_render_run_gives_the_months_pages_byte_for_byte(target, exports):
    wf = load_weights(WEIGHTS)
    out = exports / "monthly"
    with open_store(target) as store:
        for month in ("2026-09", "2026-10"):
            done = run_month(wf, store, out, month, data_dir=exports)
        render_stored(store, done.run_id, exports / "again")
    ours = out / "2026-10" / "reports"
    files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    again = sorted(p.relative_to(exports / "again")
                   for p in (exports / "again").rglob("*") if p.is_file())
    assert files == again and len(files) > 40
    differ = [str(f) for f in files if (ours / f).read_bytes() != (exports / "again" / f)
              .read_bytes()]
    assert differ == []
