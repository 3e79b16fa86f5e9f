"""Ids and dates, in every reader (issue 20): ids are text in `run --outcomes`, `render
--history`, `backtest`, `diff` and `tune`; one date reader (ISO 8601 with offsets, and the
formats the weight file declares; anything else or ambiguous refused with its line); a formula
without a saved result in a raw Excel export is an error, never a blank."""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

import healthscore
from healthscore.errors import DataError
from healthscore.evidence.outcomes import read_outcomes
from healthscore.io.dates import parse_dates
from healthscore.io.keyed import read_ids_table
from healthscore.render.history import past_points
from healthscore.trends.churn import churned_ids, read_churned
from healthscore.weights.load import check_files
from tests.conftest import write_weights

SIGNALS = {"a": {"score": {"linear": [0, 100]}}}


def _fails(proc, *messages: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    text = re.sub(r"\s+", " ", proc.stderr + proc.stdout)
    for message in messages:
        assert message in text, text
    return text


# ------------------------------------------------------------------------------ ids as text


def test_run_outcomes_churning_007_keeps_customer_7(tmp_path, cli):
    write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})
    pd.DataFrame({"customer_id": ["007", "7", "8"], "a": [10, 90, 50]}).to_csv(
        tmp_path / "c.csv", index=False)
    (tmp_path / "churn.csv").write_text("customer_id,churned_at\n007,2026-10-02\n")
    cli("run", "-w", "w.yaml", "-c", "c.csv", "--month", "2026-10", "--outcomes", "churn.csv",
        "-q", check_code=0)
    left = pd.read_csv(tmp_path / "monthly" / "2026-10" / "churned.csv", dtype=str)
    assert left["customer_id"].tolist() == ["007"]
    record = json.loads((tmp_path / "monthly" / "2026-10" / "scores" / "run.json").read_text())
    assert record["churned"] == ["007"]


def test_churn_reader_keeps_ids_and_reads_dates_by_the_one_rule(tmp_path):
    path = tmp_path / "churn.csv"
    path.write_text("customer_id,churned_at\n007,2026-10-02T23:30:00-05:00\n0042,\n"
                    "1e3,31/10/2026\n")
    with pytest.raises(DataError) as info:
        read_churned(path)
    assert f"{path}:4: churned_at: expected dates in column `churned_at`" in str(info.value)
    assert 'found line 4 ("31/10/2026")' in str(info.value)
    table = read_churned(path, formats=["%d/%m/%Y"])
    assert table["customer_id"].tolist() == ["007", "0042", "1e3"]
    assert table["churned_at"].tolist()[0] == pd.Timestamp("2026-10-03 04:30")  # UTC
    assert churned_ids(outcomes=table, as_of=date(2026, 10, 2)) == set()  # Oct 3 in UTC
    assert churned_ids(outcomes=table, as_of=date(2026, 10, 3)) == {"007"}
    assert churned_ids(outcomes=table, as_of=date(2026, 10, 31)) == {"007", "1e3"}
    # a table read without the weight file's formats is refused, not skipped
    with pytest.raises(DataError, match="line 4"):
        churned_ids(outcomes=healthscore.io.tables.read_table(path), as_of=date(2026, 11, 1))
    (tmp_path / "bad.csv").write_text("customer_id,when\n7,2026-10-02\n")
    with pytest.raises(DataError, match="needs the columns customer_id, churned_at; missing "
                                        "churned_at"):
        read_churned(tmp_path / "bad.csv")


