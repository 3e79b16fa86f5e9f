"""Readers never shift, renumber or blank a value without saying so (issue 11, items 1-3, 5,
11): each test reproduces a reported failure with a real file."""

from __future__ import annotations

import time

import numpy as np
import openpyxl
import pandas as pd
import pytest

import healthscore
from healthscore.errors import DataError
from healthscore.io.tables import _unique, as_text, read_table
from tests.conftest import write_weights

SIGNALS = {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
           "nps": {"score": {"linear": [-20, 60]}}}


@pytest.fixture
def weights(tmp_path):
    return write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})


def test_a_trailing_comma_on_every_row_shifts_nothing(tmp_path, weights, cli):
    """Item 1: `A1,Acme,80,10,` made pandas take the ids as the index; every column moved."""
    (tmp_path / "c.csv").write_text("customer_id,name,csat_pct,nps\nA1,Acme,80,10,\n"
                                    "B2,Bee,95,60,\n")
    cli("score", "-w", weights, "-c", "c.csv", "-o", "out", "-q", "--format", "csv",
        check_code=0)
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", dtype={"customer_id": str})
    assert scores["customer_id"].tolist() == ["A1", "B2"]
    assert scores["name"].tolist() == ["Acme", "Bee"]
    assert scores["csat.raw"].tolist() == [80, 95] and scores["nps.raw"].tolist() == [10, 60]
    # csat (80-60)/35 = 57.142857, nps 30/80 = 37.5: mean 47.321429
    assert scores["score"].tolist() == pytest.approx([47.3214286, 100.0])


def test_a_value_beyond_the_header_is_a_located_error(tmp_path, weights):
    path = tmp_path / "c.csv"
    path.write_text("customer_id,csat_pct,nps\nA1,80,10,\nB2,95,60,oops\nC3,70,5\n")
    with pytest.raises(DataError) as info:
        healthscore.score(path, weights)
    assert f"{path}:3:" in str(info.value)
    assert "1 line(s) have more values than the header has columns (3): line 3" \
        in str(info.value)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_ids_are_text_in_every_reader(tmp_path, weights, fmt):
    """Item 2: `007` and `7` are two customers; `0042` keeps its zeros, `1e3` stays `1e3`."""
    frame = pd.DataFrame({"customer_id": ["007", "7", "0042", "1e3"],
                          "csat_pct": [95.0, 60.0, 80.0, 70.0], "nps": [60.0, -20.0, 0, 0]})
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_excel(path, index=False)
    scored = healthscore.score(path, weights)
    assert scored["customer_id"].tolist() == ["007", "7", "0042", "1e3"]
    assert scored["score"].tolist() == pytest.approx([100.0, 0.0, 41.0714286, 26.7857143])


def test_numeric_ids_in_parquet_and_excel_become_their_shortest_text(tmp_path, weights):
    ints = pd.DataFrame({"customer_id": [7, 42], "csat_pct": [95.0, 60.0], "nps": [60.0, 0]})
    ints.to_parquet(tmp_path / "i.parquet")
    ints.assign(customer_id=[7.0, 42.0]).to_parquet(tmp_path / "f.parquet")
    ints.to_excel(tmp_path / "i.xlsx", index=False)
    for name in ("i.parquet", "f.parquet", "i.xlsx"):
        assert healthscore.score(tmp_path / name, weights)["customer_id"].tolist() == \
            ["7", "42"], name


def test_as_text_rules():
    out = as_text(pd.Series([7.0, np.nan, 1e3, 2.5]))
    assert out.iloc[0] == "7" and pd.isna(out.iloc[1]) and out.iloc[2] == "1000"
    assert out.iloc[3] == "2.5"
    blank = as_text(pd.Series(["", "  ", " a ", None], dtype=object))
    assert blank.isna().tolist() == [True, True, False, True] and blank.iloc[2] == "a"


