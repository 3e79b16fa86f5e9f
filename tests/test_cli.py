"""The CLI, run as a user runs it: in a subprocess, on files in a scratch folder."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from healthscore.io.guard import MANIFEST
from tests.conftest import ROOT, write_weights


@pytest.fixture
def weights(tmp_path):
    return write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0.5,
        "signals": {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
                    "nps": {"score": {"linear": [-20, 60]}}},
    })


def test_score_writes_csv_and_parquet_with_known_numbers(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text(
        "customer_id,name,arr,csat_pct,nps\n1,Acme,1000,95,60\n2,Globex,5000,60,-20\n"
        "3,Initech,200,,\n")
    proc = cli("score", "--weights", weights, "--customers", "c.csv", "--out", "out",
               "--as-of", "2026-10-31", check_code=0)
    assert "scored 3 customers" in proc.stdout
    assert "Globex" in proc.stdout  # the call-first table
    # one meaning of "ARR at risk" (the lowest tier's ARR); the ranking has its own name
    assert "ARR at risk (ARR of the at risk tier): 5,000" in proc.stdout
    assert "top 1 by risk-weighted ARR" in proc.stdout
    assert proc.stdout.count("ARR at risk") == 1
    scores = pd.read_csv(tmp_path / "out" / "scores.csv").set_index("customer_id")
    assert scores.loc[1, "score"] == pytest.approx(100.0)
    assert scores.loc[2, "tier"] == "at risk"
    assert scores.loc[3, "tier"] == "insufficient data"
    parquet = pd.read_parquet(tmp_path / "out" / "scores.parquet")
    assert parquet["score"].tolist()[:2] == pytest.approx([100.0, 0.0])
    outreach = pd.read_csv(tmp_path / "out" / "outreach.csv")
    # the tiers that need action only: healthy Acme and Initech without a score are not on it
    assert outreach["customer_id"].tolist() == [2]
    assert outreach.loc[0, "priority"] == pytest.approx(5000.0)  # 5000 × (100 − 0) / 100


def test_bad_input_exits_2_without_traceback_and_keeps_previous_output(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,60\n")
    cli("score", "-w", weights, "-c", "c.csv", "-o", "out", check_code=0)
    before = (tmp_path / "out" / "scores.csv").read_text()
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,sixty\n")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "out")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert 'found text in line 2 ("sixty")' in proc.stderr
    assert (tmp_path / "out" / "scores.csv").read_text() == before
    assert not [p for p in (tmp_path / "out").iterdir()  # no temporaries; the list of files
                if p.name.startswith(".") and p.name != MANIFEST]  # written is kept


def test_empty_table_writes_nothing(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "out")
    assert proc.returncode == 2
    assert "no rows" in proc.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_validate_reports_all_files_and_exits_1(cli, tmp_path):
    head = "version: 1\nname: a\nsignals:\n"
    (tmp_path / "a.yaml").write_text(head + "  s: {score: {linear: [1, 1]}}\n")
    (tmp_path / "b.yaml").write_text(head + "  s: {scor: {linear: [0, 1]}}\n")
    proc = cli("validate", "a.yaml", "b.yaml")
    assert proc.returncode == 1
    assert "a.yaml:4: signals.s.score.linear: bounds must differ" in proc.stderr
    assert "b.yaml:4: signals.s.scor: unknown key `scor`; did you mean `score`?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_prints_effective_weights_per_segment(cli, tmp_path):
    shutil.copy(ROOT / "weights" / "default.yaml", tmp_path / "default.yaml")
    proc = cli("validate", "default.yaml", check_code=0)
    out = proc.stdout
    assert "enterprise" in out and "smb" in out and "default" in out
    csat_row = next(line for line in out.splitlines() if line.strip("│ ").startswith("CSAT"))
    # default: 30 % × 15/30 = 15 %; smb (ces off): 30 % × 15/25 = 18 %;
    # enterprise (sentiment 35 of 105, nps 20): 1/3 × 15/40 = 12.5 %
    assert "15.0%" in csat_row and "18.0%" in csat_row and "12.5%" in csat_row
    ces_row = next(line for line in out.splitlines() if "Customer effort" in line)
    assert "off" in ces_row


def test_unknown_option_value_is_a_clear_error(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,60\n")
    proc = cli("score", "-w", weights, "-c", "c.csv", "--format", "xml")
    assert proc.returncode == 2
    assert "--format: unknown format xml; choose from csv, parquet" in proc.stderr


def test_demo_runs_the_whole_job_from_raw_exports(cli, tmp_path):
    """The README's first command: raw exports → signals → scores → reports, from any folder."""
    proc = cli("demo", "--out", "demo", "--customers", "60", check_code=0)
    assert "Traceback" not in proc.stderr
    out = tmp_path / "demo"
    for name in ("accounts.csv", "surveys.csv", "tickets.csv", "invoices.xlsx"):
        assert (out / "raw" / name).is_file()
    signals = pd.read_csv(out / "signals" / "customers.csv")
    scores = pd.read_csv(out / "scores" / "scores.csv")
    assert len(signals) == len(scores) == 60
    assert scores["customer_id"].tolist() == signals["customer_id"].tolist()
    scored = scores[scores["score"].notna()]
    assert scored["score"].between(0, 100).all()
    points = scored[[c for c in scored if c.endswith(".points")
                     and c.split(".")[0] in ("csat", "nps", "ces", "active_users",
                                             "login_trend", "feature_adoption", "open_tickets",
                                             "escalations", "resolution_time", "days_overdue",
                                             "renewal", "expansion")]].sum(axis=1)
    assert (points - scored["score"]).abs().max() < 1e-6
    assert set(scores["tier"]) <= {"at risk", "watch", "healthy", "insufficient data"}
    assert (out / "reports" / "index.html").is_file()
    assert len(list((out / "reports" / "customers").glob("*.html"))) == 60
    assert (out / "reports" / "outreach" / "index.csv").is_file()


