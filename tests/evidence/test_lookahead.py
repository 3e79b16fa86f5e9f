"""No look-ahead, by construction: what happens after an as-of date changes nothing that was
known at it, and customers are not judged after they churned."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import healthscore
from healthscore.evidence.backtest import backtest
from healthscore.evidence.labels import label
from healthscore.evidence.outcomes import check_outcomes
from healthscore.evidence.runs import backfill_runs
from healthscore.sample.raw import generate_raw
from tests.conftest import ROOT

DATES = [date(2026, 7, 31), date(2026, 8, 31)]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    base = tmp_path_factory.mktemp("exports")
    generate_raw(base / "raw", n_customers=80, seed=3, as_of=date(2026, 10, 31))
    return base


def _outcomes(ids: list[str]) -> pd.DataFrame:
    """Churn for every third customer, spread over Aug to Nov; a renewal on 2027-01-15 says
    the outcomes are complete until then."""
    days = pd.date_range("2026-08-05", "2026-11-25", periods=len(ids[::3]))
    rows = [{"customer_id": c, "date": d, "outcome": "churned"} for c, d in zip(ids[::3], days,
                                                                             strict=True)]
    rows.append({"customer_id": ids[1], "date": "2027-01-15", "outcome": "renewed"})
    return check_outcomes(pd.DataFrame(rows))


def test_future_events_and_outcomes_change_no_past_figure(exports):
    wf = healthscore.load_weights(ROOT / "weights" / "from-exports.yaml")
    panel = backfill_runs(wf, DATES, exports)
    ids = sorted(panel["customer_id"].unique())
    outcomes = _outcomes(ids)
    before = backtest(panel, outcomes, wf, rounds=20)

    # events dated after the first as-of date: a flood of tickets and usage, a survey
    tickets = pd.read_csv(exports / "raw" / "tickets.csv")
    late = tickets.head(300).copy()
    late["opened_at"] = "2026-08-10 09:00:00"
    late["closed_at"] = None
    late["escalated"] = True
    late["ticket_id"] += 10**6
    pd.concat([tickets, late]).to_csv(exports / "raw" / "tickets.csv", index=False)
    surveys = pd.read_csv(exports / "raw" / "surveys.csv")
    bad = surveys.head(200).assign(rating=1, answered_at="2026-08-20T10:00:00Z")
    pd.concat([surveys, bad]).to_csv(exports / "raw" / "surveys.csv", index=False)
    later = backfill_runs(wf, DATES, exports)
    first = pd.Timestamp(DATES[0])
    pd.testing.assert_frame_equal(panel[panel["as_of"] == first],
                                  later[later["as_of"] == first])
    assert not panel[panel["as_of"] != first].equals(later[later["as_of"] != first])

    # an outcome after every horizon (and a churn after it) changes no figure either
    more = pd.concat([outcomes, check_outcomes(pd.DataFrame(
        [{"customer_id": ids[4], "date": "2027-01-10", "outcome": "churned"}]))])
    after = backtest(panel, more, wf, rounds=20)
    assert after.to_dict() == before.to_dict()


def test_churned_customers_are_not_judged_after_their_churn_date(workload):
    _, outcomes, _, panel = workload
    rows = label(panel, outcomes, "90d").rows
    churn = outcomes[outcomes["outcome"] == "churned"].groupby("customer_id")["date"].min()
    gone = rows["customer_id"].map(churn) <= rows["as_of"]
    assert not gone.any()
    assert (panel["customer_id"].map(churn) <= panel["as_of"]).sum() > 1000  # were there


def test_label_counts_the_horizon_exactly():
    panel = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "as_of": pd.Timestamp("2026-01-31"),
                          "score": [10.0, 20, 30, 40], "tier": "at risk"})
    outcomes = check_outcomes(pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "d"],
        "date": ["2026-01-31", "2026-05-01", "2026-05-02", "2026-02-01", "2026-06-30"],
        "outcome": ["churned", "churned", "churned", "contracted", "renewed"]}))
    judged = label(panel, outcomes, "90d")
    assert judged.gone == 1  # a churned on the as-of date: gone, not a prediction
    assert dict(zip(judged.rows["customer_id"], judged.rows["y"], strict=True)) == \
        {"b": 1, "c": 0, "d": 0}  # 2026-05-01 is 90 days on; 05-02 is one day late
    both = label(panel, outcomes, "90d", event=("churned", "contracted"))
    assert dict(zip(both.rows["customer_id"], both.rows["y"], strict=True))["d"] == 1
    pending = label(panel, outcomes, "6M", observed_until=pd.Timestamp("2026-08-30"))
    assert pending.rows.empty is False
    with pytest.raises(healthscore.DataError, match="no run can be judged yet"):
        label(panel, outcomes, "6M", observed_until=pd.Timestamp("2026-07-30"))
