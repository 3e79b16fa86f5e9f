"""Each customer's page shows its own profile as the engine scored it: the segment's group
tree (a `use:` file), its labels and rules, and the same sentences as `reasons`."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import healthscore
from healthscore.render import render_run
from healthscore.render.build import customer_summaries, scorecard_contexts
from healthscore.render.meta import read_meta
from healthscore.render.names import safe_stems

BASE = {
    "version": 1, "name": "base", "min_coverage": 0,
    "groups": {"voice": {"weight": 2, "signals": ["nps", "csat"]}},
    "signals": {"nps": {"score": {"linear": [-20, 60]}, "measured_at": "nps_at",
                        "max_age": "180d"},
                "csat": {"score": {"linear": [60, 95]}},
                "plan": {"score": {"map": {"gold": 100, "yes": 80, "1": 50}, "default": 10}},
                "usage": {"score": {"linear": [0, 100]}}},
    "segments": {
        "partners": {"match": {"segment": "partner"}, "use": "partners.yaml"},
        "enterprise": {"match": {"segment": "ent"},
                       "signals": {"nps": {"label": "Enterprise NPS", "max_age": "30d"}}},
    },
}
PARTNERS = {
    "version": 1, "name": "partners", "min_coverage": 0,
    "groups": {"advocacy": {"signals": ["referrals"], "groups": ["sat"]},
               "sat": {"label": "Satisfaction", "signals": ["csat"]}},
    "signals": {"referrals": {"score": {"linear": [0, 10]}},
                "csat": {"score": {"linear": [60, 95]}}},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("w")
    (folder / "partners.yaml").write_text(yaml.safe_dump(PARTNERS))
    (folder / "base.yaml").write_text(yaml.safe_dump(BASE))
    table = pd.DataFrame({
        "customer_id": ["p1", "e1", "d1", "d2", "d3"],
        "segment": ["partner", "ent", "smb", "smb", "smb"],
        "nps": [10, 0, 0, 20, 30], "nps_at": ["2026-10-01", "2026-08-01", "2026-08-01",
                                             "2026-10-01", "2026-10-01"],
        "csat": [70, 65, 65, 70, 99], "referrals": [2, None, None, None, None],
        "plan": [None, "gold", " Gold ", "YES", "iron"], "usage": [50, 1, 1, 40, 10],
    })
    return healthscore.score_run(table, folder / "base.yaml", as_of="2026-10-31")


def _contexts(run):
    meta = read_meta(run)
    stems = safe_stems(run.frame["customer_id"])
    summaries = customer_summaries(run.frame, meta, stems, {}, run.as_of)
    info = __import__("healthscore.render.api", fromlist=["run_info"]).run_info(
        meta, run.as_of, len(run.frame), False)
    return {c.customer.customer_id: c
            for c in scorecard_contexts(run.frame, summaries, meta, info, {})}


def test_a_segment_with_its_own_file_shows_its_own_tree(run):
    cards = _contexts(run)
    partner = cards["p1"]
    assert [(g.key, g.label, g.depth) for g in partner.groups] == [
        ("advocacy", "Advocacy", 0), ("sat", "Satisfaction", 1)]
    assert [s.key for s in partner.groups[0].signals] == ["referrals"]
    assert partner.groups[1].score == pytest.approx(run.frame.loc[0, "sat.score"])
    default = cards["d1"]
    assert [g.key for g in default.groups] == ["voice"]
    assert [s.key for s in default.ungrouped] == ["plan", "usage"]


def test_segment_labels_and_age_limits_reach_reasons_and_pages(run, tmp_path):
    frame = run.frame.set_index("customer_id")
    # e1's NPS (1 Aug) is older than the enterprise limit of 30 days, d1's is within 180 days
    assert frame.loc["e1", "nps.status"] == "stale" and frame.loc["d1", "nps.status"] == "ok"
    cards = _contexts(run)
    nps = next(s for s in cards["e1"].signals if s.key == "nps")
    assert nps.label == "Enterprise NPS"
    assert nps.explanation == "Enterprise NPS data is older than 30d, so it was not used"
    assert next(s for s in cards["d1"].signals if s.key == "nps").label == "Nps"
    for cid, card in cards.items():  # the pages' driver sentences are the reasons column
        assert "; ".join(d.text for d in card.drivers) == frame.loc[cid, "reasons"], cid
    render_run(run, tmp_path / "r", jobs=1)


def test_map_values_read_as_the_scorer_matches_them(run):
    cards = _contexts(run)
    plan = {cid: next(s for s in card.signals if s.key == "plan") for cid, card in cards.items()}
    assert plan["e1"].score == 100 and "not a listed value" not in plan["e1"].explanation
    assert plan["d1"].score == 100 and "not a listed value" not in plan["d1"].explanation
    assert plan["d2"].score == 80 and "not a listed value" not in plan["d2"].explanation
    assert plan["d3"].score == 10 and "not a listed value" in plan["d3"].explanation