def test_raw_mode_does_not_count_customer_7s_rows_for_007(tmp_path):
    """Item 2, raw exports: survey rows of `7` were counted for account `007`."""
    (tmp_path / "accounts.csv").write_text("customer_id,name\n007,Zero Zero Seven\n7,Seven\n")
    (tmp_path / "surveys.csv").write_text(
        "customer_id,answered_at,score\n7,2026-10-01,9\n7,2026-10-02,10\n007,2026-10-03,1\n")
    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0,
        "sources": {"accounts": {"kind": "csv", "path": "accounts.csv"},
                    "surveys": {"kind": "csv", "path": "surveys.csv", "time": "answered_at",
                                "fresh_within": None}},
        "signals": {"answers": {"compute": {"table": "surveys", "metric": "count",
                                            "window": "90d"},
                                "score": {"linear": [0, 2]}}}})
    table = healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31")
    counts = dict(zip(table.frame["customer_id"], table.frame["answers"], strict=True))
    assert counts == {"007": 1, "7": 2}


def test_numeric_parquet_ids_join_text_csv_ids_as_text(tmp_path):
    pd.DataFrame({"customer_id": [7, 8]}).to_parquet(tmp_path / "accounts.parquet")
    (tmp_path / "surveys.csv").write_text("customer_id,answered_at\n7,2026-10-01\n"
                                          "07,2026-10-02\n")
    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0,
        "sources": {"accounts": {"kind": "parquet", "path": "accounts.parquet"},
                    "surveys": {"kind": "csv", "path": "surveys.csv", "time": "answered_at",
                                "fresh_within": None}},
        "signals": {"answers": {"compute": {"table": "surveys", "metric": "count",
                                            "window": "90d"},
                                "score": {"linear": [0, 2]}}}})
    table = healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31")
    assert table.frame["customer_id"].tolist() == ["7", "8"]
    assert table.frame["answers"].tolist() == [1, 0]
    assert any("07" in str(w) for w in table.warnings)  # `07` is nobody, and said so