def test_missing_arr_column_is_a_warning_not_silence(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,60\n2,60,-20\n")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q", check_code=0)
    assert "no `arr` column, so the outreach priority `risk_x_arr` falls back to risk" in \
        proc.stderr
    outreach = pd.read_csv(tmp_path / "out" / "outreach.csv")
    assert outreach["priority"].tolist() == pytest.approx([100.0])  # 1 is healthy: not listed


def test_outputs_of_an_earlier_run_do_not_outlive_it(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps,parent_id\n1,95,60,\n2,90,50,1\n")
    family = write_weights(tmp_path / "family.yaml", {
        **yaml.safe_load(weights.read_text()), "rollup": {"parent": "parent_id"}})
    cli("score", "-w", family, "-c", "c.csv", "-o", "out", "--format", "csv", "-q",
        check_code=0)
    assert (tmp_path / "out" / "parents.csv").is_file()  # the earlier run's roll-up
    (tmp_path / "out" / "notes.txt").write_text("mine")
    cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "--format", "csv", "-q",
        check_code=0)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        MANIFEST, "notes.txt", "outreach.csv", "run.json", "scores.csv"]


@pytest.mark.parametrize("args", [["score", "--bogus"], [], ["score", "-w", "x.yaml",
                                                                 "--as-of", "31/10/2026"]])
def test_command_line_mistakes_print_usage_and_exit_2(cli, args):
    proc = cli(*args)
    assert proc.returncode == 2
    assert "Usage: healthscore" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_render_from_raw_exports_with_history(cli, tmp_path):
    """`render` computes the signals when the weight file declares sources, like `score`; the
    demo's history comes from its run store."""
    from healthscore.store import history_frame, open_store

    cli("demo", "--out", "demo", "--customers", "40", "--history-months", "2", check_code=0)
    with open_store(tmp_path / "demo" / "healthscore.db", read_only=True) as store:
        history = history_frame(store)
    assert sorted(map(str, history["as_of"].unique())) == ["2026-08-31", "2026-09-30",
                                                           "2026-10-31"]
    assert len(history) == 120
    history[history["as_of"].astype(str) < "2026-10-31"].to_csv(tmp_path / "demo" /
                                                                "history.csv", index=False)
    weights = ROOT / "weights" / "from-exports.yaml"
    proc = cli("render", "-w", weights, "--data", "demo", "--as-of", "2026-10-31", "-o", "r",
               "--history", "demo/history.csv", "-q", check_code=0)
    assert "rendered 40 scorecards" in proc.stdout
    page = next((tmp_path / "r" / "customers").glob("*.html")).read_text()
    assert "since 30 Sep" in page  # the change since last month, from the history


def test_user_text_is_never_read_as_terminal_markup(cli, tmp_path, weights):
    (tmp_path / "c[red].csv").write_text(
        "customer_id,name,arr,csat_pct,nps\n1,[/x] evil,100,80,10\n2,[red]b,50,60,-20\n")
    proc = cli("score", "-w", weights, "-c", "c[red].csv", "-o", "o[red]", check_code=0)
    assert "[/x] evil" in proc.stdout and "[red]b" in proc.stdout
    assert "o[red]/scores.csv" in proc.stdout.replace("\n", "")
    proc = cli("score", "-w", weights, "-c", "x[/y].csv")
    assert proc.returncode == 2 and "x[/y].csv: file not found" in proc.stderr


