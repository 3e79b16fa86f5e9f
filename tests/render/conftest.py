"""Fixtures for render tests: a really scored portfolio (the engine, not a mock).

The weight file is a copy kept with these tests (`render_weights.yaml`), so edits to the
shipped default do not silently change what the render tests check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import healthscore
from healthscore.render import render_run
from tests.render import render_sample

HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "render_weights.yaml"
XSS = "<script>alert(1)</script>"
TRAVERSAL_ID = "../../etc/x"
PINNED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def sample_frame(n: int = 60) -> pd.DataFrame:
    df = render_sample.customers(n)
    df.loc[0, "name"] = XSS
    df.loc[1, "name"] = XSS   # on the outreach list too (row 0 is healthy)
    df.loc[1, "customer_id"] = TRAVERSAL_ID
    df.loc[2, "owner"] = "=HYPERLINK(\"http://evil\")"
    df.loc[3, "customer_id"] = "acme corp/emea"
    df["parent_id"] = None
    df.loc[10:14, "parent_id"] = "C1020"     # a parent that is a customer itself
    df.loc[15:17, "parent_id"] = "P-GLOBAL"  # a parent known only through its children
    return df


@pytest.fixture(scope="session")
def run():
    return healthscore.score_run(sample_frame(), WEIGHTS, as_of=render_sample.AS_OF)


@pytest.fixture(scope="session")
def history(run):
    return render_sample.history(run.frame)


@pytest.fixture(scope="session")
def rendered(run, history, tmp_path_factory):
    out = tmp_path_factory.mktemp("render") / "report"
    result = render_run(run, out, history=history, jobs=1, generated_at=PINNED)
    return result