def test_render_history_ids_are_text(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("customer_id,as_of,score,tier\n00001,2026-09-30,50,watch\n"
                    "00001,2026-08-31T22:00:00-02:00,40,watch\n")
    points = past_points(read_ids_table(path, dates=("as_of",)), date(2026, 10, 31), {})
    assert list(points) == ["00001"]  # customer `1` has no history
    assert [p.as_of for p in points["00001"]] == [date(2026, 9, 1), date(2026, 9, 30)]


def test_render_history_through_the_cli(tmp_path, cli):
    write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS,
                                        "date_formats": ["%d/%m/%Y"]})
    pd.DataFrame({"customer_id": ["1", "00001"], "a": [10, 90]}).to_csv(
        tmp_path / "c.csv", index=False)
    (tmp_path / "h.csv").write_text("customer_id,as_of,score,tier\n00001,30/09/2026,50,Watch\n")
    cli("render", "-w", "w.yaml", "-c", "c.csv", "--as-of", "2026-10-31", "--history", "h.csv",
        "-o", "out", "-q", "-j", "1", check_code=0)
    (tmp_path / "h.csv").write_text("customer_id,as_of,score,tier\n00001,09/30/2026,50,Watch\n")
    _fails(cli("render", "-w", "w.yaml", "-c", "c.csv", "--as-of", "2026-10-31", "--history",
               "h.csv", "-o", "out2", "-q"),
           "h.csv:2: as_of: expected dates in column `as_of`", 'line 2 ("09/30/2026")',
           "`%d/%m/%Y`")


@pytest.fixture
def padded(tmp_path):
    """History of customers `00001`..`00200` at four month-ends; outcomes name them by the
    same ids; churn follows signal `a`."""
    rng = np.random.default_rng(0)
    ids = [f"{i:05d}" for i in range(1, 201)]
    a = rng.random(200) * 100
    dates = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    pd.concat([pd.DataFrame({"as_of": d, "customer_id": ids, "a": a + rng.normal(0, 5, 200),
                             "b": rng.random(200) * 100}) for d in dates]
              ).to_csv(tmp_path / "history.csv", index=False)
    churned = [i for i in range(200) if a[i] < 40]
    days = pd.date_range("2026-02-05", "2026-07-25", periods=len(churned))
    pd.DataFrame({"customer_id": [ids[i] for i in churned], "date": days.strftime("%d/%m/%Y"),
                  "outcome": "churned"}).to_csv(tmp_path / "outcomes.csv", index=False)
    write_weights(tmp_path / "w.yaml", {"date_formats": ["%d/%m/%Y"], "signals": {
        "a": {"score": {"linear": [0, 100]}}, "b": {"score": {"linear": [0, 100]}}}})
    return tmp_path


@pytest.mark.parametrize("command", ["backtest", "tune"])
def test_outcome_1_does_not_match_history_00001(padded, cli, command):
    args = [command, "-w", "w.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv", "-o"]
    cli(*args, "first.yaml" if command == "tune" else "bt", check_code=0)  # padded both sides
    outcomes = pd.read_csv(padded / "outcomes.csv", dtype=str)
    unpadded = outcomes["customer_id"].str.lstrip("0")
    outcomes.assign(customer_id=unpadded).to_csv(padded / "outcomes.csv", index=False)
    _fails(cli(*args, "second.yaml" if command == "tune" else "bt"),
           f"{len(outcomes)} customer(s) in the outcomes were never scored: "
           f"{', '.join(unpadded[:5])} and")


def test_day_first_dates_are_not_read_month_first(padded, cli):
    """Outcome dates written dd/mm/yyyy were read month-first without a word."""
    write_weights(padded / "iso.yaml", {"signals": {"a": {"score": {"linear": [0, 100]}}}})
    _fails(cli("backtest", "-w", "iso.yaml", "-c", "history.csv", "--outcomes", "outcomes.csv",
               "-o", "bt"), "outcomes.csv:2: date: expected dates in column `date` written as "
                            "ISO 8601", "`date_formats:`")
    body = {"date_formats": ["%d/%m/%Y", "%m/%d/%Y"], "signals": {"a": {"score": {
        "linear": [0, 100]}}}}
    write_weights(padded / "both.yaml", body)
    _fails(cli("backtest", "-w", "both.yaml", "-c", "history.csv", "--outcomes",
               "outcomes.csv", "-o", "bt"), "ambiguous dates in column `date`",
           "`%d/%m/%Y` reads 2026-02-05 00:00; `%m/%d/%Y` reads 2026-05-02 00:00")


