"""Trends from stored runs (SQLite and PostgreSQL): attribution adds up, the formula's share is
separated when the weights changed, tier-change events; and the pure trend helpers on
hand-made numbers."""

from __future__ import annotations

import json
import math
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

import healthscore
from healthscore.errors import HealthscoreError
from healthscore.store import history_frame, load_run, open_store, record_run
from healthscore.trends import (
    attribute,
    attribution_text,
    attribution_texts,
    changes,
    churned_ids,
    formula_split,
    portfolio_over_time,
    post_events,
    split_churned,
    tier_events,
    time_in_tier,
    top_items,
    volatility,
    write_events,
)
from healthscore.trends.attribution import rounded_parts
from tests.store.sample import input_file, scored, weights

SEP, OCT = date(2026, 9, 30), date(2026, 10, 31)


def without_renewal():
    """The default weights without the `renewal` signal: the signal sets differ."""
    data = weights().model_dump(mode="json", exclude_none=True)
    del data["signals"]["renewal"]
    for group in data["groups"].values():
        group["signals"] = [s for s in group["signals"] if s != "renewal"]
    data["name"] = "no renewal"
    return healthscore.WeightFile.model_validate(data)


def two_runs(target, tmp_path, after_weights=None):
    before, rec_b = scored(150, seed=1, as_of=SEP)
    table = healthscore.sample.generate_customers(150, seed=2, as_of=OCT)
    wf = after_weights or weights()
    scored_after = healthscore.score_run(table, wf, as_of=OCT)
    after, rec_a = scored_after.frame, scored_after.record()
    with open_store(target) as store:
        b = record_run(store, before, rec_b, inputs={"c": input_file(tmp_path, 1)})
        a = record_run(store, after, rec_a, inputs={"c": input_file(tmp_path, 2)})
        return load_run(store, b.run_id), load_run(store, a.run_id), store


@pytest.mark.parametrize("changed", [False, True], ids=["same-signals", "signal-dropped"])
def test_attribution_adds_up_from_stored_runs(target, tmp_path, changed):
    wf_after = without_renewal() if changed else weights()
    prev, cur, _ = two_runs(target, tmp_path, wf_after)
    for level in ("signal", "top"):
        parts = attribute(prev.frame, cur.frame, level=level, weights_before=prev.weights,
                          weights_after=cur.weights)
        scored_rows = parts["change"].notna()
        assert scored_rows.sum() > 100
        items = parts.drop(columns=["score_before", "score_after", "change"])
        np.testing.assert_allclose(items[scored_rows].sum(axis=1), parts["change"][scored_rows],
                                   rtol=0, atol=1e-9)
        assert items[~scored_rows].isna().all().all()
    signal_parts = attribute(prev.frame, cur.frame)
    if changed:  # the dropped signal gives back exactly the points it had
        before_pts = prev.frame.set_index("customer_id")["renewal.points"]
        ok = signal_parts["change"].notna()
        np.testing.assert_array_equal(signal_parts.loc[ok, "renewal"],
                                      -before_pts.reindex(signal_parts.index[ok]).to_numpy())
        assert "renewal" not in top_items(cur.weights)


def test_attribution_on_hand_numbers(tmp_path):
    wf = healthscore.WeightFile.model_validate({
        "version": 1, "name": "t", "groups": {"g": {"signals": ["a", "b"], "weight": 3}},
        "signals": {"a": {"score": {"linear": [0, 100]}}, "b": {"score": {"linear": [0, 100]}},
                    "c": {"score": {"linear": [0, 100]}}}})
    before = healthscore.score(pd.DataFrame({"customer_id": ["x"], "a": [80.0], "b": [60.0],
                                             "c": [40.0]}), wf, as_of=OCT)
    after = healthscore.score(pd.DataFrame({"customer_id": ["x"], "a": [40.0], "b": [60.0],
                                            "c": [48.0]}), wf, as_of=OCT)
    parts = attribute(before, after, level="signal")
    # a weighs 3/4 * 1/2 = 0.375: -40 * 0.375 = -15; c weighs 0.25: +8 * 0.25 = +2
    assert parts.loc["x", "a"] == pytest.approx(-15) and parts.loc["x", "c"] == pytest.approx(2)
    assert parts.loc["x", "b"] == 0 and parts.loc["x", "change"] == pytest.approx(-13)
    top = attribute(before, after, level="top", weights_before=wf, weights_after=wf)
    assert list(top.columns[3:]) == ["g", "c"] and top.loc["x", "g"] == pytest.approx(-15)
    assert attribution_text(parts.loc["x"]) == "−13: a −15, c +2"
    many = pd.DataFrame({"score_before": [50.0, 50.0, np.nan, 60.0],
                         "score_after": [40.0, 50.4, 40.0, 61.0], "change": [-10, 0.4, np.nan, 1],
                         "p": [-6.4, 0.4, np.nan, 0.3], "q": [-2.3, 0.0, np.nan, 0.3],
                         "r": [-0.7, 0.0, np.nan, 0.2], "s": [-0.6, 0.0, np.nan, 0.2]},
                        index=["a", "b", "c", "d"])
    assert attribution_texts(many, {"p": "support"}).tolist() == [
        "−10: support −6, q −2, r −1, other −1", "0", "", "+1: support +1"]


