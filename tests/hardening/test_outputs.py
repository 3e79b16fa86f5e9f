"""Outputs never cost the user a file, and a killed run leaves nothing that stays (issue 11
items 6-8; killing real processes), and every CSV we write neutralises formulas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import healthscore
from healthscore.errors import HealthscoreError
from healthscore.io.guard import MANIFEST, remove_stale
from tests.conftest import write_weights
from tests.render import render_sample
from tests.render.conftest import WEIGHTS as RENDER_WEIGHTS

SIGNALS = {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
           "nps": {"score": {"linear": [-20, 60]}}}


@pytest.fixture
def weights(tmp_path):
    return write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "healthscore", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        assert proc.poll() is None, ("finished before the moment to kill it", proc.stderr.read())
        time.sleep(0.005)
    raise AssertionError("timed out waiting")


def test_render_refuses_an_output_folder_holding_its_inputs(tmp_path, cli):
    """Item 6: `render -o DIR` with the weight file and the table in DIR deleted them."""
    folder = tmp_path / "work"
    folder.mkdir()
    render_sample.customers(12).to_csv(folder / "customers.csv", index=False)
    (folder / "w.yaml").write_text(RENDER_WEIGHTS.read_text())
    proc = cli("render", "-w", folder / "w.yaml", "-c", folder / "customers.csv", "-o", folder,
               "-q", "--as-of", "2026-11-01")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "the output folder holds an input of this run" in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv", "w.yaml"]
    # a folder an earlier render wrote, where the user then put a file of their own
    cli("render", "-w", folder / "w.yaml", "-c", folder / "customers.csv", "-o", "report",
        "-q", "--as-of", "2026-11-01", check_code=0)
    (tmp_path / "report" / "notes.txt").write_text("mine")
    proc = cli("render", "-w", folder / "w.yaml", "-c", folder / "customers.csv", "-o",
               "report", "-q", "--as-of", "2026-11-01")
    assert proc.returncode == 2 and "did not write (notes.txt)" in proc.stderr
    assert (tmp_path / "report" / "notes.txt").read_text() == "mine"


def test_render_refuses_an_output_folder_inside_its_parquet_folder(tmp_path, run):
    folder = tmp_path / "customers"
    folder.mkdir()
    run.frame[["customer_id"]].to_parquet(folder / "part-0.parquet")
    run.inputs["customers"] = str(folder)
    from healthscore.render import render_run

    with pytest.raises(HealthscoreError, match="the output folder is inside an input"):
        render_run(run, folder / "report")
    assert [p.name for p in folder.iterdir()] == ["part-0.parquet"]


@pytest.fixture
def run():
    return healthscore.score_run(render_sample.customers(30), RENDER_WEIGHTS,
                                 as_of=render_sample.AS_OF)


@pytest.mark.parametrize("name", ["parents.csv", "run.json", "scores.csv"])
def test_score_keeps_the_users_own_files_of_our_names(tmp_path, weights, cli, name):
    """Item 7: `score --out` holding the user's parents.csv or run.json deleted them."""
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\na,80,10\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / name).write_text("the user's own")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"the output folder holds {name}, not written by healthscore" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [name]
    assert (tmp_path / "out" / name).read_text() == "the user's own"


def test_score_replaces_what_it_wrote_before(tmp_path, weights, cli):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\na,80,10\n")
    for _ in range(2):
        cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q", check_code=0)
    assert (tmp_path / "out" / MANIFEST).read_text().split() == [
        "outreach.csv", "outreach.parquet", "run.json", "scores.csv", "scores.parquet"]


def test_a_killed_score_leaves_a_temporary_the_next_run_removes(tmp_path, weights):
    """Item 8: a killed `score` left a 1.4 GB `.healthscore-*` folder nobody removed."""
    n = 1_500_000
    rng = np.random.default_rng(3)
    pd.DataFrame({"customer_id": np.arange(n).astype(str), "csat_pct": rng.uniform(50, 99, n),
                  "nps": rng.uniform(-40, 80, n)}).to_parquet(tmp_path / "c.parquet",
                                                             row_group_size=100_000)
    out = tmp_path / "out"
    proc = _start(["score", "-w", weights, "-c", "c.parquet", "-o", "out", "-q"], tmp_path)

    def partial_output():
        temps = list(out.glob(f".healthscore-{proc.pid}-*")) if out.exists() else []
        return temps if temps and any(temps[0].iterdir()) else None

    temps = _wait_for(partial_output, proc)
    proc.kill()
    proc.wait(timeout=60)
    assert temps[0].exists()  # left behind by the kill
    (tmp_path / "small.csv").write_text("customer_id,csat_pct,nps\na,80,10\n")
    subprocess.run([sys.executable, "-m", "healthscore", "score", "-w", weights, "-c",
                    "small.csv", "-o", "out", "-q"], cwd=tmp_path, check=True,
                   capture_output=True)
    assert not [p for p in out.iterdir() if p.name.startswith(".healthscore-")
                and p.name != MANIFEST]


