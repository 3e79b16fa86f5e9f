"""A store that cannot be used is a message when it is opened, never a traceback and never a
change to it (issue 20): a file that is not SQLite, a damaged file, another application's
database, a store of a newer healthscore, a store this process cannot write, PostgreSQL
without its driver, a full disk at commit, a damaged run, a lock held by another process.
Processes are real: the lock is held by another process, the read-only store is opened by a
user who may not write it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from healthscore.errors import DataError
from healthscore.store import list_runs, load_run, migrate, open_store, record_run
from tests.conftest import ROOT
from tests.store.sample import input_file, scored

POSTGRES_ONLY = pytest.mark.parametrize(
    "target", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # subprocesses run this checkout's healthscore


def healthscore(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr.replace("\n", " "), proc.stderr


def tables(target: str) -> set[str]:
    engine = sa.create_engine(target, poolclass=sa.pool.NullPool) if "://" in target else \
        sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return found


def execute(target: str, *statements: str) -> None:
    if "://" not in target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    url = target if "://" in target else f"sqlite:///{target}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def test_a_file_that_is_not_sqlite_is_named_and_left_alone(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("customer_id,score\nC1,80\n")
    for read_only in (False, True):
        with pytest.raises(DataError, match=r"scores.csv: not a SQLite database \(expected a "
                                            r"file starting with \"SQLite format 3\", found "
                                            r"b'customer'"):
            open_store(path, read_only=read_only)
    assert path.read_text() == "customer_id,score\nC1,80\n"
    one_line_error(healthscore("history", "C1", "--store", path, cwd=tmp_path),
                   "scores.csv: not a SQLite database")


def test_a_damaged_store_file_is_a_message(tmp_path):
    path = tmp_path / "healthscore.db"
    frame, record = scored(400)
    with open_store(path) as store:
        record_run(store, frame, record, inputs={})
    data = bytearray(path.read_bytes())
    data[4096:len(data) - 4096] = b"\xa5" * (len(data) - 8192)  # pages overwritten, header kept
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="healthscore.db: cannot read the run store: "
                                        "(database disk image is malformed|file is not a "
                                        "database)"), open_store(path, read_only=True) as store:
        list_runs(store)
    one_line_error(healthscore("history", frame["customer_id"][0], "--store", path,
                               cwd=tmp_path), "healthscore.db: cannot read the run store")


def test_another_applications_database_gets_no_tables(target):
    execute(target, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
            "INSERT INTO notes VALUES (1, 'mine')")
    for read_only in (False, True):
        with pytest.raises(DataError, match=r"not a healthscore run store: it holds other "
                                            r"tables \(notes\) and no `alembic_version` table"):
            open_store(target, read_only=read_only)
    assert tables(target) == {"notes"}


def test_another_applications_alembic_database_is_refused(target):
    execute(target, "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
            "CREATE TABLE users (id INTEGER PRIMARY KEY)")
    with pytest.raises(DataError, match="not a healthscore run store: its `alembic_version` "
                                        "is ae1027a6acf"):
        open_store(target)
    assert tables(target) == {"alembic_version", "users"}


def test_a_store_of_a_newer_healthscore_is_refused_unchanged(target, tmp_path):
    frame, record = scored(20)
    with open_store(target) as store:
        record_run(store, frame, record, inputs={})
    execute(target, "UPDATE alembic_version SET version_num = '0099'",
            "CREATE TABLE future_things (id INTEGER)")
    for read_only in (False, True):
        with pytest.raises(DataError, match="this store was written by a newer healthscore: "
                                            "its schema revision is 0099, this healthscore "
                                            "knows revisions up to 0001"):
            open_store(target, read_only=read_only)
    execute(target, "UPDATE alembic_version SET version_num = '0001'")
    with open_store(target, read_only=True) as store:
        assert len(list_runs(store)) == 1
    if "://" not in target:
        execute(target, "UPDATE alembic_version SET version_num = '0099'")
        one_line_error(healthscore("history", "C1", "--store", target, cwd=tmp_path),
                       "this store was written by a newer healthscore")


def _without_root_override() -> None:
    """Root writes any file; without CAP_DAC_OVERRIDE it obeys the file's mode like a user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, from the bounding set
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file modes and prctl")
@pytest.mark.parametrize("lock", ["file", "folder"])
def test_a_store_this_user_cannot_write_fails_when_opened(tmp_path, lock):
    """`run` writes the month's files and then stores the run: a store it cannot write must
    fail when opened, before anything is written. Root may write anything, so the process
    opening it runs without root's override of file modes."""
    folder = tmp_path / "store"
    path = folder / "healthscore.db"
    frame, record = scored(20)
    with open_store(path) as store:
        record_run(store, frame, record, inputs={})
    before = path.read_bytes()
    if lock == "file":
        os.chmod(path, 0o444)
    else:  # the file may be written but no journal may be created next to it
        os.chmod(folder, 0o555)
    code = ("import sys\nfrom healthscore.errors import DataError\n"
            "from healthscore.store import open_store\n"
            f"try:\n    open_store({str(path)!r}).close()\n"
            "except DataError as exc:\n    print(exc)\n    sys.exit(2)\n")
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                              text=True, timeout=60,
                              preexec_fn=_without_root_override if os.getuid() == 0 else None)
    finally:
        os.chmod(folder, 0o755)
        os.chmod(path, 0o644)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert f"{path}: cannot write the run store: " in proc.stdout, proc.stdout
    assert "nothing was recorded" in proc.stdout, proc.stdout
    assert path.read_bytes() == before
    with open_store(path, read_only=True) as store:  # and reading it still works
        assert len(list_runs(store)) == 1


