"""The sample exports behave like real accounts (health persists from month to month), and
the documented way to steady noisy scores — longer windows, weights/from-exports-steady.yaml —
shows in the volatility figures."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from healthscore.monthly import store_month
from healthscore.pipeline import month_ends_before
from healthscore.sample.raw import generate_raw, health_path
from healthscore.store import history_frame, open_store
from healthscore.trends import volatility
from healthscore.weights.load import load_weights
from tests.conftest import ROOT

AS_OF = date(2026, 10, 31)


def test_health_persists_from_month_to_month():
    path = health_path(np.random.default_rng(1), 20_000)
    lag1 = np.corrcoef(path[:, 0], path[:, 1])[0, 1]
    lag12 = np.corrcoef(path[:, 0], path[:, 12])[0, 1]
    assert lag1 == pytest.approx(0.97, abs=0.01)       # persistent, not independent draws
    assert lag12 == pytest.approx(0.97 ** 12, abs=0.02)  # yet it drifts over a year
    assert path.std(axis=0) == pytest.approx(np.ones(path.shape[1]), abs=0.03)


def without_hysteresis(wf):
    """The weight file with every tier crossing counted (`trend.tier_margin: 0`)."""
    trend = wf.trend_settings().model_copy(update={"tier_margin": 0.0})
    return wf.model_copy(update={"trend": trend})


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """Six monthly runs of the demo's exports, per weight file, with the default tier
    hysteresis (`name`) and without it (`name, no hysteresis`)."""
    folder = tmp_path_factory.mktemp("volatility")
    generate_raw(folder / "raw", n_customers=300, seed=7)  # the demo's exports
    out = {}
    for name in ("from-exports.yaml", "from-exports-steady.yaml"):
        loaded = load_weights(ROOT / "weights" / name)
        for key, wf in ((f"{name}, no hysteresis", without_hysteresis(loaded)),
                        (name, loaded)):
            with open_store(folder / f"{key}.db") as store:
                for day in [*month_ends_before(AS_OF, 5), AS_OF]:
                    store_month(wf, store, day, data_dir=folder)
                out[key] = volatility(history_frame(store))
    return out


def test_hysteresis_halves_the_reverted_tier_changes(figures):
    for name in ("from-exports.yaml", "from-exports-steady.yaml"):
        held, raw = figures[name], figures[f"{name}, no hysteresis"]
        assert held["flips"] < raw["flips"]
        assert held["revert_share"] < 0.7 * raw["revert_share"]
    assert figures["from-exports-steady.yaml"]["revert_share"] < 0.10


def test_longer_windows_steady_the_scores(figures):
    noisy = figures["from-exports.yaml, no hysteresis"]
    steady = figures["from-exports-steady.yaml, no hysteresis"]
    assert noisy["changes"] == steady["changes"] == 5 * 300
    assert steady["median_abs_change"] < 0.75 * noisy["median_abs_change"]
    assert steady["flips"] < 0.75 * noisy["flips"]
    assert steady["reverted"] < noisy["reverted"]


def test_documented_figures(figures):
    from tests.test_docs import parse_blocks, parse_table

    block = next(b for b in parse_blocks(ROOT / "docs" / "history.md")
                 if "volatility" in b.notes)
    _, rows = parse_table(block)
    documented = {row[0].replace("`", "").replace("weights/", ""): row[1:] for row in rows}
    for name, v in figures.items():
        assert documented[name] == [
            f"{v['median_abs_change']:.1f} points", str(v["flips"]),
            f"{v['reverted']} ({v['revert_share']:.0%})"], name

