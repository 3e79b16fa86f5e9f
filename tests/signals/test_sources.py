"""Every kind of source gives the same numbers: CSV, Parquet (file and folder), Excel,
SQLite, PostgreSQL (a real server: HEALTHSCORE_TEST_PG_URL), and in-memory DataFrames.

One small scenario, computed by hand: as of 2026-03-31, customer a has tickets opened
2026-03-05 (closed 03-06), 2026-03-20 (still open), 2026-04-02 (future); b has one opened
2026-01-10 and closed 2026-04-03, after the as-of date, so it was still open then.
tickets_30d: a 2, b 0. open_tickets: a 1, b 1. escalated (30d): a 1.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pandas as pd
import pytest

from healthscore.errors import DataError
from healthscore.signals import MetricSpec, SourceSpec, compute_table

AS_OF = "2026-03-31"
ACCOUNTS = pd.DataFrame({"Account": ["a", "b"], "Seats": [10, 4]})
TICKETS = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b"],
    "opened_at": pd.to_datetime(["2026-03-05 09:00", "2026-03-20 10:00", "2026-04-02 08:00",
                                 "2026-01-10 12:00"]),
    "closed_at": pd.to_datetime(["2026-03-06 09:00", None, None, "2026-04-03 12:00"]),
    "escalated": [True, False, True, False],
    "unused": ["x", "y", "z", "w"],
})
SIGNALS = {
    "tickets_30d": ("tickets_30d", MetricSpec(table="tickets", metric="count", window="30d")),
    "open_tickets": ("open_tickets", MetricSpec(
        table="tickets", metric="count", open={"from": "opened_at", "until": "closed_at"})),
    "escalated": ("escalated", MetricSpec(table="tickets", metric="count", window="30d",
                                          filter={"escalated": True})),
    "seats": ("seats", None),
}
EXPECTED = {"tickets_30d": [2.0, 0.0], "open_tickets": [1.0, 1.0], "escalated": [1.0, 0.0]}


def _sources(accounts: dict, tickets: dict) -> dict[str, SourceSpec]:
    return {
        "accounts": SourceSpec(role="accounts", columns={"customer_id": "Account",
                                                         "seats": "Seats"}, **accounts),
        # the sample tickets end on 20 March: 11 days before the as-of date
        "tickets": SourceSpec(**{"time": "opened_at", "dates": ["closed_at"], "fresh_within": "14d",
                                 **tickets}),
    }


def _check(result) -> None:
    frame = result.frame
    assert list(frame["customer_id"]) == ["a", "b"]
    assert list(frame["seats"]) == [10, 4]
    for column, values in EXPECTED.items():
        assert list(frame[column]) == values, column
    assert result.warnings == []


def test_csv(tmp_path):
    ACCOUNTS.to_csv(tmp_path / "accounts.csv", index=False)
    TICKETS.to_csv(tmp_path / "tickets.csv", index=False)
    _check(compute_table(_sources({"kind": "csv", "path": "accounts.csv"},
                                  {"kind": "csv", "path": "tickets.csv"}),
                         SIGNALS, AS_OF, base_dir=tmp_path))


def test_csv_with_semicolons(tmp_path):
    ACCOUNTS.to_csv(tmp_path / "accounts.csv", index=False, sep=";")
    TICKETS.to_csv(tmp_path / "tickets.csv", index=False, sep=";")
    _check(compute_table(
        _sources({"kind": "csv", "path": "accounts.csv", "delimiter": ";"},
                 {"kind": "csv", "path": "tickets.csv", "delimiter": ";"}),
        SIGNALS, AS_OF, base_dir=tmp_path))


def test_parquet_file_and_folder(tmp_path):
    ACCOUNTS.to_parquet(tmp_path / "accounts.parquet")
    folder = tmp_path / "tickets"
    folder.mkdir()
    TICKETS.iloc[:2].to_parquet(folder / "part-1.parquet")
    TICKETS.iloc[2:].to_parquet(folder / "part-2.parquet")
    _check(compute_table(_sources({"kind": "parquet", "path": "accounts.parquet"},
                                  {"kind": "parquet", "path": "tickets"}),
                         SIGNALS, AS_OF, base_dir=tmp_path))


def test_parquet_with_zone_aware_timestamps(tmp_path):
    """A zone-aware column is converted to UTC: 2026-04-01 01:00+02:00 is 03-31 23:00 UTC,
    inside the as-of date; the source's `timezone:` does not apply to it."""
    ACCOUNTS.to_parquet(tmp_path / "accounts.parquet")
    tickets = TICKETS.copy()
    tickets["opened_at"] = tickets["opened_at"].dt.tz_localize("UTC")
    tickets.loc[1, "opened_at"] = pd.Timestamp("2026-04-01 01:00", tz="Europe/Berlin")
    tickets.to_parquet(tmp_path / "tickets.parquet")
    _check(compute_table(_sources({"kind": "parquet", "path": "accounts.parquet"},
                                  {"kind": "parquet", "path": "tickets.parquet",
                                   "timezone": "America/New_York"}),
                         SIGNALS, AS_OF, base_dir=tmp_path))


