"""Bad customer tables get located, complete errors; blanks are missing, never zero."""

from __future__ import annotations

import pandas as pd
import pytest

import healthscore
from healthscore.errors import DataError
from tests.conftest import write_weights

WEIGHTS = {
    "min_coverage": 0,
    "signals": {
        "csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
        "nps": {"score": {"linear": [-20, 60]}},
    },
}


@pytest.fixture
def weights(tmp_path):
    return write_weights(tmp_path / "w.yaml", WEIGHTS)


def _csv(tmp_path, text: str):
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_signal_column_names_the_signal_and_lists_columns(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,nps,arr\n1,10,100\n")
    with pytest.raises(DataError) as info:
        healthscore.score(path, weights)
    message = str(info.value)
    assert "column `csat_pct` used by signal csat is not in the table" in message
    assert "columns found: customer_id, nps, arr" in message
    assert str(path) in message


def test_text_in_numeric_column_cites_file_lines_and_values(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps\n1,80,10\n2,n/a?,5\n3,70,high\n4,,\n")
    with pytest.raises(DataError) as info:
        healthscore.score(path, weights)
    message = str(info.value)
    assert 'expected numbers in column `csat_pct`; found text in line 3 ("n/a?")' in message
    assert 'expected numbers in column `nps`; found text in line 4 ("high")' in message


def test_duplicate_ids_are_listed(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps\nA,80,10\nB,80,10\nA,70,5\nC,1,1\nB,1,1\n")
    with pytest.raises(DataError, match=r"duplicate customer ids: A, B;"):
        healthscore.score(path, weights)


def test_empty_table_is_an_error(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps\n")
    with pytest.raises(DataError, match="has no rows"):
        healthscore.score(path, weights)


def test_blank_is_missing_not_zero(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps\n1,95,\n2,95,0\n")
    frame = healthscore.score(path, weights).set_index("customer_id")
    assert frame.loc["1", "nps.status"] == "missing"
    assert frame.loc["1", "score"] == pytest.approx(100.0)  # nps redistributed, not scored as 0
    assert frame.loc["2", "nps.score"] == pytest.approx(25.0)
    assert frame.loc["2", "score"] == pytest.approx(62.5)


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_parquet_and_excel_give_the_same_scores_as_csv(tmp_path, weights, fmt):
    table = pd.DataFrame({"customer_id": ["a", "b"], "csat_pct": [77.5, None],
                          "nps": [40.0, -5.0], "arr": [1200.0, 300.0]})
    csv_path = tmp_path / "c.csv"
    table.to_csv(csv_path, index=False)
    other = tmp_path / f"c.{fmt}"
    if fmt == "parquet":
        table.to_parquet(other)
    else:
        table.to_excel(other, index=False)
    a = healthscore.score(csv_path, weights)
    b = healthscore.score(other, weights)
    assert a["score"].tolist() == pytest.approx(b["score"].tolist())
    assert a.loc[0, "score"] == pytest.approx((50 + 75) / 2)


def test_excel_text_error_cites_sheet_row(tmp_path, weights):
    table = pd.DataFrame({"customer_id": [1, 2], "csat_pct": [80, "lots"], "nps": [1, 2]})
    path = tmp_path / "c.xlsx"
    table.to_excel(path, index=False)
    with pytest.raises(DataError, match=r'line 3 \("lots"\)'):
        healthscore.score(path, weights)


def test_unknown_extension_lists_supported_formats(tmp_path, weights):
    path = tmp_path / "c.json"
    path.write_text("{}")
    with pytest.raises(DataError, match=r"use one of .*\.csv.*\.parquet.*\.xlsx"):
        healthscore.score(path, weights)


def test_id_column_is_configurable(tmp_path):
    weights = write_weights(tmp_path / "w.yaml", {**WEIGHTS, "id_column": "account"})
    frame = healthscore.score(pd.DataFrame({"account": ["x"], "csat_pct": [95], "nps": [60]}),
                              weights)
    assert frame.loc[0, "customer_id"] == "x"
    assert frame.loc[0, "score"] == pytest.approx(100.0)


def test_infinite_values_are_rejected_with_their_lines(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps\n1,80,10\n2,inf,5\n3,70,-Infinity\n")
    with pytest.raises(DataError) as info:
        healthscore.score(path, weights)
    text = str(info.value)
    assert 'expected finite numbers in column `csat_pct`; found line 3 ("inf")' in text
    assert 'expected finite numbers in column `nps`; found line 4 ("-inf")' in text


def test_a_header_written_twice_is_an_error(tmp_path, weights):
    path = _csv(tmp_path, "customer_id,csat_pct,nps,nps\n1,80,10,60\n")
    with pytest.raises(DataError, match=r"c(ustomers)?\.csv:1: columns named more than once "
                                        r"in the header: nps"):
        healthscore.score(path, weights)
    frame = pd.DataFrame([[1, 80.0, 10.0, 60.0]], columns=["customer_id", "csat_pct", "nps",
                                                           "nps"])
    with pytest.raises(DataError, match="columns named more than once: nps"):
        healthscore.score(frame, weights)
