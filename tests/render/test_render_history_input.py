"""A malformed history is a located error, never a traceback or a silent guess."""

from __future__ import annotations

import pandas as pd
import pytest

from healthscore.errors import DataError
from healthscore.io.tables import read_table
from healthscore.render.history import checked_history


def _history(tmp_path, text: str) -> pd.DataFrame:
    path = tmp_path / "history.csv"
    path.write_text(text)
    return read_table(path)


def test_bad_dates_scores_and_duplicates_are_all_reported_with_lines(tmp_path):
    history = _history(tmp_path, "customer_id,as_of,score,tier\n"
                                 "a,2026-09-30,61.5,watch\n"
                                 "b,last month,40,at risk\n"
                                 "c,2026-09-30,high,watch\n"
                                 "d,2026-09-30,500,healthy\n"
                                 "a,2026-09-30,62,watch\n")
    with pytest.raises(DataError) as info:
        checked_history(history)
    text = str(info.value)
    assert 'history.csv:3: as_of: expected dates in column `as_of` written as ISO 8601' in text
    assert 'found line 3 ("last month")' in text
    assert 'line 4 ("high"), line 5 ("500")' in text
    assert 'a customer appears twice for one date: line 2 ("a"), line 6 ("a")' in text
    assert str(tmp_path / "history.csv") in text


def test_a_good_history_is_parsed(tmp_path):
    history = _history(tmp_path, "customer_id,as_of,score,tier\na,2026-09-30,61.5,watch\n"
                                 "b,2026-09-30,,insufficient data\n")
    h = checked_history(history)
    assert h["as_of"].tolist() == [pd.Timestamp("2026-09-30").date()] * 2
    assert h["score"].iloc[0] == pytest.approx(61.5) and pd.isna(h["score"].iloc[1])