def test_excel(tmp_path):
    with pd.ExcelWriter(tmp_path / "export.xlsx") as book:
        ACCOUNTS.to_excel(book, sheet_name="Accounts", index=False)
        TICKETS.to_excel(book, sheet_name="Tickets", index=False)
    _check(compute_table(
        _sources({"kind": "excel", "path": "export.xlsx", "sheet": "Accounts"},
                 {"kind": "excel", "path": "export.xlsx", "sheet": "Tickets"}),
        SIGNALS, AS_OF, base_dir=tmp_path))


def test_in_memory_tables():
    _check(compute_table(_sources({"kind": "csv", "path": "not read"},
                                  {"kind": "csv", "path": "not read"}),
                         SIGNALS, AS_OF, tables={"accounts": ACCOUNTS, "tickets": TICKETS}))


def _write_sql(url: str, suffix: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        ACCOUNTS.to_sql(f"accounts{suffix}", conn, index=False, if_exists="replace")
        TICKETS.to_sql(f"tickets{suffix}", conn, index=False, if_exists="replace")
    engine.dispose()


def test_sqlite_table_and_query(tmp_path):
    """A relative SQLite path is relative to the weight file (base_dir), like other paths."""
    _write_sql(f"sqlite:///{tmp_path / 'crm.db'}", "")
    url = "sqlite:///crm.db"
    _check(compute_table(
        _sources({"kind": "sql", "url": url, "table": "accounts"},
                 {"kind": "sql", "url": url,
                  "query": "SELECT customer_id, opened_at, closed_at, escalated FROM tickets"}),
        SIGNALS, AS_OF, base_dir=tmp_path))


def test_postgresql():
    url = os.environ.get("HEALTHSCORE_TEST_PG_URL")
    assert url, ("HEALTHSCORE_TEST_PG_URL is not set: the PostgreSQL source test needs a real "
                 "server (.ci/run starts one), e.g. postgresql+psycopg://healthscore:healthscore"
                 "@127.0.0.1:5432/healthscore_test")
    import sqlalchemy as sa

    suffix = "_" + uuid.uuid4().hex[:8]
    _write_sql(url, suffix)
    try:
        _check(compute_table(
            _sources({"kind": "sql", "url": url, "table": f"accounts{suffix}"},
                     {"kind": "sql", "url": url, "table": f"tickets{suffix}"}),
            SIGNALS, AS_OF))
        # timestamptz comes back zone-aware and is compared in UTC
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE tickets{suffix} ALTER COLUMN opened_at TYPE "
                                 "timestamptz USING opened_at AT TIME ZONE 'UTC'"))
            conn.execute(sa.text(f"UPDATE tickets{suffix} SET opened_at = "
                                 "'2026-04-01 01:00:00+02:00' WHERE opened_at = "
                                 "'2026-03-20 10:00:00+00'"))
        engine.dispose()
        _check(compute_table(
            _sources({"kind": "sql", "url": url, "table": f"accounts{suffix}"},
                     {"kind": "sql", "url": url, "table": f"tickets{suffix}"}),
            SIGNALS, AS_OF))
    finally:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for name in ("accounts", "tickets"):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}{suffix}"))
        engine.dispose()


def test_only_needed_columns_are_read(tmp_path):
    """A broken column no signal uses does not matter (it is never parsed)."""
    tickets = TICKETS.assign(unused=["not", "a", "date", "!"])
    tickets.to_csv(tmp_path / "tickets.csv", index=False)
    ACCOUNTS.to_csv(tmp_path / "accounts.csv", index=False)
    sources = _sources({"kind": "csv", "path": "accounts.csv"},
                       {"kind": "csv", "path": "tickets.csv", "dates": ["closed_at", "unused"]})
    _check(compute_table(sources, SIGNALS, AS_OF, base_dir=tmp_path))


