"""The outcomes table is read like any source: CSV, Parquet, Excel, SQLite and PostgreSQL; and
past runs can be recomputed from raw exports by the CLI."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date

import pandas as pd
import pytest

from healthscore.errors import DataError
from healthscore.evidence.outcomes import read_outcomes
from healthscore.sample.raw import generate_raw
from tests.conftest import ROOT

FRAME = pd.DataFrame({"customer_id": ["a", "b", "c"],
                      "date": pd.to_datetime(["2026-03-01", "2026-04-15", "2026-05-31"]),
                      "outcome": ["churned", " Renewed", "expanded"]})
EXPECTED = pd.DataFrame({"customer_id": ["a", "b", "c"],
                         "date": pd.to_datetime(["2026-03-01", "2026-04-15", "2026-05-31"]),
                         "outcome": ["churned", "renewed", "expanded"]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_files(tmp_path, suffix):
    path = tmp_path / f"o{suffix}"
    {".csv": lambda: FRAME.to_csv(path, index=False),
     ".parquet": lambda: FRAME.to_parquet(path, index=False),
     ".xlsx": lambda: FRAME.to_excel(path, index=False)}[suffix]()
    got = read_outcomes(path)
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)


def test_sqlite(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    FRAME.to_sql("crm_outcomes", sa.create_engine(url), index=False)
    pd.testing.assert_frame_equal(read_outcomes(url, table="crm_outcomes"), EXPECTED,
                                  check_dtype=False)
    with pytest.raises(DataError, match="cannot read table `nope`"):
        read_outcomes(url, table="nope")


def test_a_missing_sqlite_database_is_an_error_never_created(tmp_path, monkeypatch):
    """Issue 20: `--outcomes sqlite:///missing.db` created an empty file."""
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite:///missing.db", f"sqlite:///{tmp_path / 'gone' / 'crm.db'}"):
        with pytest.raises(DataError, match="no such SQLite database .*never created"):
            read_outcomes(url)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_postgresql():
    import sqlalchemy as sa

    url = os.environ.get("HEALTHSCORE_TEST_PG_URL")
    assert url, "HEALTHSCORE_TEST_PG_URL is not set: this test needs a real PostgreSQL server"
    table = "outcomes_" + uuid.uuid4().hex[:8]
    engine = sa.create_engine(url)
    FRAME.to_sql(table, engine, index=False)
    try:
        pd.testing.assert_frame_equal(read_outcomes(url, table=table), EXPECTED,
                                      check_dtype=False)
    finally:
        with engine.begin() as con:
            con.execute(sa.text(f'DROP TABLE "{table}"'))
        engine.dispose()


def test_backtest_and_diff_recompute_from_raw_exports(tmp_path, cli):
    generate_raw(tmp_path / "raw", n_customers=120, seed=4, as_of=date(2026, 10, 31))
    accounts = pd.read_csv(tmp_path / "raw" / "accounts.csv")
    ids = accounts["Account ID"].tolist()
    churn = pd.DataFrame({"customer_id": ids[:40],
                          "date": pd.date_range("2026-08-03", "2026-12-20", periods=40),
                          "outcome": "churned"})
    churn.to_csv(tmp_path / "outcomes.csv", index=False, date_format="%Y-%m-%d")
    weights = ROOT / "weights" / "from-exports.yaml"
    cli("backtest", "-w", weights, "--data", tmp_path, "--as-of", "2026-10-31", "--months", "3",
        "--outcomes", "outcomes.csv", "--horizon", "30d", "--bootstrap", "10", "-o", "bt",
        check_code=0)
    report = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    assert report["as_of_dates"] == ["2026-08-31", "2026-09-30", "2026-10-31"]
    assert report["overall"]["rows"] > 200
    (tmp_path / "even.yaml").write_text(
        f"version: 1\nname: even\nextends: {weights}\n"
        "groups:\n  sentiment: {weight: 25}\n  adoption: {weight: 25}\n"
        "  support: {weight: 25}\n  commercial: {weight: 25}\n")
    proc = cli("diff", weights, "even.yaml", "--data", tmp_path, "--as-of", "2026-10-31",
               "--allow-outside", check_code=0)  # even.yaml extends the repository's file
    assert "120 customers, 120 scored by both" in " ".join(proc.stdout.split())


def test_unknown_event_is_named(tmp_path, cli):
    FRAME.to_csv(tmp_path / "o.csv", index=False)
    proc = cli("backtest", "-w", ROOT / "weights" / "default.yaml", "-c", "h.csv",
               "--outcomes", "o.csv", "--event", "left")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--event: unknown outcome left; choose from churned, renewed, contracted, " \
        "expanded" in " ".join(proc.stderr.split())


def test_tune_from_raw_exports_keeps_the_sources_readable(tmp_path, cli):
    """With --data the new file's source paths stay as written (used with the same --data);
    without it they are rewritten relative to the new file's folder."""
    import shutil

    import healthscore
    from healthscore.evidence.outcomes import check_outcomes
    from healthscore.evidence.runs import backfill_runs
    from healthscore.evidence.tune import tune

    generate_raw(tmp_path / "raw", n_customers=240, seed=6, as_of=date(2026, 10, 31))
    ids = pd.read_csv(tmp_path / "raw" / "accounts.csv")["Account ID"].tolist()
    pd.DataFrame({"customer_id": ids[::2],
                  "date": pd.date_range("2026-08-03", "2026-12-20", periods=len(ids[::2])),
                  "outcome": "churned"}).to_csv(tmp_path / "outcomes.csv", index=False,
                                               date_format="%Y-%m-%d")
    (tmp_path / "new").mkdir()
    cli("tune", "-w", ROOT / "weights" / "from-exports.yaml", "--data", tmp_path, "--as-of",
        "2026-10-31", "--months", "4", "--horizon", "30d", "--outcomes", "outcomes.csv",
        "-o", "new/with-data.yaml", check_code=0)
    cli("score", "-w", "new/with-data.yaml", "--data", tmp_path, "--as-of", "2026-10-31",
        "-o", "scored", "-q", check_code=0)
    assert len(pd.read_csv(tmp_path / "scored" / "scores.csv")) == 240

    for name in ("default.yaml", "from-exports.yaml"):
        shutil.copy(ROOT / "weights" / name, tmp_path / name)
    wf = healthscore.load_weights(tmp_path / "from-exports.yaml")
    dates = [date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)]
    outcomes = check_outcomes(pd.read_csv(tmp_path / "outcomes.csv"))
    result = tune(lambda w: backfill_runs(w, dates), outcomes, wf,
                  tmp_path / "new" / "moved.yaml", horizon="30d", rounds=5)
    assert result.weights.sources["accounts"].path == "../raw/accounts.csv"
    cli("score", "-w", "new/moved.yaml", "--as-of", "2026-10-31", "-o", "scored2", "-q",
        check_code=0)


