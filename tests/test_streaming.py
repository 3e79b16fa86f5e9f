"""Scoring by chunks gives exactly the numbers of scoring in memory."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

import healthscore
from healthscore.engine.stream import score_to_files
from healthscore.errors import DataError
from healthscore.sample import generate_customers
from tests.conftest import ROOT

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def portfolio():
    return generate_customers(300, seed=3, as_of=AS_OF)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_chunked_parquet_equals_in_memory(portfolio, tmp_path, fmt):
    src = tmp_path / f"customers.{fmt}"
    if fmt == "parquet":
        portfolio.to_parquet(src, row_group_size=50)
    else:
        portfolio.to_csv(src, index=False)
    weights = healthscore.load_weights(ROOT / "weights" / "default.yaml")
    expected = healthscore.score_run(portfolio, weights, as_of=AS_OF)
    summary = score_to_files(src, weights, tmp_path / "out", as_of=AS_OF, chunk_rows=37,
                             outreach_top=25)
    got = pd.read_parquet(tmp_path / "out" / "scores.parquet")
    assert len(got) == 300
    np.testing.assert_allclose(got["score"], expected.frame["score"], equal_nan=True)
    assert got["tier"].astype(str).tolist() == expected.frame["tier"].astype(str).tolist()
    assert got["reasons"].tolist() == expected.frame["reasons"].tolist()
    np.testing.assert_allclose(got["nps.points"], expected.frame["nps.points"], equal_nan=True)
    top = expected.frame.dropna(subset=["priority"]).nlargest(25, "priority")
    assert summary.outreach["customer_id"].tolist() == top["customer_id"].tolist()
    counts = expected.frame["tier"].value_counts()
    assert summary.tiers["customers"].to_dict() == counts.to_dict()
    pd.testing.assert_frame_equal(summary.rollups, expected.rollups, check_dtype=False)
    csv = pd.read_csv(tmp_path / "out" / "scores.csv")
    np.testing.assert_allclose(csv["score"], expected.frame["score"], equal_nan=True)


def test_errors_in_later_chunks_are_all_reported_with_their_rows(tmp_path):
    frame = pd.DataFrame({"customer_id": range(1, 101), "csat_pct": [80.0] * 100,
                          "nps": ["10"] * 100})
    frame.loc[5, "nps"] = "ten"
    frame.loc[88, "nps"] = "n/a!"
    src = tmp_path / "c.parquet"
    frame.to_parquet(src)
    weights = healthscore.load_weights(ROOT / "weights" / "default.yaml").model_copy(
        update={"segments": {}, "signals": {
            k: v for k, v in healthscore.load_weights(
                ROOT / "weights" / "default.yaml").signals.items() if k in ("csat", "nps")},
            "groups": {}, "rollup": None})
    weights.signals["csat"] = weights.signals["csat"].model_copy(
        update={"measured_at": None, "max_age": None})
    weights.signals["nps"] = weights.signals["nps"].model_copy(
        update={"measured_at": None, "max_age": None})
    good = tmp_path / "good.parquet"
    frame.assign(nps="10").to_parquet(good)
    score_to_files(good, weights, tmp_path / "out", as_of=AS_OF, chunk_rows=30)
    before = sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir())
    with pytest.raises(DataError) as info:
        score_to_files(src, weights, tmp_path / "out", as_of=AS_OF, chunk_rows=30)
    text = str(info.value)
    assert 'row 6 ("ten")' in text and 'row 89 ("n/a!")' in text
    # the earlier run's files as they were, and no temporary left
    assert sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir()) == before


def test_duplicate_ids_across_chunks(tmp_path, portfolio):
    frame = portfolio.copy()
    frame.loc[250, "customer_id"] = frame.loc[3, "customer_id"]
    src = tmp_path / "c.parquet"
    frame.to_parquet(src)
    weights = healthscore.load_weights(ROOT / "weights" / "default.yaml")
    with pytest.raises(DataError, match=f"duplicate customer ids: {frame.loc[3, 'customer_id']}"):
        score_to_files(src, weights, tmp_path / "out", as_of=AS_OF, chunk_rows=40)