def test_diff_reads_a_dated_table_with_ids_as_text(tmp_path, cli):
    write_weights(tmp_path / "old.yaml", {"min_coverage": 0, "signals": SIGNALS})
    write_weights(tmp_path / "new.yaml", {"min_coverage": 0, "signals": {
        "a": {"score": {"linear": [0, 50]}}}})
    pd.DataFrame({"customer_id": ["007", "7", "007", "7"], "a": [10, 90, 20, 80],
                  "as_of": ["2026-09-30", "2026-09-30", "2026-10-31T10:00:00Z",
                            "2026-10-31 12:00+01:00"]}).to_csv(tmp_path / "c.csv", index=False)
    cli("diff", "old.yaml", "new.yaml", "-c", "c.csv", "--as-of", "2026-10-31", "-o", "d",
        check_code=0)
    report = json.loads((tmp_path / "d" / "diff.json").read_text())
    assert report["customers"] == 2
    movers = {m["customer_id"]: m for m in report["movers"]}
    assert set(movers) == {"007", "7"}
    assert movers["007"]["old"] == pytest.approx(20.0)  # the October row, not September's


def test_outcomes_from_a_database_keep_text_ids(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    pd.DataFrame({"customer_id": ["007", "7"], "date": ["2026-03-01Z", "2026-03-01"],
                  "outcome": "churned"}).to_sql("outcomes", sa.create_engine(url), index=False)
    with pytest.raises(DataError, match=r'row 1 \("2026-03-01Z"\)'):  # a zone needs a time
        read_outcomes(url)
    pd.DataFrame({"customer_id": [7, 8], "date": ["2026-03-01T10:00Z", "2026-03-01"],
                  "outcome": "churned"}).to_sql("ints", sa.create_engine(url), index=False)
    assert read_outcomes(url, table="ints")["customer_id"].tolist() == ["7", "8"]


# ----------------------------------------------------------------------- the one date rule


@pytest.mark.parametrize("text, expected", [
    ("2026-03-31", "2026-03-31"),
    ("2026/3/1", "2026-03-01"),
    ("2026-03-31T14:00", "2026-03-31 14:00"),
    ("2026-03-31 14:00:00.25", "2026-03-31 14:00:00.25"),
    ("2026-03-31T14:00:00Z", "2026-03-31 14:00"),
    ("2026-03-31T14:00:00+05:00", "2026-03-31 09:00"),
    ("2026-03-31 14:00-0500", "2026-03-31 19:00"),
    ("2026-03-31 23:00+05", "2026-03-31 18:00"),
    ("2026-10-31 23:30 America/Los_Angeles", "2026-11-01 06:30"),
    ("2026-10-31 23:30 utc", "2026-10-31 23:30"),
])
def test_iso_dates_with_and_without_zones(text, expected):
    got = parse_dates(pd.Series([text]), column="d")
    assert got.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["31/12/2026", "2026-02-30", "2026-13-01", "2026-10-31 25:00",
                                  "2026-10-31 23:30 PST", "2026-10-31 10:00 Europe/Nowhere",
                                  "2026-10-31Z", "20261031", "Oct 31 2026", "2026-10-31 10:00+19",
                                  "0001-01-01", "45000"])
def test_anything_else_is_refused_with_the_line(text):
    with pytest.raises(DataError) as info:
        parse_dates(pd.Series(["2026-01-01", text]), column="when", file="t.csv", first_line=2)
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.key) == ("t.csv", 3, "when")
    assert f'line 3 ("{text}")' in problem.message