def test_an_excel_formula_without_a_saved_result_is_an_error_naming_the_cell(tmp_path,
                                                                              weights):
    """Item 3: openpyxl writes formulas without results; they read as blank, silently."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["customer_id", "name", "csat_pct", "nps"])
    sheet.append(["A1", '=HYPERLINK("http://x","Acme")', 80, 10])
    sheet.append(["B2", "Bee", "=40+50", 60])
    book.save(tmp_path / "c.xlsx")
    with pytest.raises(DataError) as info:
        healthscore.score(tmp_path / "c.xlsx", weights)
    assert "2 cell(s) hold a formula without a saved result (B2, C3)" in str(info.value)


def test_parquet_blank_parent_is_no_parent(tmp_path):
    """Item 5: a `parent_id` of "" made one bogus parent of every row."""
    wf = write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS,
                                             "rollup": {"parent": "parent_id",
                                                        "method": "mean"}})
    pd.DataFrame({"customer_id": ["P", "a", "b", "c"], "parent_id": ["", "P", "", " "],
                  "csat_pct": [95.0, 60.0, 95.0, 95.0],
                  "nps": [60.0, -20.0, 60.0, 60.0]}).to_parquet(tmp_path / "c.parquet")
    for out in ("direct", "files"):
        if out == "direct":
            run = healthscore.score_run(tmp_path / "c.parquet", wf)
            parents = run.rollups
        else:
            from healthscore.engine.run import Run
            from healthscore.outputs import OutputFiles

            parents = Run(tmp_path / "c.parquet", wf, as_of="2026-10-31", collect=False,
                          sinks=[OutputFiles(tmp_path / "out")]).execute().rollups
        assert parents["parent_id"].tolist() == ["P"], out
        # the family of P: its own account (100) and a (0); b and c have no parent
        assert parents["children"].tolist() == [1] and parents["score"].tolist() == [50.0]


def test_latin1_is_a_located_error_and_a_bom_is_fine(tmp_path, weights):
    (tmp_path / "l.csv").write_bytes("customer_id,name,csat_pct,nps\nA,Café,80,10\n"
                                     .encode("latin-1"))
    with pytest.raises(DataError) as info:
        healthscore.score(tmp_path / "l.csv", weights)
    assert f"{tmp_path / 'l.csv'}:2: not UTF-8 text" in str(info.value)
    (tmp_path / "b.csv").write_bytes("\ufeffcustomer_id,csat_pct,nps\n007,95,60\n"
                                     .encode("utf-8"))
    assert healthscore.score(tmp_path / "b.csv", weights)["customer_id"].tolist() == ["007"]


def test_duplicate_header_check_is_linear():
    """Item 11: a header of 1M columns never finished (a quadratic duplicate check)."""
    header = [f"c{i}" for i in range(1_000_000)]
    started = time.perf_counter()
    _unique(header, "wide.csv")
    assert time.perf_counter() - started < 5  # quadratic: hours
    with pytest.raises(DataError, match="columns named more than once in the header: c5"):
        _unique([*header[:10], "c5"], "wide.csv")


def test_a_wide_csv_is_read(tmp_path):
    n = 20_000
    path = tmp_path / "wide.csv"
    path.write_text("customer_id," + ",".join(f"c{i}" for i in range(n)) + "\n"
                    + "007," + ",".join("1" for _ in range(n)) + "\n")
    frame = read_table(path, text=["customer_id"])
    assert frame.shape == (1, n + 1) and frame["customer_id"].tolist() == ["007"]


def test_raw_mode_parent_ids_are_text_like_the_ids(tmp_path):
    (tmp_path / "accounts.csv").write_text(
        "customer_id,name,parent_id,csat\n007,HQ,,90\n008,Branch,007,70\n7,Other,,50\n")
    wf = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0, "rollup": {"parent": "parent_id", "method": "mean"},
        "sources": {"accounts": {"kind": "csv", "path": "accounts.csv"}},
        "signals": {"csat": {"score": {"linear": [0, 100]}}}})
    run = healthscore.score_run(
        healthscore.compute_signals(healthscore.load_weights(wf), "2026-10-31").frame, wf)
    # the family of 007: its own account (90) and Branch (70), never customer 7 (50)
    assert run.rollups[["parent_id", "name", "score"]].to_dict("records") == [
        {"parent_id": "007", "name": "HQ", "score": 80.0}]


def _limited(gib: int):
    """The child may use this much memory at most: the old reader took more than 5 GiB."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))

    return limit


@pytest.mark.parametrize("how", ["customers", "export"])
def test_a_header_of_a_million_columns_is_refused_before_reading(tmp_path, weights, how):
    """Issue 20: a 1,000,000-column CSV header took more than 5 GiB to read. The header is
    counted first; a table wider than MAX_COLUMNS is a message naming the file and line."""
    import subprocess
    import sys

    from healthscore.io.tables import MAX_COLUMNS

    n = 1_000_000
    wide = tmp_path / "wide.csv"
    wide.write_text("customer_id,csat_pct,nps," + ",".join(f"c{i}" for i in range(n)) + "\n"
                    + "007,80,10," + ",".join("1" for _ in range(n)) + "\n")
    if how == "customers":
        args = ["score", "-w", weights, "-c", wide, "-o", "out", "-q"]
    else:  # a raw export the weight file's sources name
        write_weights(tmp_path / "raw.yaml", {
            "sources": {"accounts": {"kind": "csv", "path": "wide.csv"}},
            "signals": {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}}}})
        args = ["score", "-w", "raw.yaml", "-o", "out", "-q", "--as-of", "2026-10-31"]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          preexec_fn=_limited(3))
    assert time.monotonic() - started < 60
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    text = " ".join(proc.stderr.split())
    assert f"wide.csv:1: the header has {n + 3:,} columns; a table may have at most " \
           f"{MAX_COLUMNS:,}" in text, text
    assert not (tmp_path / "out").exists()
