"""`healthscore run`, `history` and `render --run` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from healthscore.sample.raw import generate_raw
from healthscore.store import list_runs, load_run, open_store
from tests.conftest import ROOT
from tests.store.test_trends import Hook, hook  # noqa: F401 - the local webhook fixture

WEIGHTS = ROOT / "weights" / "from-exports.yaml"


@pytest.fixture
def exports(tmp_path):
    generate_raw(tmp_path / "raw", n_customers=40, seed=3)
    return tmp_path


def test_backfill_stores_renders_and_skips(cli, exports, target, hook):  # noqa: F811
    proc = cli("run", "-w", WEIGHTS, "--data", exports, "--backfill", "2026-08..2026-10",
               "--store", target, "--out", "monthly", "--webhook", hook, "-q", check_code=0)
    assert "Traceback" not in proc.stderr
    with open_store(target, read_only=True) as store:
        runs = list_runs(store)
        assert [str(d) for d in runs["as_of"]] == ["2026-08-31", "2026-09-30", "2026-10-31"]
        october = load_run(store, runs["run_id"].iloc[-1])
        september = load_run(store, runs["run_id"].iloc[-2])
    folder = exports / "monthly" / "2026-10"
    assert json.loads((folder / "scores" / "run.json").read_text()) == october.run_json
    scores = pd.read_csv(folder / "scores" / "scores.csv")
    assert scores["customer_id"].tolist() == october.frame["customer_id"].tolist()
    np.testing.assert_array_equal(scores["score"], october.frame["score"])
    # events: exactly the customers whose tier changed since September, also POSTed
    events = [json.loads(line) for line in
              (folder / "events" / "tier-changes.jsonl").read_text().splitlines()]
    was = september.frame.set_index("customer_id")["tier"].astype(str)
    now = october.frame.set_index("customer_id")["tier"].astype(str)
    changed = sorted(was.index[was != now.reindex(was.index)])
    assert sorted(e["customer_id"] for e in events) == changed
    assert all(e["run_id"] == october.run_id for e in events)
    sent = [b for b in Hook.bodies if b["as_of"] == "2026-10-31"]
    assert sorted(e["customer_id"] for e in sent) == changed
    # the scorecard shows the change and where it came from, adding up
    card = next((folder / "reports" / "customers").glob("*.html")).read_text()
    assert "since the previous run" in card and 'id="over-time"' in (
        folder / "reports" / "index.html").read_text()
    # again: every month already stored with the same inputs is skipped
    proc = cli("run", "-w", WEIGHTS, "--data", exports, "--backfill", "2026-08..2026-10",
               "--store", target, "--out", "monthly", "-q", check_code=0)
    assert proc.stdout.count("skipped") == 3
    with open_store(target, read_only=True) as store:
        assert len(list_runs(store)) == 3
    # history of one customer, and a stored run rendered without re-scoring
    cid = october.frame["customer_id"].iloc[0]
    proc = cli("history", cid, "--store", target, check_code=0)
    assert "3 stored run(s)" in proc.stdout and october.run_id in proc.stdout
    proc = cli("render", "--run", october.run_id, "--store", target, "-o", "again", "-q",
               check_code=0)
    assert "rendered 40 scorecards" in proc.stdout
    again = (exports / "again" / "customers").glob("*.html")
    assert any("since the previous run" in p.read_text() for p in again)
    # another weight file for October: a separate, labelled run; the change is split into the
    # formula's share and the customer's
    steady = ROOT / "weights" / "from-exports-steady.yaml"
    proc = cli("run", "-w", steady, "--data", exports, "--month", "2026-10", "--store", target,
               "--out", "steady", "-q", check_code=0)
    assert "the weights differ from the previous stored run's" in " ".join(proc.stdout.split())
    with open_store(target, read_only=True) as store:
        runs = list_runs(store)
    assert len(runs) == 4 and runs["label"].nunique() == 2
    cards = (exports / "steady" / "2026-10" / "reports" / "customers").glob("*.html")
    assert any("formula (changed weights)" in p.read_text() for p in cards)


def test_month_with_churned_accounts(cli, exports):
    pd.DataFrame({"customer_id": ["C00001", "C00002"],
                  "churned_at": ["2026-10-15", "2026-12-01"]}).to_csv(
        exports / "churn.csv", index=False)
    cli("run", "-w", WEIGHTS, "--data", exports, "--month", "2026-09", "-q", check_code=0)
    cli("run", "-w", WEIGHTS, "--data", exports, "--month", "2026-10", "--outcomes",
        "churn.csv", "-q", check_code=0)
    store_path = exports / "healthscore.db"  # the one default store: the working directory
    with open_store(store_path, read_only=True) as store:
        runs = list_runs(store)
        september = load_run(store, runs["run_id"].iloc[0]).frame.set_index("customer_id")
        october = load_run(store, runs["run_id"].iloc[1])
    assert "C00001" not in set(october.frame["customer_id"]) and len(october.frame) == 39
    assert october.run_json["churned"] == ["C00001"]
    left = pd.read_csv(exports / "monthly" / "2026-10" / "churned.csv")
    assert left["customer_id"].tolist() == ["C00001"]
    assert left["score"].iloc[0] == september.loc["C00001", "score"]  # frozen, not re-scored
    # churn is a filter before scoring: every output of the month counts 39 customers
    folder = exports / "monthly" / "2026-10"
    scores = pd.read_csv(folder / "scores" / "scores.csv", dtype={"customer_id": str})
    record = json.loads((folder / "scores" / "run.json").read_text())
    outreach = pd.read_csv(folder / "scores" / "outreach.csv", dtype={"customer_id": str})
    assert len(scores) == record["customers"] == 39 and "C00001" not in set(scores["customer_id"])
    assert "C00001" not in set(outreach["customer_id"])
    assert record["tiers"] == scores["tier"].value_counts().reindex(
        list(record["tiers"]), fill_value=0).to_dict()
    assert record["run_id"] == october.run_id
    assert not (folder / "reports" / "customers" / "c00001.html").exists()
    # the outcomes file is an input: the same month without it is another run, not "skipped"
    proc = cli("run", "-w", WEIGHTS, "--data", exports, "--month", "2026-10", "-q", check_code=0)
    assert "skipped" not in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "expected a month written YYYY-MM (e.g. 2026-10); found `2026-13`"),
    (["--month", "../2026"], "found `../2026`"),
    (["--month", "2026/10"], "found `2026/10`"),
    (["--month", "2026-10 "], "found `2026-10 `"),
    (["--backfill", "2026-10..2026-01"], "`2026-10..2026-01` ends before it starts"),
    ([], "give --month YYYY-MM"),
])
def test_run_mistakes(cli, exports, args, message):
    proc = cli("run", "-w", WEIGHTS, "--data", exports, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert message in " ".join((proc.stdout + proc.stderr).split())


def test_history_of_a_missing_store_creates_nothing(cli, tmp_path):
    proc = cli("history", "C1", "--store", "none/healthscore.db")
    assert proc.returncode == 2 and "no run store here" in proc.stderr
    assert not (tmp_path / "none").exists()


def test_render_needs_weights_or_a_run(cli, tmp_path):
    proc = cli("render", "-o", "x")
    assert proc.returncode == 2 and "give --weights to score, or --run" in " ".join(
        proc.stderr.split())


def test_a_backfill_into_a_month_the_exports_do_not_reach_says_what_is_kept(cli, exports):
    proc = cli("run", "-w", WEIGHTS, "--data", exports, "--backfill", "2026-10..2026-11", "-q")
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "2026-11 was not scored (its folder and the store are as they were); 2026-10 is " \
           "stored" in text
    assert "source `usage` ends on 2026-10-31" in text
    assert (exports / "monthly" / "2026-10").is_dir()
    assert not (exports / "monthly" / "2026-11").exists()