def test_stored_dates_are_taken_as_they_are_and_zones_become_utc():
    aware = pd.Series(pd.to_datetime(["2026-01-01T10:00+02:00"]))
    assert parse_dates(aware, column="d").iloc[0] == pd.Timestamp("2026-01-01 08:00")
    mixed = pd.Series([pd.Timestamp("2026-01-01 10:00", tz="Europe/Berlin"), "2026-01-02",
                       date(2026, 1, 3)], dtype=object)  # an Excel column of mixed cells
    assert parse_dates(mixed, column="d").tolist() == [
        pd.Timestamp("2026-01-01 09:00"), pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-03")]


def test_declared_formats_and_ambiguity():
    values = pd.Series(["31/12/2026", "2026-01-05", "1/2/2026", "13/04/2026"])
    got = parse_dates(values, column="d", formats=["%d/%m/%Y"])
    assert got.dt.strftime("%Y-%m-%d").tolist() == ["2026-12-31", "2026-01-05", "2026-02-01",
                                                   "2026-04-13"]
    # both orders declared: 13/04 can only be day-first, 04/04 reads the same either way
    both = parse_dates(pd.Series(["13/04/2026", "04/04/2026"]), column="d",
                       formats=["%d/%m/%Y", "%m/%d/%Y"])
    assert both.dt.strftime("%Y-%m-%d").tolist() == ["2026-04-13", "2026-04-04"]
    with pytest.raises(DataError) as info:
        parse_dates(pd.Series(["13/04/2026", "03/04/2026"]), column="d", file="o.csv",
                    first_line=2, formats=["%d/%m/%Y", "%m/%d/%Y"])
    assert info.value.problems[0].line == 3
    assert 'ambiguous dates in column `d`' in str(info.value)
    assert 'line 3 ("03/04/2026")' in str(info.value)


@pytest.mark.parametrize("formats, message", [
    (["%d/%m/%Y %Z"], "uses %Z"),
    (["%m/%Y"], "does not name a day, a month and a year"),
    (["%d/%m/%Y/%d"], "names a part of the date twice"),
])
def test_declared_formats_are_checked_when_the_weight_file_loads(tmp_path, formats, message):
    path = write_weights(tmp_path / "w.yaml", {"date_formats": formats, "signals": SIGNALS})
    _, problems = check_files([path])
    assert any(message in str(p) and "date_formats" in str(p) for p in problems), problems


def test_a_dated_customer_table_uses_the_declared_formats(tmp_path):
    """`backtest -c`: the `as_of` column is read by the same rule."""
    from healthscore.evidence.runs import score_history

    wf = healthscore.load_weights(write_weights(
        tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS,
                              "date_formats": ["%d.%m.%Y"]}))
    (tmp_path / "h.csv").write_text("customer_id,as_of,a\n007,31.10.2026,5\n7,31.10.2026,6\n"
                                    "007,2026-09-30,1\n")
    table = read_ids_table(tmp_path / "h.csv", dates=("as_of",), formats=wf.formats)
    panel = score_history(table, wf)
    assert sorted(panel["customer_id"].unique()) == ["007", "7"]
    assert sorted(panel["as_of"].dt.strftime("%Y-%m-%d").unique()) == ["2026-09-30",
                                                                      "2026-10-31"]


# ------------------------------------------------------------------ raw Excel exports


def test_a_raw_excel_export_with_an_unsaved_formula_is_an_error_naming_the_cell(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Accounts"
    sheet.append(["customer_id", "seats"])
    sheet.append(["007", 10])
    sheet.append(["7", "=5*2"])
    book.save(tmp_path / "accounts.xlsx")
    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0,
        "sources": {"accounts": {"kind": "excel", "path": "accounts.xlsx", "sheet": "Accounts"}},
        "signals": {"seats": {"score": {"linear": [0, 10]}}}})
    with pytest.raises(DataError) as info:
        healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31")
    text = str(info.value)
    assert "sheet `Accounts`" in text and "B3" in text
    assert "formula without a saved result" in text
    assert "open and save the file in Excel" in text.lower() or "Open and save" in text


def _survey_weights(tmp_path, **extra):
    (tmp_path / "accounts.csv").write_text("customer_id\n007\n7\n")
    return write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0, **extra,
        "sources": {"accounts": {"kind": "csv", "path": "accounts.csv"},
                    "surveys": {"kind": "csv", "path": "surveys.csv", "time": "answered_at",
                                "fresh_within": None}},
        "signals": {"answers": {"compute": {"table": "surveys", "metric": "count",
                                            "window": "30d"},
                                "score": {"linear": [0, 2]}}}})