def test_a_killed_render_leaves_a_temporary_the_next_run_removes(tmp_path):
    render_sample.customers(1500).to_csv(tmp_path / "c.csv", index=False)
    args = ["render", "-w", RENDER_WEIGHTS, "-c", "c.csv", "-o", "rep", "-q", "-j", "1",
            "--as-of", "2026-11-01"]
    proc = _start(args, tmp_path)

    def staging():
        temps = list(tmp_path.glob(f".rep.tmp-{proc.pid}-*"))
        return temps if temps and len(list((temps[0] / "customers").glob("*"))) > 20 else None

    temps = _wait_for(staging, proc)
    proc.kill()
    proc.wait(timeout=60)
    assert temps[0].exists()
    done = subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "rep"]


def test_stale_temporaries_of_live_processes_and_foreign_files_stay(tmp_path):
    live = tmp_path / f".healthscore-{os.getppid()}-abc"  # our parent: alive
    live.mkdir()
    other = tmp_path / ".healthscore-notapid"
    other.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f".healthscore-{dead.pid}-xyz"
    gone.mkdir()
    (gone / "scores.csv").write_text("partial")
    assert remove_stale(tmp_path, ".healthscore-") == [gone]
    assert live.exists() and other.exists() and not gone.exists()


def test_formulas_are_neutralised_in_every_csv_we_write(tmp_path, cli):
    """Security: `score`'s scores.csv / outreach.csv passed `=HYPERLINK(…)` on unchanged."""
    names = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
             "plain"]
    frame = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "=e"], "name": names,
                          "arr": [100.0, 200.0, 300.0, 400.0, -5.0],
                          "csat_pct": [61.0, 70, 80, 90, 95], "nps": [-10.0, 0, 10, 20, 30]})
    frame.to_csv(tmp_path / "c.csv", index=False)
    weights = write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})
    cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q", check_code=0)
    expected = dict(zip(["a", "b", "c", "d", "'=e"],
                        ["'" + n if n[0] in "=+-@" else n for n in names], strict=True))
    for stem in ("scores", "outreach"):
        table = pd.read_csv(tmp_path / "out" / f"{stem}.csv", dtype={"customer_id": str})
        by_id = dict(zip(table["customer_id"], table["name"], strict=True))
        if stem == "scores":
            assert by_id == expected
        else:  # the outreach list: the customers in the tiers that need action
            assert by_id and by_id.items() <= expected.items()
            assert any(name.startswith("'") for name in by_id.values())
        raw = pd.read_parquet(tmp_path / "out" / f"{stem}.parquet")  # Parquet: as they are
        assert set(raw["name"]) <= set(names) and (stem == "outreach" or len(raw) == 5)
    assert ",-5," in (tmp_path / "out" / "scores.csv").read_text()  # numbers stay numbers


def test_sqlite_source_is_opened_read_only_and_never_created(tmp_path):
    import sqlite3

    import sqlalchemy as sa

    from healthscore.errors import DataError
    from healthscore.signals.sources import _sql_url

    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0,
        "sources": {"accounts": {"kind": "sql", "url": "sqlite:///missing.db",
                                 "table": "accounts"}},
        "signals": {"seats": {"score": {"linear": [0, 10]}}}})
    with pytest.raises(DataError, match="file not found"):
        healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31")
    assert not (tmp_path / "missing.db").exists()
    con = sqlite3.connect(tmp_path / "crm.db")
    con.execute("CREATE TABLE accounts (customer_id TEXT, seats REAL)")
    con.execute("INSERT INTO accounts VALUES ('007', 4)")
    con.commit()
    con.close()
    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0,
        "sources": {"accounts": {"kind": "sql", "url": "sqlite:///crm.db",
                                 "table": "accounts"}},
        "signals": {"seats": {"score": {"linear": [0, 10]}}}})
    table = healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31")
    assert table.frame["customer_id"].tolist() == ["007"]
    # the connection sources use cannot write
    engine = sa.create_engine(_sql_url("sqlite:///crm.db", tmp_path))
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match="readonly"):
        conn.execute(sa.text("DELETE FROM accounts"))
    engine.dispose()


def test_the_csv_rule_covers_categorical_and_plain_text_columns():
    import pyarrow as pa

    from healthscore.io.writers import safe_table

    table = pa.table({
        "tier": pa.array(["=cmd", "ok", "=cmd", None]).dictionary_encode(),
        "name": ["@SUM(1)", "plain", "-2", None],
        "arr": [1.0, -2.0, 3.0, None],
    })
    out = safe_table(table)
    assert out["tier"].cast(pa.string()).to_pylist() == ["'=cmd", "ok", "'=cmd", None]
    assert out["name"].to_pylist() == ["'@SUM(1)", "plain", "'-2", None]
    assert out["arr"].to_pylist() == [1.0, -2.0, 3.0, None]  # numbers stay numbers
    clean = pa.table({"name": ["a", "b"]})
    assert safe_table(clean)["name"] is clean["name"] or \
        safe_table(clean)["name"].to_pylist() == ["a", "b"]