def test_future_rows_change_nothing(tmp_path):
    """The no-future-data rule: rows dated after the as-of date (even by one microsecond)
    never change any signal."""
    future = pd.DataFrame({
        "customer_id": ["a", "b", "b"],
        "opened_at": pd.to_datetime(["2026-04-01 00:00:00", "2026-04-01 00:00:00.000001",
                                     "2027-01-01"], format="ISO8601"),
        "closed_at": pd.to_datetime(["2026-04-02", None, None]),
        "escalated": [True, True, True], "unused": ["", "", ""]})
    sources = _sources({"kind": "csv", "path": "x"}, {"kind": "csv", "path": "x"})
    as_of = datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    for when in (AS_OF, as_of):
        _check(compute_table(sources, SIGNALS, when, tables={
            "accounts": ACCOUNTS, "tickets": pd.concat([TICKETS, future])}))


@pytest.mark.parametrize(("spec", "message"), [
    ({"kind": "csv", "path": "missing.csv"}, "missing.csv: source `tickets`: file not found"),
    ({"kind": "parquet", "path": "broken.parquet"}, "source `tickets` cannot be read"),
    ({"kind": "parquet", "path": "empty"}, "the folder holds no .parquet files"),
    ({"kind": "excel", "path": "broken.parquet"}, "source `tickets` cannot be read"),
    ({"kind": "sql", "url": "sqlite:///crm.db", "table": "nope"},
     "source `tickets` cannot be read"),
])
def test_unreadable_tables(tmp_path, spec, message):
    (tmp_path / "broken.parquet").write_text("this is not parquet")
    (tmp_path / "empty").mkdir()
    _write_sql(f"sqlite:///{tmp_path / 'crm.db'}", "")
    with pytest.raises(DataError) as err:
        compute_table({"accounts": SourceSpec(kind="csv", path="x", columns={
                           "customer_id": "Account", "seats": "Seats"}),
                       "tickets": SourceSpec(time="opened_at", **spec)},
                      SIGNALS, AS_OF, base_dir=tmp_path, tables={"accounts": ACCOUNTS})
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_accounts_with_a_header_and_no_rows(tmp_path):
    (tmp_path / "accounts.csv").write_text("Account,Seats\n")
    TICKETS.to_csv(tmp_path / "tickets.csv", index=False)
    with pytest.raises(DataError, match="the accounts table has no rows"):
        compute_table(_sources({"kind": "csv", "path": "accounts.csv"},
                               {"kind": "csv", "path": "tickets.csv"}),
                      SIGNALS, AS_OF, base_dir=tmp_path)


def test_parquet_accounts_keep_their_order(tmp_path):
    """The result follows the accounts export row by row, also for a folder of files (taken in
    name order) large enough to be scanned in parallel."""
    import numpy as np

    ids = np.random.default_rng(5).permutation(300_000).astype("int64")
    folder = tmp_path / "accounts"
    folder.mkdir()
    pd.DataFrame({"customer_id": ids[:200_000]}).to_parquet(folder / "a.parquet")
    pd.DataFrame({"customer_id": ids[200_000:]}).to_parquet(folder / "b.parquet")
    events = pd.DataFrame({"customer_id": ids[:3], "ts": pd.to_datetime(["2026-03-01"] * 3)})
    result = compute_table(
        {"accounts": SourceSpec(kind="parquet", path="accounts"),
         "events": SourceSpec(kind="csv", path="x", time="ts", fresh_within=None)},
        {"n": ("n", MetricSpec(table="events", metric="count"))}, AS_OF, base_dir=tmp_path,
        tables={"events": events})
    assert (result.frame["customer_id"].to_numpy() == ids.astype(str)).all()  # ids are text
    assert result.frame["n"].sum() == 3 and (result.frame["n"].iloc[:3] == 1).all()


def test_ids_of_different_types_are_compared_as_text():
    """Numbers in the accounts export, text in the events export: 1 and "1" are one customer."""
    accounts = pd.DataFrame({"customer_id": [1, 2]})
    events = pd.DataFrame({"customer_id": ["1", "2", "2", "9"],
                           "ts": ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]})
    result = compute_table({"events": SourceSpec(kind="csv", path="x", time="ts",
                                                 fresh_within=None)},
                           {"n": ("n", MetricSpec(table="events", metric="count"))}, AS_OF,
                           tables={"accounts": accounts, "events": events})
    assert list(result.frame["n"]) == [1.0, 2.0]
    assert "1 row(s) of source `events` name 1 customer id(s)" in str(result.warnings[0])