def test_raw_exports_read_the_declared_formats_by_the_same_rule(tmp_path):
    (tmp_path / "surveys.csv").write_text(
        "customer_id,answered_at\n007,02/10/2026 09:00\n7,2026-10-31T23:00:00-05:00\n"
        "7,13/10/2026 10:00\n7,2026-10-31T18:00:00-05:00\n")
    wf = healthscore.load_weights(_survey_weights(tmp_path, date_formats=["%d/%m/%Y %H:%M"]))
    table = healthscore.compute_signals(wf, "2026-10-31")
    counts = dict(zip(table.frame["customer_id"], table.frame["answers"], strict=True))
    assert counts == {"007": 1, "7": 2}  # 23:00-05:00 is November 1 in UTC: not yet
    wf = healthscore.load_weights(_survey_weights(tmp_path))
    with pytest.raises(DataError) as info:
        healthscore.compute_signals(wf, "2026-10-31")
    assert "surveys.csv:2:" in str(info.value) and "line 2: `02/10/2026 09:00`" in str(
        info.value)
    both = healthscore.load_weights(_survey_weights(
        tmp_path, date_formats=["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"]))
    with pytest.raises(DataError) as info:
        healthscore.compute_signals(both, "2026-10-31")
    assert "are not unambiguous" in str(info.value)
    assert "line 2: `02/10/2026 09:00`" in str(info.value)
    assert "13/10/2026" not in str(info.value)  # only day-first: not ambiguous


def test_a_source_may_declare_its_own_formats(tmp_path):
    import yaml

    (tmp_path / "surveys.csv").write_text("customer_id,answered_at\n007,10.02.2026\n")
    wf = healthscore.load_weights(_survey_weights(tmp_path, date_formats=["%d/%m/%Y"]))
    assert wf.sources["surveys"].date_formats == ["%d/%m/%Y"]  # the file's, by default
    with pytest.raises(DataError, match="line 2: `10.02.2026`"):
        healthscore.compute_signals(wf, "2026-10-31")
    body = yaml.safe_load((tmp_path / "w.yaml").read_text())
    body["sources"]["surveys"]["date_formats"] = ["%m.%d.%Y"]
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(body))
    table = healthscore.compute_signals(healthscore.load_weights(tmp_path / "w.yaml"),
                                        "2026-10-31")
    assert dict(zip(table.frame["customer_id"], table.frame["answers"], strict=True)) == \
        {"007": 1, "7": 0}  # October 2, inside the 30 days, read month-first as declared


def test_a_customer_tables_measured_at_dates_follow_the_one_rule(tmp_path):
    """`measured_at` was read with pandas' guessing parser: 03/04/2026 became 4 March."""
    signals = {"a": {"score": {"linear": [0, 100]}, "measured_at": "at", "max_age": "30d"}}
    (tmp_path / "c.csv").write_text("customer_id,a,at\n007,80,15/10/2026\n7,80,03/10/2026\n"
                                    "8,80,2026-10-31T23:30:00-05:00\n")
    plain = write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": signals})
    with pytest.raises(DataError) as info:
        healthscore.score(tmp_path / "c.csv", healthscore.load_weights(plain), as_of="2026-10-31")
    assert f"{tmp_path / 'c.csv'}:2: at: expected dates in column `at`" in str(info.value)
    declared = write_weights(tmp_path / "d.yaml", {"min_coverage": 0, "signals": signals,
                                                   "date_formats": ["%d/%m/%Y"]})
    scored = healthscore.score(tmp_path / "c.csv", healthscore.load_weights(declared),
                               as_of="2026-10-31")
    assert scored["customer_id"].tolist() == ["007", "7", "8"]
    # 3 October is within 30 days; 23:30 at -05:00 is 1 November in UTC: after the as-of date
    assert scored["a.status"].tolist() == ["ok", "ok", "future"]
    both = write_weights(tmp_path / "b.yaml", {"min_coverage": 0, "signals": signals,
                                               "date_formats": ["%d/%m/%Y", "%m/%d/%Y"]})
    with pytest.raises(DataError, match=r'ambiguous dates in column `at`.*line 3 \("03/10/2026"\)'):
        healthscore.score(tmp_path / "c.csv", healthscore.load_weights(both), as_of="2026-10-31")
