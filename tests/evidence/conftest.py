"""A small workload with known truth, scored once per test session."""

from __future__ import annotations

import pytest

import healthscore
from healthscore.evidence.outcomes import check_outcomes
from healthscore.evidence.runs import score_history
from healthscore.sample.outcomes import generate_history
from tests.conftest import ROOT

DEFAULT = ROOT / "weights" / "default.yaml"


@pytest.fixture(scope="session")
def workload():
    """(customer tables with as_of, outcomes, weight file, panel) for 1,200 customers."""
    customers, outcomes = generate_history(n_customers=1200, months=12, seed=5)
    wf = healthscore.load_weights(DEFAULT)
    return customers, check_outcomes(outcomes), wf, score_history(customers, wf)