def _duplicated(tmp_path, kind: str) -> dict:
    """Tickets whose header has `opened_at` twice (the second one all in 2027), written as
    `kind`; returns the tickets source."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    rows = [["a", "2026-03-20 10:00", "2027-01-01 00:00"]]
    header = ["customer_id", "opened_at", "opened_at"]
    if kind == "excel":
        pd.DataFrame(rows, columns=header).to_excel(tmp_path / "t.xlsx", index=False)
        return {"kind": "excel", "path": "t.xlsx"}
    if kind in ("parquet", "parquet folder"):
        table = pa.table([pa.array([v]) for v in rows[0]], names=header)
        if kind == "parquet":
            pq.write_table(table, tmp_path / "t.parquet")
            return {"kind": "parquet", "path": "t.parquet"}
        (tmp_path / "t").mkdir()
        pq.write_table(pa.table({"customer_id": ["a"], "opened_at": [rows[0][1]]}),
                       tmp_path / "t" / "1.parquet")
        pq.write_table(table, tmp_path / "t" / "2.parquet")
        return {"kind": "parquet", "path": "t"}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    with engine.begin() as conn:
        pd.DataFrame(rows, columns=["customer_id", "opened_at", "later"]).to_sql(
            "t", conn, index=False)
    engine.dispose()
    return {"kind": "sql", "url": "sqlite:///crm.db",
            "query": "SELECT customer_id, opened_at, later AS opened_at FROM t"}


@pytest.mark.parametrize(("kind", "where"), [
    ("excel", "t.xlsx:1: opened_at: source `tickets` has 2 columns headed `opened_at` "
              "(columns B, C)"),
    ("parquet", "t.parquet: opened_at: source `tickets` has 2 columns headed `opened_at` "
                "(columns 2, 3)"),
    ("parquet folder", "2.parquet: opened_at: source `tickets` has 2 columns headed"),
    ("sql", "(query): opened_at: source `tickets` has 2 columns headed `opened_at`"),
])
def test_a_header_written_twice_is_an_error(tmp_path, kind, where):
    """Excel, Parquet (which can store two fields of one name; DuckDB would call the second
    `opened_at_1`) and SQL (a query can return two columns of one name) as well as CSV
    (cases/error-duplicate-header*.yaml): none of them silently keeps one of the two."""
    spec = _duplicated(tmp_path, kind)
    with pytest.raises(DataError) as err:
        compute_table({"tickets": SourceSpec(time="opened_at", **spec)},
                      {"n": ("n", MetricSpec(table="tickets", metric="count"))}, AS_OF,
                      base_dir=tmp_path, tables={"accounts": ACCOUNTS.rename(
                          columns={"Account": "customer_id"})})
    assert where in str(err.value)
    assert "which one is meant cannot be guessed" in str(err.value)


def test_a_header_written_twice_in_memory():
    tickets = pd.DataFrame([["a", "2026-03-20", "2027-01-01"]],
                           columns=["customer_id", "opened_at", "opened_at"])
    with pytest.raises(DataError, match=r"table `tickets` \(in memory\): opened_at: source "
                                        r"`tickets` has 2 columns headed `opened_at`"):
        compute_table({"tickets": SourceSpec(kind="csv", path="x", time="opened_at")},
                      {"n": ("n", MetricSpec(table="tickets", metric="count"))}, AS_OF,
                      tables={"accounts": pd.DataFrame({"customer_id": ["a"]}),
                              "tickets": tickets})


def test_nested_parquet_fields_are_not_headers(tmp_path):
    """A struct field named like a top-level column is not a second header."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({
        "customer_id": ["a", "a"],
        "meta": [{"opened_at": "x", "inner": {"customer_id": 1}}] * 2,
        "tags": [["p"], ["q"]],
        "opened_at": pd.to_datetime(["2026-03-20", "2026-04-01"]),
    }), tmp_path / "t.parquet")
    result = compute_table(
        {"tickets": SourceSpec(kind="parquet", path="t.parquet", time="opened_at",
                               fresh_within=None)},
        {"n": ("n", MetricSpec(table="tickets", metric="count"))}, AS_OF, base_dir=tmp_path,
        tables={"accounts": pd.DataFrame({"customer_id": ["a"]})})
    assert list(result.frame["n"]) == [1.0]


