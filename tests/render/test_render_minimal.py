"""A bare input: no name/owner/segment/ARR columns, signals outside groups, every rule kind."""

from __future__ import annotations

from datetime import date

import pandas as pd

import healthscore
from healthscore.render import render_run, safe_stem
from tests.conftest import write_weights


def test_bare_table_with_every_rule_kind(tmp_path):
    weights = write_weights(tmp_path / "w.yaml", {
        "tiers": [{"name": "red", "below": 40, "color": "#c00"},
                  {"name": "green", "color": "#0a0"}],
        "groups": {"usage": {"signals": ["seats"]}},
        "signals": {
            "seats": {"score": {"linear": [0, 100]}, "unit": "%"},
            "plan": {"score": {"map": {"gold": 100, "basic": 30}, "default": 0}},
            "tickets": {"score": {"bands": [[2, 100], [5, 50], [None, 0]]}},
            "logins": {"score": {"percentile": "portfolio"}},
        },
    })
    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "seats": [90.0, 10.0, None, 50.0],
        "plan": ["gold", "basic", "free", None],
        "tickets": [0.0, 7.0, 3.0, None],
        "logins": [10.0, 3.0, 8.0, 1.0],
    })
    run = healthscore.score_run(customers, weights, as_of=date(2026, 11, 1))
    result = render_run(run, tmp_path / "out", jobs=1)
    assert result.scorecards == 4
    card = (result.out_dir / "customers" / f"{safe_stem('b')}.html").read_text()
    assert "Plan is “basic” (score 30)" in card
    assert "Tickets of 7 is 5 or more (score 0)" in card
    assert "Logins of 3 ranks at the" in card and "percentile of the portfolio" in card
    assert "Other signals" in card  # the ungrouped signals get their own heading
    c_card = (result.out_dir / "customers" / f"{safe_stem('c')}.html").read_text()
    assert "Plan is “free”, not a listed value (default score)" in c_card
    portfolio = result.portfolio.read_text()
    assert "All owners" in portfolio and "<option>" not in portfolio.split("All owners")[1][:40]
    md = (result.out_dir / "customers" / f"{safe_stem('a')}.md").read_text()
    assert md.startswith("## a — health ")  # the id stands in for the missing name