def test_rounded_parts_add_up_to_the_rounded_total():
    parts = pd.Series({"support": -8.2, "adoption": -4.7, "sentiment": 0.9})
    row = pd.Series({"score_before": 70.0, "score_after": 58.0, "change": -12.0, **parts})
    assert attribution_text(row) == "−12: support −8, adoption −5, sentiment +1"
    values = np.random.default_rng(1).normal(0, 5, (2000, 6))
    whole = rounded_parts(values, values.sum(axis=1))
    np.testing.assert_array_equal(whole.sum(axis=1), np.round(values.sum(axis=1)))
    assert (np.abs(whole - values) < 1.0 + 1e-9).all()
    assert (np.abs(whole - np.round(values)) <= 1).all()


def test_formula_change_is_separated_from_customer_change(target, tmp_path):
    data, rec = scored(150, seed=1, as_of=SEP)
    tweaked = weights(4.0)
    table = healthscore.sample.generate_customers(150, seed=1, as_of=SEP)
    same_data_new_formula = healthscore.score(table, tweaked, as_of=SEP)
    with open_store(target) as store:
        stored = load_run(store, record_run(store, data, rec,
                                            inputs={"c": input_file(tmp_path, 1)}).run_id)
    split = formula_split(stored.frame, same_data_new_formula, tweaked, stored.as_of)
    ok = split["change"].notna()
    assert ok.sum() > 100 and (split.loc[ok, "change"].abs() > 0.01).any()
    # the customers did not change: it is all the formula
    np.testing.assert_allclose(split.loc[ok, "customer"], 0, atol=1e-9)
    np.testing.assert_allclose(split.loc[ok, "formula"], split.loc[ok, "change"], atol=1e-9)
    # new data and new weights: the two shares add up to the change
    moved = healthscore.score(healthscore.sample.generate_customers(150, seed=5, as_of=OCT),
                              tweaked, as_of=OCT)
    both = formula_split(stored.frame, moved, tweaked, stored.as_of)
    ok = both["change"].notna() & both["customer"].notna()
    np.testing.assert_allclose(both.loc[ok, "formula"] + both.loc[ok, "customer"],
                               both.loc[ok, "change"], atol=1e-9)
    assert (both.loc[ok, "customer"].abs() > 1).any()


