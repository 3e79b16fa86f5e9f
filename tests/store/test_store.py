"""The run store on SQLite and PostgreSQL: exact round trip, idempotent re-runs, separate runs
for other weights or inputs, concurrent writers, a killed writer, per-customer index reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from healthscore.errors import DataError
from healthscore.store import (
    customer_history,
    history_frame,
    list_runs,
    load_run,
    migrate,
    open_store,
    record_run,
)
from tests.conftest import ROOT
from tests.store.sample import AS_OF, input_file, scored


def counts(store) -> dict[str, int]:
    with store.reading() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("runs", "results", "signal_values", "account_fields")}


def test_round_trip_is_exact(target, tmp_path):
    frame, record = scored(extra=True)
    with open_store(target) as store:
        recorded = record_run(store, frame, record,
                              inputs={"customers": input_file(tmp_path, 1)})
        back = load_run(store, recorded.run_id)
    pd.testing.assert_frame_equal(back.frame, frame, check_exact=True)
    assert list(back.frame.columns) == list(frame.columns)
    assert back.run_json == recorded.record
    assert back.run_json == {**record, "run_id": recorded.run_id}
    assert back.weights.digest() == record["weights"]["digest"]
    assert back.as_of == AS_OF and back.methods == {"csat": "given"}
    assert back.fingerprints["customers"]["size"] == input_file(tmp_path, 1).stat().st_size
    # the account snapshot is queryable SQL, not only a blob
    with store.reading() as conn:
        row = conn.execute(sa.text("SELECT segment, owner, arr, parent FROM results WHERE "
                                   "customer_id = :c"), {"c": frame["customer_id"][3]}).one()
    assert tuple(row) == (frame["segment"][3], frame["owner"][3], frame["arr"][3],
                          frame["parent_id"][3] if isinstance(frame["parent_id"][3], str)
                          else None)


def test_rerun_replaces_and_other_weights_are_separate(target, tmp_path):
    frame, record = scored()
    source = input_file(tmp_path, 1)
    with open_store(target) as store:
        first = record_run(store, frame, record, inputs={"customers": source})
        once = counts(store)
        again = record_run(store, frame, {**record, "created_at": "2026-11-02T00:00:00+00:00"},
                           inputs={"customers": source})
        assert again.run_id == first.run_id and again.replaced and not first.replaced
        assert counts(store) == once
        assert load_run(store, first.run_id).run_json["created_at"].startswith("2026-11-02")
        other_frame, other_record = scored(tweak=3.0)
        other = record_run(store, other_frame, other_record, inputs={"customers": source})
        changed = record_run(store, frame, record, inputs={"customers": input_file(tmp_path, 2)})
        runs = list_runs(store)
    assert other.run_id != first.run_id and changed.run_id != first.run_id
    assert len(runs) == 3 and set(runs["as_of"]) == {AS_OF}
    assert set(runs["label"]) == {record["weights"]["name"], other_record["weights"]["name"]}
    assert once["results"] == len(frame) and once["runs"] == 1


def test_history_reads(target, tmp_path):
    source = input_file(tmp_path, 1)
    with open_store(target) as store:
        for month, seed in (("2026-08-31", 1), ("2026-09-30", 2), ("2026-10-31", 3)):
            frame, record = scored(seed=seed, as_of=pd.Timestamp(month).date())
            record_run(store, frame, record, inputs={"customers": source})
        one = customer_history(store, "C00005")
        history = history_frame(store)
        before = history_frame(store, before=AS_OF)
    assert [str(d) for d in one["as_of"]] == ["2026-08-31", "2026-09-30", "2026-10-31"]
    assert one["score"].iloc[-1] == frame.loc[frame["customer_id"] == "C00005", "score"].item()
    assert list(history.columns) == ["customer_id", "as_of", "score", "tier"]
    assert len(history) == 3 * len(frame) and len(before) == 2 * len(frame)


def test_concurrent_writers_never_corrupt(target, tmp_path):
    """Four processes record at once (two of them the same run): every run is complete."""
    open_store(target).close()  # created up front; opening concurrently is tested below too
    procs = [subprocess.Popen([sys.executable, "-m", "tests.store.sample", target, "300",
                               str(seed), str(input_file(tmp_path, seed))], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2, 3, 3)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    with open_store(target) as store:
        runs = list_runs(store)
        assert len(runs) == 3
        for seed in (1, 2, 3):
            frame, _ = scored(300, seed)
            run_id = next(o[0].split()[-1] for o, s in zip(outs, (1, 2, 3, 3), strict=True)
                          if s == seed)
            pd.testing.assert_frame_equal(load_run(store, run_id).frame, frame,
                                          check_exact=True)
        assert counts(store)["results"] == 900


def test_concurrent_first_opens(target):
    """Two processes creating the same new store at once: one creates it, one waits."""
    code = "import sys; from healthscore.store import open_store; open_store(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, target], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with open_store(target, read_only=True) as store, store.reading() as conn:
        assert migrate.current(conn) == migrate.head()


def test_killed_writer_leaves_the_store_as_it_was(target, tmp_path):
    source = input_file(tmp_path, 1)
    frame, record = scored(seed=1)
    with open_store(target) as store:
        kept = record_run(store, frame, record, inputs={"customers": source})
        before = counts(store)
    proc = subprocess.Popen([sys.executable, "-m", "tests.store.sample", target, "400", "9",
                             str(input_file(tmp_path, 9)), "30"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:  # wait until it is inside its transaction, rows written
        lines.append(line)
        if line.startswith("writing") and int(line.split()[1]) >= 200:
            break
    assert lines and lines[-1].startswith("writing"), (lines, proc.stderr.read())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with open_store(target) as store:
        assert counts(store) == before
        assert list(list_runs(store)["run_id"]) == [kept.run_id]
        pd.testing.assert_frame_equal(load_run(store, kept.run_id).frame, frame)
        other, other_record = scored(seed=9)  # and the store still takes writes
        record_run(store, other, other_record, inputs={"customers": input_file(tmp_path, 9)})
        assert len(list_runs(store)) == 2


def test_failed_write_rolls_back(target, tmp_path, monkeypatch):
    from healthscore.store import frames

    frame, record = scored()
    with open_store(target) as store:
        record_run(store, frame, record, inputs={})
        before = counts(store)

        def broken(*args, **kwargs):
            raise RuntimeError("disk gone")

        monkeypatch.setattr(frames, "field_columns", broken)
        with pytest.raises(RuntimeError):
            record_run(store, frame, record, inputs={})  # same id: delete happened, then fail
        assert counts(store) == before


def test_customer_reads_use_the_index(target, tmp_path):
    frame, record = scored()
    with open_store(target) as store:
        record_run(store, frame, record, inputs={})
        sql = ("SELECT r.score, r.tier FROM results r JOIN runs USING (run_id) "
               "WHERE r.customer_id = 'C00007' ORDER BY runs.as_of")
        values_sql = "SELECT item, points FROM signal_values WHERE customer_id = 'C00007'"
        with store.reading() as conn:
            if store.dialect == "sqlite":
                plans = ["\n".join(str(r) for r in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {q}")) for q in (sql, values_sql)]
            else:  # tiny tables: make a sequential scan unattractive, as on a big table
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plans = ["\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {q}"))
                         for q in (sql, values_sql)]
    assert "ix_results_customer" in plans[0], plans[0]
    assert "ix_signal_values_customer" in plans[1], plans[1]


def test_read_only_open_of_a_missing_store_creates_nothing(tmp_path):
    missing = tmp_path / "nothing" / "healthscore.db"
    with pytest.raises(DataError, match="no run store here"):
        open_store(missing, read_only=True)
    assert not missing.exists() and not missing.parent.exists()


def test_read_only_store_refuses_writes(target):
    frame, record = scored(20)
    open_store(target).close()
    with open_store(target, read_only=True) as store, pytest.raises(DataError,
                                                                    match="read-only"):
        record_run(store, frame, record, inputs={})


def test_schema_is_versioned_by_alembic(target):
    with open_store(target) as store, store.reading() as conn:
        assert migrate.current(conn) == migrate.head() == "0001"
        tables = set(sa.inspect(conn).get_table_names())
    assert {"runs", "results", "signal_values", "account_fields", "alembic_version"} <= tables


def test_unknown_run_is_a_clear_error(target):
    frame, record = scored(20)
    with open_store(target) as store:
        recorded = record_run(store, frame, record, inputs={})
        with pytest.raises(DataError, match=f"no run `nope`.*{recorded.run_id}"):
            load_run(store, "nope")


def test_run_id_depends_on_date_weights_and_input_bytes(tmp_path):
    from healthscore.io.fingerprint import fingerprints, run_id

    a = tmp_path / "a.csv"
    a.write_text("x\n1\n")
    base = run_id("2026-10-31", "d1", fingerprints({"customers": a, "weights": a}))
    assert base == run_id("2026-10-31", "d1", fingerprints({"customers": a}))
    assert base != run_id("2026-09-30", "d1", fingerprints({"customers": a}))
    assert base != run_id("2026-10-31", "d2", fingerprints({"customers": a}))
    a.write_text("x\n2\n")  # same size, other bytes
    assert base != run_id("2026-10-31", "d1", fingerprints({"customers": a}))
    assert json.loads(json.dumps(fingerprints({"customers": a})))["customers"]["size"] == 4