def test_backtest_of_stored_runs_equals_recomputing_them(tmp_path, cli):
    """Runs recorded by the monthly job are judged as stored: the same panel, so the same
    figures, as recomputing those months from the exports (no look-ahead either way)."""
    import healthscore
    from healthscore.evidence.runs import backfill_runs, stored_runs
    from healthscore.monthly import store_month
    from healthscore.pipeline import month_ends_before
    from healthscore.store import open_store

    generate_raw(tmp_path / "raw", n_customers=120, seed=4, as_of=date(2026, 10, 31))
    accounts = pd.read_csv(tmp_path / "raw" / "accounts.csv", dtype=str)
    churn = pd.DataFrame({"customer_id": accounts["Account ID"].tolist()[:40],
                          "date": pd.date_range("2026-08-03", "2026-12-20", periods=40),
                          "outcome": "churned"})
    churn.to_csv(tmp_path / "outcomes.csv", index=False, date_format="%Y-%m-%d")
    for name in ("from-exports.yaml", "default.yaml"):  # the file and the one it extends
        (tmp_path / name).write_text((ROOT / "weights" / name).read_text())
    weights = tmp_path / "from-exports.yaml"
    wf = healthscore.load_weights(weights)
    dates = [*month_ends_before(date(2026, 10, 31), 2), date(2026, 10, 31)]
    store = open_store(tmp_path / "runs.db")
    for day in dates:
        store_month(wf, store, day, data_dir=tmp_path)
    stored = stored_runs(open_store(tmp_path / "runs.db", read_only=True), wf)
    recomputed = backfill_runs(wf, dates, tmp_path)
    columns = ["customer_id", "as_of", "score", "tier"]
    pd.testing.assert_frame_equal(stored[columns], recomputed[columns], check_dtype=False)
    for source in (["--store", "runs.db"], ["--data", tmp_path, "--as-of", "2026-10-31",
                                            "--months", "3"]):
        cli("backtest", "-w", weights, *source, "--outcomes", "outcomes.csv", "--horizon",
            "30d", "--bootstrap", "10", "-o", source[0].strip("-"), check_code=0)
    from_store = json.loads((tmp_path / "store" / "backtest.json").read_text())
    from_data = json.loads((tmp_path / "data" / "backtest.json").read_text())
    assert from_store["overall"] == from_data["overall"]
