"""`healthscore diff / backtest / tune` as a user runs them, and their bad-input messages:
exit 2, a message that says what is wrong and what is needed, no traceback."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from healthscore.sample.outcomes import write_history
from tests.conftest import ROOT, write_weights

DATES = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


@pytest.fixture
def small(tmp_path):
    """200 customers at four month-ends; churn (Feb to Jul) follows signal `a`."""
    rng = np.random.default_rng(0)
    ids = [f"K{i:03d}" for i in range(200)]
    a = rng.random(200) * 100
    rows = [pd.DataFrame({"as_of": d, "customer_id": ids, "a": a + rng.normal(0, 5, 200),
                          "b": rng.random(200) * 100, "flat": 7.0}) for d in DATES]
    pd.concat(rows).to_csv(tmp_path / "history.csv", index=False)
    churned = [i for i in range(200) if a[i] < 40]
    days = pd.date_range("2026-02-05", "2026-07-25", periods=len(churned))
    outcomes = pd.DataFrame({"customer_id": [ids[i] for i in churned], "date": days,
                             "outcome": "churned"})
    outcomes = pd.concat([outcomes, pd.DataFrame(
        {"customer_id": [ids[199]], "date": ["2026-08-30"], "outcome": ["renewed"]})])
    outcomes.to_csv(tmp_path / "outcomes.csv", index=False, date_format="%Y-%m-%d")
    write_weights(tmp_path / "w.yaml", {"signals": {
        "a": {"score": {"linear": [0, 100]}}, "b": {"score": {"linear": [0, 100]}}}})
    write_weights(tmp_path / "flat.yaml", {"signals": {
        "a": {"score": {"linear": [0, 100]}}, "flat": {"score": {"linear": [0, 10]}}}})
    return tmp_path


def _fails(proc, *messages: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    text = re.sub(r"\s+", " ", proc.stderr)
    for message in messages:
        assert message in text, text


BACKTEST = ["backtest", "-w", "w.yaml", "-c", "history.csv", "--bootstrap", "10"]


def test_backtest_writes_json_and_html(small, cli):
    proc = cli(*BACKTEST[:-1], "200", "--outcomes", "outcomes.csv", "-o", "bt", check_code=0)
    report = json.loads((small / "bt" / "backtest.json").read_text())
    assert report["as_of_dates"] == DATES
    auc = report["overall"]["auc"]["auc"]
    assert auc > 0.8 and f"ROC AUC {auc:.3f}" in proc.stdout
    html = (small / "bt" / "backtest.html").read_text()
    assert f'aria-label="ROC curve, area under it {auc:.3f}' in html
    assert html.count('role="img"') == 3
    verdicts = {s["signal"]: s["verdict"] for s in report["signals"]}
    assert verdicts == {"a": "informative", "b": "noise"}


def test_unknown_customers(small, cli):
    pd.DataFrame({"customer_id": ["K001", "ZZ9"], "date": ["2026-03-01"] * 2,
                  "outcome": "churned"}).to_csv(small / "o.csv", index=False)
    _fails(cli(*BACKTEST, "--outcomes", "o.csv"),
           "1 customer(s) in the outcomes were never scored: ZZ9")


def test_outcomes_before_any_run(small, cli):
    pd.DataFrame({"customer_id": ["K001", "K002"], "date": ["2025-03-01", "2026-01-31"],
                  "outcome": "churned"}).to_csv(small / "o.csv", index=False)
    _fails(cli(*BACKTEST, "--outcomes", "o.csv"),
           "every outcome is dated on or before the first as-of date 2026-01-31")


def test_too_few_outcomes(small, cli):
    pd.DataFrame({"customer_id": ["K001", "K002", "K003", "K004"],
                  "date": ["2026-02-10", "2026-02-11", "2026-02-12", "2026-09-30"],
                  "outcome": ["churned"] * 3 + ["renewed"]}).to_csv(small / "o.csv", index=False)
    _fails(cli(*BACKTEST, "--outcomes", "o.csv"), "too few outcomes",
           "at least 10 of each are needed")


def test_single_class(small, cli):
    pd.DataFrame({"customer_id": ["K001", "K002"], "date": ["2026-03-01", "2026-09-30"],
                  "outcome": "renewed"}).to_csv(small / "o.csv", index=False)
    _fails(cli(*BACKTEST, "--outcomes", "o.csv"), "no row of the judged runs has the outcome",
           "a single class")


def test_bad_rows_are_cited_by_line(small, cli):
    (small / "o.csv").write_text("customer_id,date,outcome\nK001,2026-03-01,churned\n"
                                 "K002,someday,churned\nK003,2026-03-02,left\n")
    _fails(cli(*BACKTEST, "--outcomes", "o.csv"),
           "o.csv:3: date: expected dates in column `date` written as ISO 8601",
           'found line 3 ("someday")',
           "o.csv: outcome: outcome must be one of churned, renewed, contracted, expanded; "
           "found `left` on lines 4")
    (small / "p.csv").write_text("id,when,outcome\nK001,2026-03-01,churned\n")
    _fails(cli(*BACKTEST, "--outcomes", "p.csv"), "missing customer_id, date")


def test_tune_signal_without_variance(small, cli):
    _fails(cli("tune", "-w", "flat.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv",
               "-o", "new.yaml"), "signal `flat` has no variance in the training runs")
    assert not (small / "new.yaml").exists()


def test_tune_writes_a_new_file_and_refuses_to_overwrite(small, cli):
    proc = cli("tune", "-w", "w.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv",
               "-o", "new.yaml", check_code=0)
    assert "out-of-period ROC AUC" in proc.stdout
    text = (small / "new.yaml").read_text()
    assert text.startswith("# Written by `healthscore tune` from w.yaml")
    cli("validate", "new.yaml", check_code=0)
    _fails(cli("tune", "-w", "w.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv",
               "-o", "new.yaml"), "never replaces one")
    assert (small / "new.yaml").read_text() == text
    _fails(cli("tune", "-w", "w.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv",
               "-o", "x.yaml", "--validate-from", "2027-01-01"),
           "--validate-from 2027-01-01 leaves no runs to validate on")


def test_diff_on_the_sample(tmp_path, cli):
    paths = write_history(tmp_path / "s", n_customers=200, months=2)
    write_weights(tmp_path / "risk.yaml", {"extends": str(ROOT / "weights" / "default.yaml"),
                                           "name": "risk first", "priority": "risk"})
    proc = cli("diff", ROOT / "weights" / "default.yaml", "risk.yaml", "-c",
               paths["customers"], "--as-of", "2026-10-31", "-o", "d",
               "--allow-outside", check_code=0)  # risk.yaml extends the repository's file
    assert "rank correlation (Spearman) 1.000" in " ".join(proc.stdout.split())
    data = json.loads((tmp_path / "d" / "diff.json").read_text())
    assert data["customers"] == 200 and data["histogram"]["old"] == data["histogram"]["new"]
    assert data["entering"]  # ranking by risk instead of ARR at risk changes the list
    html = (tmp_path / "d" / "diff.html").read_text()
    assert 'aria-label="Customers per score band, before and after: 0-10:' in html