# ------------------------------------------------- issue 20: nothing lost, nothing overwritten


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_never_replaces_a_folder_it_did_not_write(tmp_path, cli):
    """`demo --out DIR` deleted the run store in DIR (6 runs → 1) and replaced `raw/`."""
    from healthscore.store import list_runs, open_store, record_run
    from tests.store.sample import scored

    mine = tmp_path / "monthly"
    with open_store(mine / "healthscore.db") as store:
        for seed in range(1, 4):
            frame, record = scored(20, seed=seed)
            record["as_of"] = f"2026-0{seed}-28"
            record_run(store, frame, record, inputs={})
    (mine / "raw").mkdir()
    (mine / "raw" / "accounts.csv").write_text("customer_id,name\nC1,Mine\n")
    before = _snapshot(mine)
    proc = cli("demo", "--out", "monthly", "--customers", "20", "--history-months", "0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "monthly: the folder holds files the demo did not write (healthscore.db, raw/)" \
        in text, text
    assert _snapshot(mine) == before
    # a new folder, then the same folder again: the demo's own, so it may replace it
    for _ in range(2):
        cli("demo", "--out", "d", "--customers", "20", "--history-months", "1", check_code=0)
    with open_store(tmp_path / "d" / "healthscore.db", read_only=True) as store:
        assert len(list_runs(store)) == 2


def test_score_refuses_to_replace_the_table_it_reads(tmp_path, cli, weights):
    """`score -c out/scores.csv -o out` replaced its own input (an earlier run's scores)."""
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\na,80,10\nb,70,5\n")
    cli("score", "-w", "w.yaml", "-c", "c.csv", "-o", "out", "-q", check_code=0)
    table = tmp_path / "out" / "scores.csv"
    before = table.read_bytes()
    proc = cli("score", "-w", "w.yaml", "-c", "out/scores.csv", "-o", "out", "-q")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "out: this run reads out/scores.csv and would replace it with its own scores.csv" \
        in " ".join(proc.stderr.split()), proc.stderr
    assert table.read_bytes() == before


def test_backtest_and_diff_never_replace_the_users_files(tmp_path, monkeypatch):
    """`backtest -o` and `diff -o` replaced the user's own backtest.json / diff.html."""
    from healthscore.evidence import report
    from healthscore.evidence.report import EvidencePage

    class Templates:  # the page itself is tested in tests/evidence; here: where it goes
        def __init__(self, _folder):
            pass

        def render(self, name, _page):
            return f"<p>{name}</p>"

    monkeypatch.setattr(report, "Templates", Templates)

    out = tmp_path / "evidence"
    out.mkdir()
    (out / "diff.html").write_text("my notes")
    data = {"x": 1}
    page = EvidencePage(title="t", generated_at="now", report=data, charts={})
    with pytest.raises(HealthscoreError, match="the output folder holds diff.html, not "
                                               "written by healthscore"):
        report._write(out, "diff", data, page, None)
    assert sorted(p.name for p in out.iterdir()) == ["diff.html"]
    assert (out / "diff.html").read_text() == "my notes"
    # its own files it replaces, and a diff beside a backtest keeps both on the list
    (out / "diff.html").unlink()
    report._write(out, "backtest", data, page, None)
    report._write(out, "diff", data, page, None)
    report._write(out, "backtest", data, page, None)
    report._write(out, "diff", data, page, None)
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "backtest.html", "backtest.json",
                                                     "diff.html", "diff.json"]
    # a report folder written before the outputs list existed is recognised as ours
    (out / MANIFEST).unlink()
    (out / "diff.json").write_text('{"old": "a", "new": "b", "spearman": 1, "histogram": {}}')
    report._write(out, "diff", data, page, None)
    assert (out / "diff.json").read_text() == '{\n  "x": 1\n}'
    (out / MANIFEST).unlink()
    (out / "backtest.json").write_text('{"mine": 1}')  # but not a file that is not ours
    with pytest.raises(HealthscoreError, match="holds backtest.html, backtest.json, not "
                                               "written by healthscore"):
        report._write(out, "backtest", data, page, None)
    assert (out / "backtest.json").read_text() == '{"mine": 1}'


def test_diff_on_the_command_line_keeps_the_users_file(tmp_path, cli):
    from healthscore.sample.outcomes import write_history
    from tests.conftest import ROOT

    paths = write_history(tmp_path / "s", n_customers=60, months=2)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "diff.json").write_text("{\"mine\": true}")
    proc = cli("diff", ROOT / "weights" / "default.yaml", ROOT / "weights" / "default.yaml",
               "-c", paths["customers"], "--as-of", "2026-10-31", "-o", "d", "--allow-outside")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "the output folder holds diff.json, not written by healthscore" in \
        " ".join(proc.stderr.split())
    assert (tmp_path / "d" / "diff.json").read_text() == "{\"mine\": true}"
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["diff.json"]
