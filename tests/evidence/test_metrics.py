"""Backtest figures are scikit-learn's on the same scores, and the evidence finds the truth
built into the sample workload."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from healthscore.errors import DataError
from healthscore.evidence.backtest import backtest
from healthscore.evidence.labels import label
from healthscore.evidence.metrics import auc_with_ci, evaluate, require_both_classes


def test_figures_equal_scikit_learn(workload):
    _, outcomes, wf, panel = workload
    bt = backtest(panel, outcomes, wf, rounds=30)
    rows = label(panel, outcomes, "90d").rows
    rows = rows[rows["score"].notna()]
    y, score = rows["y"].to_numpy(), rows["score"].to_numpy()
    ov = bt.overall
    assert ov.rows == len(rows) and ov.events == int(y.sum())
    assert ov.auc.auc == roc_auc_score(y, 100.0 - score)
    assert ov.auc.low < ov.auc.auc < ov.auc.high
    tiers = rows["tier"].to_numpy()
    for i, t in enumerate(ov.tiers):
        flagged = np.isin(tiers, ["at risk", "watch", "healthy"][: i + 1])
        assert t.precision == precision_score(y, flagged)
        assert t.recall == recall_score(y, flagged)
        assert t.rate == y[tiers == t.tier].mean()
    model = LogisticRegression(C=1e6, max_iter=1000).fit(score.reshape(-1, 1), y)
    observed, predicted = calibration_curve(y, model.predict_proba(score.reshape(-1, 1))[:, 1],
                                            n_bins=10, strategy="quantile")
    np.testing.assert_allclose(ov.calibration["observed"], observed, rtol=1e-6)
    np.testing.assert_allclose(ov.calibration["predicted"], predicted, rtol=1e-6)
    lowest = np.argsort(score, kind="stable")[: int(np.ceil(y.size / 10))]
    assert ov.lift_lowest_decile == pytest.approx(y[lowest].mean() / y.mean())
    for day in bt.by_date:
        part = rows[rows["as_of"] == pd.Timestamp(day.as_of)]
        assert day.auc == roc_auc_score(part["y"], 100.0 - part["score"])
    for s in bt.signals:
        have = rows[f"{s.signal}.score"].notna()
        assert s.auc.auc == roc_auc_score(rows.loc[have, "y"],
                                          100.0 - rows.loc[have, f"{s.signal}.score"])


def test_signal_verdicts_find_the_hidden_truth(workload):
    _, outcomes, wf, panel = workload
    verdict = {s.signal: s.verdict for s in backtest(panel, outcomes, wf, rounds=60).signals}
    assert verdict["login_trend"] == "wrong way"  # the sample's churners' logins rise
    for informative in ("active_users", "open_tickets", "days_overdue", "expansion"):
        assert verdict[informative] == "informative", informative
    for noise in ("feature_adoption", "nps"):
        assert verdict[noise] == "noise", noise


def test_bootstrap_resamples_customers_not_rows():
    """Ten identical runs per customer: resampling rows would pretend to 10x the data."""
    rng = np.random.default_rng(2)
    y1 = (rng.random(60) < 0.3).astype(int)
    r1 = y1 + rng.normal(0, 1.5, 60)
    y, risk = np.repeat(y1, 10), np.repeat(r1, 10)
    groups = np.repeat(np.arange(60), 10)
    by_customer = auc_with_ci(y, risk, 200, groups=groups)
    by_row = auc_with_ci(y, risk, 200)
    single = auc_with_ci(y1, r1, 200)
    width = by_customer.high - by_customer.low
    assert width > 2 * (by_row.high - by_row.low)
    assert width == pytest.approx(single.high - single.low, rel=0.35)


def test_bootstrap_interval_is_seeded_and_covers_the_point():
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.3).astype(int)
    risk = y + rng.normal(0, 1.2, 400)
    a, b = auc_with_ci(y, risk, 50, seed=3), auc_with_ci(y, risk, 50, seed=3)
    assert a == b and a.low < a.auc < a.high
    assert a.verdict() == "informative"
    assert auc_with_ci(y, -risk, 50).verdict() == "wrong way"


def test_evaluate_band_rates_are_counted_per_band():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0] * 3)
    score = np.array([5, 15, 15, 45, 45, 45, 75, 75, 95, 100] * 3, dtype=float)
    ev = evaluate(y, score, np.where(score < 50, "at risk", "healthy"), ["at risk", "healthy"],
                  rounds=5)
    by_low = {b.low: b for b in ev.bands}
    assert by_low[10].customers == 6 and by_low[10].observed == pytest.approx(0.5)
    assert by_low[90].customers == 6 and by_low[90].observed == 0
    assert by_low[20].observed is None


def test_too_few_and_single_class_say_what_is_needed():
    with pytest.raises(DataError, match="at least 10 of each are needed"):
        require_both_classes(np.array([1] * 3 + [0] * 50))
    with pytest.raises(DataError, match="no row of the judged runs has the outcome"):
        require_both_classes(np.zeros(30, dtype=int))


def test_only_events_after_the_as_of_date_and_within_the_horizon_count():
    """An event dated before the as-of date (or on it) is history, not a prediction target;
    one within the horizon after it counts; with `--event contracted` too."""
    day = pd.Timestamp("2026-06-30")
    panel = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "as_of": [day] * 4,
                          "score": [50.0, 60.0, 70.0, 80.0]})
    outcomes = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "d"],
        "date": pd.to_datetime(["2026-06-01", "2026-06-30", "2026-07-15", "2026-10-30",
                                "2026-12-31"]),
        "outcome": ["contracted", "contracted", "contracted", "contracted", "renewed"]})
    judged = label(panel, outcomes, horizon="90d", event=("contracted",))
    y = dict(zip(judged.rows["customer_id"], judged.rows["y"], strict=True))
    assert y == {"a": 0, "b": 0, "c": 1, "d": 0}  # d's is 122 days after: beyond the horizon
