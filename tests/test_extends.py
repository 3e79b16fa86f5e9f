"""`extends:` and segment files: a file states only what differs from another."""

from __future__ import annotations

import pandas as pd
import pytest

import healthscore
from healthscore.weights.profiles import build_profiles

BASE = """\
version: 1
name: base
min_coverage: 0
groups:
  g: {weight: 1, signals: [a, b]}
signals:
  a: {score: {linear: [0, 100]}, weight: 1}
  b: {score: {linear: [0, 100]}, weight: 1}
  c: {score: {linear: [0, 100]}, weight: 2}
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "child.yaml").write_text(
        "version: 1\nextends: base.yaml\nname: child\n"
        "signals:\n  a: {score: {linear: [50, 100]}}\n  c: null\n")
    (tmp_path / "ent.yaml").write_text(
        "version: 1\nextends: base.yaml\nname: enterprise\n"
        "signals:\n  b: {weight: 3}\n")
    (tmp_path / "family.yaml").write_text(
        "version: 1\nextends: base.yaml\nname: family\n"
        "segments:\n  ent: {match: {segment: ent}, use: ent.yaml}\n")
    return tmp_path


def test_child_changes_one_key_and_removes_a_signal_with_null(files):
    wf = healthscore.load_weights("child.yaml")
    assert wf.name == "child"
    assert list(wf.signals) == ["a", "b"]
    assert wf.signals["a"].score.linear == (50, 100)
    assert wf.signals["a"].weight == 1  # inherited, not reset by the partial override
    frame = healthscore.score(pd.DataFrame({"customer_id": [1], "a": [75], "b": [20],
                                            "c": [0]}), wf)
    assert frame.loc[0, "a.score"] == pytest.approx(50)
    assert frame.loc[0, "score"] == pytest.approx(35)
    assert "c.score" not in frame


def test_segment_use_file_defines_the_profile(files):
    wf = healthscore.load_weights("family.yaml")
    shares = {p.name: p.shares() for p in build_profiles(wf)}
    assert shares["default"] == pytest.approx({"a": 1 / 6, "b": 1 / 6, "c": 2 / 3})
    assert shares["ent"] == pytest.approx({"a": 1 / 12, "b": 3 / 12, "c": 2 / 3})
    frame = healthscore.score(pd.DataFrame({
        "customer_id": [1, 2], "segment": ["smb", "ent"], "a": [100, 100], "b": [0, 0],
        "c": [0, 0]}), wf).set_index("customer_id")
    assert frame.loc[1, "score"] == pytest.approx(100 / 6)
    assert frame.loc[2, "score"] == pytest.approx(100 / 12)
    assert frame.loc[2, "profile"] == "ent"


def test_problem_in_a_segment_file_is_reported_with_that_file(files):
    (files / "ent.yaml").write_text(
        "version: 1\nextends: base.yaml\nname: enterprise\nsignals:\n  b: {weigth: 3}\n")
    loaded, problems = healthscore.check_files(["family.yaml"])
    assert not loaded
    assert any(str(p).startswith("ent.yaml:5: signals.b.weigth: unknown key") for p in problems)


def test_extends_cycle_is_reported(files):
    (files / "x.yaml").write_text("version: 1\nextends: y.yaml\nname: x\n")
    (files / "y.yaml").write_text("version: 1\nextends: x.yaml\nname: y\n")
    _, problems = healthscore.check_files(["x.yaml"])
    assert any("`extends` goes round in a circle: x.yaml → y.yaml → x.yaml" in str(p)
               for p in problems)


def test_source_paths_stay_relative_to_the_file_that_declares_them(tmp_path, monkeypatch):
    """A team keeps its exports and `sources:` in one folder and variants elsewhere."""
    from healthscore.sample.raw import generate_raw
    from tests.conftest import ROOT

    base = tmp_path / "base"
    generate_raw(base / "raw", n_customers=12)
    for name in ("default.yaml", "from-exports.yaml"):
        (base / name).write_text((ROOT / "weights" / name).read_text())
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "lenient.yaml").write_text(
        "version: 1\nextends: ../base/from-exports.yaml\nname: lenient\nmin_coverage: 0.3\n")
    monkeypatch.chdir(tmp_path)
    child = healthscore.compute_signals(healthscore.load_weights("variants/lenient.yaml"),
                                        "2026-10-31")
    parent = healthscore.compute_signals(healthscore.load_weights("base/from-exports.yaml"),
                                         "2026-10-31")
    assert len(child.frame) == 12
    pd.testing.assert_frame_equal(child.frame, parent.frame)