@POSTGRES_ONLY
def test_a_read_only_postgres_user_fails_when_opened(target):
    open_store(target).close()
    read_only = f"{target}%20-cdefault_transaction_read_only%3Don"
    with pytest.raises(DataError, match="cannot write the run store: cannot execute UPDATE in "
                                        "a read-only transaction; nothing was recorded"):
        open_store(read_only)
    with open_store(read_only, read_only=True) as store:
        assert list_runs(store).empty


def test_postgres_without_its_driver_is_a_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as when it is not installed
    with pytest.raises(DataError, match=r"postgresql\+psycopg://u:\*\*\*@db.example/x: the "
                                        r"PostgreSQL driver is not installed \(no module "
                                        r"`psycopg`\): install healthscore\[postgres\]"):
        open_store("postgresql://u:secret@db.example/x")
    with pytest.raises(DataError, match="unknown database driver `postgresql\\+nodriver`"):
        open_store("postgresql+nodriver://u@db.example/x")
    blocker = tmp_path / "sitecustomize.py"  # a real process without the driver
    blocker.write_text("import sys\nsys.modules['psycopg'] = None\n")
    proc = subprocess.run([sys.executable, "-m", "healthscore", "history", "C1", "--store",
                           "postgresql://u:secret@db.example/x"], cwd=tmp_path,
                          env={**ENV, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
                          capture_output=True, text=True, timeout=60)
    one_line_error(proc, "the PostgreSQL driver is not installed")
    assert "secret" not in proc.stderr


def test_a_full_disk_at_commit_records_nothing(tmp_path):
    """SQLite's own `database or disk is full` (a page limit stands in for the disk)."""
    path = tmp_path / "healthscore.db"
    small, small_record = scored(20)
    with open_store(path) as store:
        kept = record_run(store, small, small_record, inputs={})
    before = path.read_bytes()
    frame, record = scored(3000, seed=3)
    with open_store(path) as store:
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar_one()

        @sa.event.listens_for(store.engine, "connect")
        def _full(dbapi_conn, _record):
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 20}")

        with pytest.raises(DataError, match="healthscore.db: cannot write the run store: "
                                            "database or disk is full; nothing was recorded"):
            record_run(store, frame, record, inputs={"customers": input_file(tmp_path, 3)})
    assert path.read_bytes() == before
    with open_store(path, read_only=True) as store:
        assert list(list_runs(store)["run_id"]) == [kept.run_id]


@pytest.mark.parametrize("damage, key, found", [
    ("UPDATE runs SET record_json = '{\"as_of\": ' ", "runs.record_json", "JSONDecodeError"),
    ("UPDATE runs SET columns_json = '[]'", "runs.columns_json", "list"),
    ("DELETE FROM results WHERE position = 3", "results", "119"),
    ("UPDATE signal_values SET customer_id = 'ghost' WHERE item = 'csat' AND customer_id = "
     "(SELECT customer_id FROM results WHERE position = 0)", "signal_values",
     "'ghost'"),
    ("UPDATE runs SET weights_json = '{\"version\": 1}'", "runs", "ValidationError"),
])
def test_a_damaged_run_is_named(target, damage, key, found):
    frame, record = scored()
    with open_store(target) as store:
        recorded = record_run(store, frame, record, inputs={})
    execute(target, damage)
    with open_store(target, read_only=True) as store, pytest.raises(DataError) as caught:
        load_run(store, recorded.run_id)
    text = str(caught.value)
    assert f"{key}: run `{recorded.run_id}` is damaged: expected " in text, text
    assert found in text, text


HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(120)
"""


def test_history_waits_a_bounded_time_and_names_the_lock_holder(tmp_path):
    path = tmp_path / "healthscore.db"
    frame, record = scored(20)
    with open_store(path) as store:
        record_run(store, frame, record, inputs={})
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        proc = healthscore("history", frame["customer_id"][0], "--store", path, "--wait", "1",
                           cwd=tmp_path)
        assert time.monotonic() - started < 30
        one_line_error(proc, "healthscore.db: the store is locked by another process "
                             f"(pid {holder.pid}:", "waited 1 s", "--wait SECONDS")
    finally:
        holder.kill()
        holder.wait()
    proc = healthscore("history", frame["customer_id"][0], "--store", path, "--wait", "1",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@POSTGRES_ONLY
def test_a_postgres_writer_waits_a_bounded_time_for_the_lock(target):
    open_store(target).close()
    with open_store(target) as holder, holder.writing():
        started = time.monotonic()
        with pytest.raises(DataError, match="the store is locked by another process "
                                            r"\(PostgreSQL backend \d+ of user .*waited 1 s"):
            open_store(target, wait=1)
        assert time.monotonic() - started < 30


def test_a_good_store_still_opens_and_upgrades(target):
    """The checks refuse only what they should: an empty database becomes a store."""
    with open_store(target) as store, store.reading() as conn:
        assert migrate.current(conn) == migrate.head()
    frame, record = scored(20)
    with open_store(target) as store:
        recorded = record_run(store, frame, record, inputs={})
    with open_store(target, read_only=True) as store:
        pd.testing.assert_frame_equal(load_run(store, recorded.run_id).frame, frame)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file modes and prctl")
@pytest.mark.parametrize("fault", ["read-only", "newer", "foreign"])
def test_the_monthly_run_stops_before_writing_the_month(tmp_path, fault):
    """`healthscore run` into a store it cannot use wrote the month's files and then failed
    with a traceback. Now the store is refused when it is opened: no month folder appears."""
    from healthscore.sample.raw import generate_raw

    generate_raw(tmp_path / "raw", n_customers=30, seed=3)
    store = tmp_path / "healthscore.db"  # the default store of `run`, `history`, `render --run`
    frame, record = scored(20)
    if fault == "foreign":
        execute(str(store), "CREATE TABLE notes (id INTEGER)")
    else:
        with open_store(store) as opened:
            record_run(opened, frame, record, inputs={})
    if fault == "newer":
        execute(str(store), "UPDATE alembic_version SET version_num = '0099'")
    if fault == "read-only":
        os.chmod(store, 0o444)
    before = _files(tmp_path / "monthly")
    proc = subprocess.run(
        [sys.executable, "-m", "healthscore", "run", "-w", ROOT / "weights" /
         "from-exports.yaml", "--data", tmp_path, "--month", "2026-10", "-q"], cwd=tmp_path,
        env=ENV, capture_output=True, text=True, timeout=300,
        preexec_fn=_without_root_override if os.getuid() == 0 else None)
    os.chmod(store, 0o644)
    one_line_error(proc, {"read-only": "cannot write the run store",
                          "newer": "this store was written by a newer healthscore",
                          "foreign": "not a healthscore run store"}[fault])
    assert _files(tmp_path / "monthly") == before  # no month folder, the store as it was


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_driver_errors_from_a_raw_cursor_are_messages_too(target):
    """Runs are read from the driver's cursor directly (millions of rows): its own errors, not
    SQLAlchemy's, must become the same message; an error of our SQL stays a bug."""
    open_store(target).close()
    with open_store(target, read_only=True) as store:
        dbapi = store.engine.dialect.dbapi
        fault = (dbapi.DatabaseError("database disk image is malformed")
                 if store.dialect == "sqlite" else dbapi.OperationalError("server closed"))
        message = "cannot read the run store: (database disk image is malformed|server closed)"
        with pytest.raises(DataError, match=message), store.reading():
            raise fault
        with pytest.raises(dbapi.ProgrammingError), store.reading():
            raise dbapi.ProgrammingError("a bug in our SQL")