def test_tier_change_events(target, tmp_path):
    prev, cur, store = two_runs(target, tmp_path)
    parts = attribute(prev.frame, cur.frame)
    events = tier_events(prev.frame, cur.frame, parts, run_id=cur.run_id, as_of=cur.as_of)
    was = prev.frame.set_index("customer_id")["tier"].astype(str)
    now = cur.frame.set_index("customer_id")["tier"].astype(str)
    assert len(events) == int((was != now.reindex(was.index)).sum()) > 0
    event = events[0]
    cid = event["customer_id"]
    assert (event["from"], event["to"]) == (was[cid], now[cid]) and event["from"] != event["to"]
    # the shown scores and their difference: the numbers every page shows
    assert event["score_after"] == math.floor(cur.frame.set_index("customer_id").at[cid, "score"])
    assert event["change"] == event["score_after"] - event["score_before"]
    assert event["run_id"] == cur.run_id and event["owner"] and event["arr"] > 0
    assert len(event["causes"]) <= 3 and all(c["label"] for c in event["causes"])
    moves = [abs(c["points"]) for c in event["causes"]]
    assert moves == sorted(moves, reverse=True)
    path = write_events(events, tmp_path / "events" / "tier-changes.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()

    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    assert [json.loads(line, parse_constant=refuse) for line in lines] == events


def test_events_are_strict_json_when_a_cause_is_unknown():
    """A customer whose points are NaN on one side (a signal added) gives no NaN in its event:
    the parts are whole points and strict JSON."""
    def frame(score, tier, csat, nps):
        out = {"customer_id": ["a"], "score": [score], "tier": [tier]}
        for name, (points, status) in {"csat": csat, "nps": nps}.items():
            out |= {f"{name}.raw": [np.nan if points != points else 1.0],
                    f"{name}.score": [points], f"{name}.weight": [0.5],
                    f"{name}.points": [points], f"{name}.status": [status]}
        return pd.DataFrame(out)

    before = frame(60.0, "watch", (np.nan, "missing"), (60.0, "ok"))
    after = frame(40.0, "at risk", (0.0, "ok"), (40.0, "ok"))
    parts = attribute(before, after)
    events = tier_events(before, after, parts, run_id="r", as_of="2026-10-31",
                         labels={"nps": "NPS"})
    line = json.dumps(events[0], allow_nan=False)  # raises on NaN
    assert json.loads(line)["causes"] == [{"item": "nps", "label": "NPS", "points": -20}]
    assert json.loads(line)["change"] == -20


class Hook(BaseHTTPRequestHandler):
    """Fails the first `fail` requests with `code`, sleeps `delay` seconds, records bodies."""

    fail, code, delay, bodies, calls = 0, 500, 0.0, [], 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        type(self).calls += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.delay:
            threading.Event().wait(self.delay)
        if type(self).fail > 0:
            type(self).fail -= 1
            self.send_response(self.code)
            self.end_headers()
            return
        type(self).bodies.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Hook.fail, Hook.code, Hook.delay, Hook.bodies, Hook.calls = 0, 500, 0.0, [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


EVENTS = [{"customer_id": "a", "from": "watch", "to": "at risk"},
          {"customer_id": "b", "from": "at risk", "to": "watch"}]


def test_webhook_retries_server_errors(hook):
    Hook.fail = 2
    assert post_events(EVENTS, hook, backoff=0.01) == 2
    assert Hook.bodies == EVENTS and Hook.calls == 4


def test_webhook_gives_up_and_says_so(hook):
    Hook.fail = 100
    with pytest.raises(HealthscoreError, match=r"2 of 2 .* HTTP 500 after 3 tries"):
        post_events(EVENTS, hook, retries=2, backoff=0.01)
    assert Hook.calls == 6


def test_webhook_does_not_retry_a_rejection(hook):
    Hook.fail, Hook.code = 1, 400
    with pytest.raises(HealthscoreError, match="a: HTTP 400"):
        post_events(EVENTS, hook, backoff=0.01)
    assert Hook.calls == 2 and Hook.bodies == EVENTS[1:]


def test_webhook_times_out(hook):
    Hook.delay = 1.0
    with pytest.raises(HealthscoreError, match="timed out after 2 tries"):
        post_events(EVENTS[:1], hook, retries=1, timeout=0.2, backoff=0.01)


def hand_history() -> pd.DataFrame:
    rows = [("a", "2026-06-30", 80, "healthy"), ("a", "2026-07-31", 60, "watch"),
            ("a", "2026-08-31", 82, "healthy"), ("a", "2026-09-30", 40, "at risk"),
            ("a", "2026-10-31", 45, "at risk"),
            ("b", "2026-08-31", 70, "watch"), ("b", "2026-09-30", 71, "watch"),
            ("b", "2026-10-31", 30, "at risk")]
    h = pd.DataFrame(rows, columns=["customer_id", "as_of", "score", "tier"])
    h["as_of"] = pd.to_datetime(h["as_of"]).dt.date
    h["arr"] = h["customer_id"].map({"a": 1000.0, "b": 3000.0})
    return h


def test_changes_use_the_dead_band():
    h = hand_history()
    current = h[h["as_of"] == OCT]
    wf = healthscore.WeightFile.model_validate({
        "version": 1, "name": "t", "trend": {"dead_band": 6, "window": "3M"},
        "signals": {"x": {"score": {"linear": [0, 100]}}}})
    out = changes(current, h[h["as_of"] < OCT], OCT, wf).set_index("customer_id")
    assert out.loc["a", "change"] == 5 and out.loc["a", "direction"] == "steady"
    assert out.loc["b", "change"] == -41 and out.loc["b", "direction"] == "down"
    assert out.loc["a", "window_change"] == 45 - 60  # 31 July is 3 months before
    default = changes(current, h[h["as_of"] < OCT], OCT).set_index("customer_id")
    assert default.loc["a", "direction"] == "up"  # dead-band 3


def test_time_in_tier_volatility_and_portfolio():
    h = hand_history()
    tenure = time_in_tier(h).set_index("customer_id")
    assert tenure.loc["a", "runs_in_tier"] == 2 and str(tenure.loc["a", "tier_since"]) == \
        "2026-09-30"
    assert tenure.loc["b", "runs_in_tier"] == 1 and tenure.loc["b", "tier"] == "at risk"
    vol = volatility(h)
    # a: 20, 22, 42, 5; b: 1, 41 → median of 1, 5, 20, 22, 41, 42
    assert vol["median_abs_change"] == 21.0 and vol["changes"] == 6
    # a flips watch (reverts next run), healthy, at risk; b's last flip has no next run
    assert (vol["flips"], vol["reverted"], vol["revert_share"]) == (3, 1, 1 / 3)
    over = portfolio_over_time(h, tiers=["at risk", "watch", "healthy"])
    oct_rows = over[over["as_of"] == OCT].set_index("tier")
    assert oct_rows.loc["at risk", "customers"] == 2 and oct_rows.loc["at risk", "arr"] == 4000
    aug = over[over["as_of"] == date(2026, 8, 31)]
    assert list(aug["tier"]) == ["watch", "healthy"] and list(aug["share"]) == [0.5, 0.5]
    assert list(aug["arr_share"]) == [0.75, 0.25]


def test_churned_accounts_leave_with_their_last_score(target, tmp_path):
    prev, cur, store = two_runs(target, tmp_path)
    accounts = cur.frame[["customer_id"]].assign(status="active")
    accounts.loc[3, "status"] = "Churned"
    outcomes = pd.DataFrame({"customer_id": ["C00005", "C00006"],
                             "churned_at": ["2026-10-02", "2026-11-15"]})
    gone = churned_ids(accounts, outcomes=outcomes, as_of=OCT)
    assert gone == {cur.frame.loc[3, "customer_id"], "C00005"}  # C00006 churns later
    active, left = split_churned(cur.frame, gone, history_frame(store, before=OCT))
    assert len(active) == len(cur.frame) - 2 and not active["customer_id"].isin(gone).any()
    frozen = left.set_index("customer_id")
    before = prev.frame.set_index("customer_id")
    assert frozen.loc["C00005", "score"] == before.loc["C00005", "score"]
    assert frozen.loc["C00005", "as_of"] == SEP


def test_a_change_of_exactly_the_dead_band_is_a_move():
    """The dead-band's edge: under it is steady, at it a move (in both directions)."""
    from healthscore.trends import direction

    got = direction(np.array([3.0, -3.0, 2.0, -2.0, 0.0, np.nan]), 3.0).tolist()
    assert got == ["up", "down", "steady", "steady", "steady", ""]


def test_a_tie_of_rounded_parts_goes_to_the_larger_exact_move():
    """C00004's case: Active users +1 (exact +0.6) and Expansion −1 (exact −1.26) tie after
    rounding; the larger exact move is named first, and the parts add up to the shown change
    (81.4 → 80.2 is 81 → 80: −1)."""
    parts = pd.DataFrame({"score_before": [81.4], "score_after": [80.2], "change": [-1.2],
                          "active_users": [0.6], "expansion": [-1.26], "csat": [-0.54]},
                         index=pd.Index(["C00004"], name="customer_id"))
    text = attribution_texts(parts, {"active_users": "Active users", "expansion": "Expansion"})
    assert text.iloc[0] == "−1: Expansion −1, Active users +1, csat −1"


def test_what_changed_names_falls_first_with_their_values():
    """The worklist's first words: the signals that moved the score most since the previous
    run, falls before rises, larger first, each with its value then and now; a signal whose
    points moved but whose value did not (the formula) is not named."""
    from healthscore.trends.worklist import what_changed

    wf = healthscore.WeightFile.model_validate({
        "version": 1, "name": "t",
        "signals": {"days_overdue": {"label": "Days overdue", "unit": "days",
                                     "score": {"linear": [60, 0]}},
                    "csat": {"label": "CSAT", "unit": "%", "score": {"linear": [60, 95]}},
                    "seats": {"score": {"linear": [0, 10]}}}})

    def frame(days, csat, seats):
        return pd.DataFrame({"customer_id": ["a", "b"], "days_overdue.raw": days,
                             "csat.raw": csat, "seats.raw": seats})

    before = frame([3.0, 10.0], [90.0, 80.0], [5.0, 5.0])
    after = frame([34.0, 10.0], [95.0, 70.0], [5.0, 5.0])
    parts = pd.DataFrame({"score_before": [80.0, 70.0], "score_after": [62.0, 66.0],
                          "change": [-18.0, -4.0], "days_overdue": [-20.0, 0.0],
                          "csat": [2.0, -3.0], "seats": [0.0, -1.0]},
                         index=pd.Index(["a", "b"], name="customer_id"))
    got = what_changed(before, after, parts, wf, pd.Series(["b", "a", "z"]))
    assert got.to_dict() == {"b": "CSAT 70%, down from 80%",
                             "a": "Days overdue 34 days, up from 3 days; CSAT 95%, up from 90%",
                             "z": ""}