def test_output_folder_that_is_a_file_is_a_clear_error(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,60\n")
    (tmp_path / "taken").write_text("not a folder")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "taken")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "taken: the output folder is an existing file" in proc.stderr


def test_render_needs_at_least_one_worker(cli, tmp_path, weights):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\n1,95,60\n")
    proc = cli("render", "-w", weights, "-c", "c.csv", "-j", "0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_the_bundled_ready_table_scores_with_the_issue_command(cli, tmp_path):
    """`data/customers.csv` is the seeded sample portfolio, kept in step with its generator."""
    from healthscore.sample import generate_customers

    shipped = pd.read_csv(ROOT / "data" / "customers.csv")
    fresh = generate_customers(300, seed=7)
    fresh.to_csv(tmp_path / "fresh.csv", index=False)
    pd.testing.assert_frame_equal(shipped, pd.read_csv(tmp_path / "fresh.csv"))
    cli("score", "--weights", ROOT / "weights" / "default.yaml", "--customers",
        ROOT / "data" / "customers.csv", "--out", "out", "--as-of", "2026-10-31", "-q",
        check_code=0)
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    assert len(scores) == 300 and scores["score"].notna().sum() > 250


def test_stored_signals_rescore_to_the_same_numbers(cli, tmp_path):
    """The demo's computed signals table, scored again as a ready table, gives its scores."""
    cli("demo", "--out", "demo", "--customers", "50", "--history-months", "0", check_code=0)
    cli("score", "-w", ROOT / "weights" / "from-exports.yaml", "-c",
        "demo/signals/customers.csv", "-o", "again", "--as-of", "2026-10-31", "-q",
        check_code=0)
    first = pd.read_csv(tmp_path / "demo" / "scores" / "scores.csv")
    again = pd.read_csv(tmp_path / "again" / "scores.csv")
    assert (first["score"] - again["score"]).abs().max() < 1e-9
    assert first["tier"].tolist() == again["tier"].tolist()


def test_demo_keeps_what_produced_the_run(cli, tmp_path):
    """run.json: the as-of date, the exact weights and the inputs, as data for later runs."""
    import json

    import healthscore

    cli("demo", "--out", "demo", "--customers", "20", "--history-months", "0", check_code=0)
    record = json.loads((tmp_path / "demo" / "scores" / "run.json").read_text())
    weights = healthscore.load_weights(ROOT / "weights" / "from-exports.yaml")
    assert record["as_of"] == "2026-10-31"
    assert record["weights"]["digest"] == weights.digest()
    assert record["resolved_weights"]["signals"]["csat"]["score"]["linear"] == [60.0, 95.0]
    assert record["customers"] == 20 and sum(record["tiers"].values()) == 20
    assert "mean effort on a 1-7 scale" in record["methods"]["ces"]


def test_data_warnings_are_reported_not_silent(cli, tmp_path):
    weights = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0, "rollup": {"parent": "parent_id", "method": "mean"},
        "signals": {"s": {"score": {"linear": [0, 100]}}},
        "segments": {"big": {"match": {"segment": "ENT"}, "weights": {"s": 2}}}})
    (tmp_path / "c.csv").write_text(
        "customer_id,segment,arr,parent_id,s\nA,ent,100,,50\nB,ent,,A,40\nC,smb,10,C,60\n"
        "D,smb,10,Z,70\n")
    proc = cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q", check_code=0)
    err = " ".join(proc.stderr.split())
    assert "1 scored customers have no ARR" in err
    assert "segment `big` matched no customer (segment = ENT)" in err
    assert "1 accounts name themselves as their parent (C)" in err
    assert "1 parent ids are not customers in the table (Z)" in err
    parents = pd.read_csv(tmp_path / "out" / "parents.csv").set_index("parent_id")
    assert sorted(parents.index) == ["A", "Z"]  # C is not its own parent
    import json

    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["customers"] == 4 and len(record["warnings"]) == 4
    assert record["inputs"]["customers"] == "c.csv"


@pytest.mark.parametrize("command", [[], ["score"], ["validate"], ["render"], ["demo"]],
                         ids=["app", "score", "validate", "render", "demo"])
def test_help_shows_boolean_flags_as_flags(cli, command):
    """`--quiet` and `--help` take no value, so the help does not show a `<bool>` after them;
    options that do take one keep their type."""
    proc = cli(*command, "--help", check_code=0)
    assert "<bool>" not in proc.stdout
    flags = [line for line in proc.stdout.splitlines() if "--help" in line or "--quiet" in line]
    assert flags and all("<" not in line for line in flags), flags
    if command == ["score"]:
        assert "<path>" in proc.stdout  # a value-taking option keeps its type
