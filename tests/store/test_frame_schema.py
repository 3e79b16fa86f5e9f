"""The scored frame's one schema (`engine/frame.py`): every producer's frame holds to it, and
the store refuses a frame that does not, before writing a row."""

from __future__ import annotations

import pandas as pd
import pytest

import healthscore
from healthscore.engine import frame as scored_frame
from healthscore.engine.run import Run
from healthscore.errors import DataError
from healthscore.sample import generate_customers
from healthscore.store import frames, list_runs, load_run, open_store, record_run
from tests.store.sample import AS_OF, scored, weights


def test_every_producer_gives_a_valid_frame(target, tmp_path):
    table = generate_customers(80, seed=3, as_of=AS_OF)
    plain = healthscore.score(table, weights(), as_of=AS_OF)
    summary = Run(table, weights(), as_of=AS_OF, columns="summary", explain=False).execute()
    table.to_parquet(tmp_path / "c.parquet", row_group_size=20)
    chunked = Run(tmp_path / "c.parquet", weights(), as_of=AS_OF, chunk_rows=20).execute()
    frame, record = scored(extra=True)
    with open_store(target) as store:
        back = load_run(store, record_run(store, frame, record, inputs={}).run_id).frame
    for produced in (plain, summary.frame, chunked.frame, frame, back):
        assert scored_frame.validate(produced) == []
    assert frames.items is scored_frame.items  # the store's name for it still works
    kinds = scored_frame.items(frame.columns)
    assert "nps" in kinds and kinds["nps"] == "signal"
    assert "group" in set(kinds.values())
    assert scored_frame.items(summary.frame.columns) == {}


def _broken(frame: pd.DataFrame, how: str) -> pd.DataFrame:
    frame = frame.copy()
    if how == "a signal without its status":
        return frame.drop(columns=["nps.status"])
    if how == "a score as text":
        frame["score"] = frame["score"].astype(str)
        return frame
    if how == "an unknown status":
        frame["nps.status"] = frame["nps.status"].astype(str).where(frame.index > 0, "fine")
        return frame
    if how == "points as text":
        frame["nps.points"] = frame["nps.points"].astype(str)
        return frame
    if how == "no tier":
        return frame.drop(columns=["tier"])
    raise AssertionError(how)


@pytest.mark.parametrize("how, message", [
    ("a signal without its status", "`nps` has the columns nps.raw, nps.score, nps.weight, "
                                     "nps.points but is neither a signal"),
    ("a score as text", "`score` must hold numbers"),
    ("an unknown status", "`nps.status` holds fine; a status is one of ok, missing"),
    ("points as text", "`nps.points` must hold numbers"),
    ("no tier", "the scored frame has no `tier` column"),
])
def test_the_store_refuses_a_frame_off_the_schema(target, how, message):
    frame, record = scored(40)
    with open_store(target) as store:
        with pytest.raises(DataError, match=message):
            record_run(store, _broken(frame, how), record, inputs={})
        assert list_runs(store).empty  # nothing written


def test_item_names_may_hold_dots():
    columns = ["customer_id", "usage.logins.raw", "usage.logins.score", "usage.logins.weight",
               "usage.logins.points", "usage.logins.status", "usage.score", "usage.weight",
               "usage.points", "seats.total"]
    assert scored_frame.items(columns) == {"usage.logins": "signal", "usage": "group"}
    assert scored_frame.split("usage.logins.points") == ("usage.logins", "points")
    assert scored_frame.split("seats.total") is None
    assert scored_frame.account_columns(columns) == ["customer_id", "seats.total"]
