"""Scoring arithmetic against hand-computed numbers, one YAML case per file in cases/scoring.

Each case holds a weight file (`weights`), customer rows (`customers`), and the expected values
per customer id (`expect`, column → value; null means missing) or per parent
(`expect_parents`). Add a case by adding a file: no Python needed.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

import healthscore
from tests.conftest import CASES, write_weights

CASE_FILES = sorted((CASES / "scoring").glob("*.yaml"))


def _check(actual, expected, where: str) -> None:
    if expected is None:
        assert actual is None or (isinstance(actual, float) and math.isnan(actual)) or \
            pd.isna(actual), f"{where}: expected missing, got {actual!r}"
    elif isinstance(expected, int | float) and not isinstance(expected, bool):
        assert actual == pytest.approx(expected, abs=1e-6), f"{where}: {actual!r} != {expected}"
    else:
        assert str(actual) == str(expected), f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_scoring_case(case_file, tmp_path):
    case = yaml.safe_load(case_file.read_text())
    weights = write_weights(tmp_path / "weights.yaml", case["weights"])
    customers = pd.DataFrame(case["customers"])
    run = healthscore.score_run(customers, weights, as_of=case.get("as_of", "2026-10-31"))
    frame = run.frame.set_index("customer_id")
    for cid, columns in (case.get("expect") or {}).items():
        for column, expected in columns.items():
            _check(frame.loc[cid, column], expected, f"{case_file.stem}: {cid}.{column}")
    if "expect_parents" in case:
        parents = run.rollups.set_index("parent_id")
        for pid, columns in case["expect_parents"].items():
            for column, expected in columns.items():
                _check(parents.loc[pid, column], expected, f"{case_file.stem}: parent {pid}")


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_points_add_up_to_the_score(case_file, tmp_path):
    """The number shown is the number used: signal points sum to the overall score."""
    case = yaml.safe_load(case_file.read_text())
    weights = write_weights(tmp_path / "weights.yaml", case["weights"])
    frame = healthscore.score(pd.DataFrame(case["customers"]), weights,
                              as_of=case.get("as_of", "2026-10-31"))
    names = list(case["weights"]["signals"])
    points = frame[[f"{s}.points" for s in names]].sum(axis=1, min_count=1)
    scored = frame["score"].notna()
    assert scored.any()
    assert (points[scored] - frame.loc[scored, "score"]).abs().max() < 1e-9
    assert points[~scored].isna().all()