@pytest.mark.parametrize("kind", ["csv", "parquet", "excel", "sql"])
def test_zone_names_in_text_columns_of_every_kind(tmp_path, kind):
    """Timestamps written as text are read alike whatever holds them: an IANA zone name is
    converted exactly (as of 2026-03-31, 2026-03-31 17:30 America/Los_Angeles is 04-01 00:30
    UTC, in the future), an abbreviation is an error."""
    import sqlalchemy as sa

    def write(values: list[str]) -> dict:
        frame = pd.DataFrame({"customer_id": ["a"] * len(values), "ts": values})
        if kind == "csv":
            frame.to_csv(tmp_path / "t.csv", index=False)
        elif kind == "parquet":
            frame.to_parquet(tmp_path / "t.parquet")
        elif kind == "excel":
            frame.to_excel(tmp_path / "t.xlsx", index=False)
        else:
            engine = sa.create_engine(f"sqlite:///{tmp_path / 'crm.db'}")
            with engine.begin() as conn:
                frame.to_sql("t", conn, index=False, if_exists="replace")
            engine.dispose()
            return {"kind": "sql", "url": "sqlite:///crm.db", "table": "t"}
        return {"kind": kind, "path": f"t.{ {'excel': 'xlsx'}.get(kind, kind)}"}

    def run(values: list[str]):
        return compute_table(
            {"tickets": SourceSpec(time="ts", **write(values))},
            {"n": ("n", MetricSpec(table="tickets", metric="count"))}, AS_OF,
            base_dir=tmp_path, tables={"accounts": pd.DataFrame({"customer_id": ["a"]})})

    result = run(["2026-03-31 17:30 America/Los_Angeles", "2026-03-31 16:30 America/Los_Angeles",
                  "2026-04-01 01:30 Europe/Berlin"])
    assert list(result.frame["n"]) == [2.0]
    with pytest.raises(DataError, match="1 value.* of column `ts` in source `tickets` are not "
                                        "dates or timestamps.*`2026-03-31 16:30 PST`"):
        run(["2026-03-31 12:00", "2026-03-31 16:30 PST"])


def test_postgresql_query_with_a_header_twice():
    """PostgreSQL returns both names of a query's result as they are: caught before reading."""
    url = os.environ.get("HEALTHSCORE_TEST_PG_URL")
    assert url, "HEALTHSCORE_TEST_PG_URL is not set (see test_postgresql)"
    query = ("SELECT 'a' AS customer_id, TIMESTAMP '2026-03-20' AS opened_at, "
             "TIMESTAMP '2027-01-01' AS opened_at")
    with pytest.raises(DataError, match="source `tickets` has 2 columns headed `opened_at`"):
        compute_table({"tickets": SourceSpec(kind="sql", url=url, query=query,
                                             time="opened_at")},
                      {"n": ("n", MetricSpec(table="tickets", metric="count"))}, AS_OF,
                      tables={"accounts": pd.DataFrame({"customer_id": ["a"]})})


def test_as_of_bound_holds_when_signals_read_different_time_columns():
    """A row stamped at the first instant after the as-of day is in the future for every
    signal. With two time columns in one source no single-column pre-filter applies, so each
    signal's own bound must hold (`<` as-of end, never `<=`)."""
    events = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b"],
        "opened_at": pd.to_datetime(["2026-03-31 23:59:59", "2026-04-01 00:00:00",
                                     "2026-03-10 00:00:00", "2026-04-01 00:00:00"]),
        "closed_at": pd.to_datetime(["2026-03-15 00:00:00", "2026-03-20 00:00:00",
                                     "2026-04-01 00:00:00", "2026-03-31 12:00:00"]),
    })
    sources = {
        "accounts": SourceSpec(role="accounts", kind="csv", path="not read",
                               columns={"customer_id": "Account", "seats": "Seats"}),
        "events": SourceSpec(kind="csv", path="not read", time="opened_at",
                             dates=["closed_at"]),
    }
    signals = {
        "opened": ("opened", MetricSpec(table="events", metric="count", window="30d")),
        "closed": ("closed", MetricSpec(table="events", metric="count", window="30d",
                                        time="closed_at")),
    }
    frame = compute_table(sources, signals, AS_OF,
                          tables={"accounts": ACCOUNTS, "events": events}).frame
    # a: opened 03-31 23:59:59 and 03-10 count, 04-01 00:00 does not; closed 03-15 and 03-20
    # count, 04-01 00:00 does not. b: opened 04-01 00:00 does not count; closed 03-31 does.
    assert list(frame["opened"]) == [2.0, 0.0]
    assert list(frame["closed"]) == [2.0, 1.0]
