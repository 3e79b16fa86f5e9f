"""`sources:` and `compute:` in weight files: mistakes are reported with file, line and key,
and the shipped from-exports.yaml is valid and computes every signal from the sample exports.
"""

from __future__ import annotations

import math

import pytest

import healthscore
from healthscore.errors import DataError
from healthscore.sample.raw import generate_raw
from healthscore.signals import SourceSpec, compute_signals
from healthscore.weights import check_files, load_weights
from tests.conftest import ROOT, write_weights

SOURCES = {"accounts": {"kind": "csv", "path": "accounts.csv"},
           "events": {"kind": "csv", "path": "events.csv", "time": "ts"}}


def _problems(tmp_path, signal_compute: dict, sources: dict | None = None) -> list[str]:
    body = {"sources": SOURCES if sources is None else sources,
            "signals": {"usage": {"compute": signal_compute, "score": {"linear": [0, 10]}}}}
    path = write_weights(tmp_path / "w.yaml", body)
    _, problems = check_files([path])
    return [str(p) for p in problems]


@pytest.mark.parametrize(("compute", "expected"), [
    ({"table": "events", "metric": "cnt"},
     "signals.usage.compute.metric: must be one of 'count', 'sum'"),
    ({"table": "events", "metric": "count", "windw": "30d"},
     "unknown key `windw`; did you mean `window`?"),
    ({"table": "events", "metric": "count", "window": "30 days"},
     "is not a duration; write a whole number and a unit"),
    ({"table": "events", "metric": "sum"}, "metric `sum` needs `column:`"),
    ({"table": "events", "metric": "count", "column": "x"},
     "metric `count` does not read a value column"),
    ({"table": "events", "metric": "count", "scale": [1, 5]},
     "`scale` only applies to metric csat and ces"),
    ({"table": "events", "metric": "csat", "scale": [1, 5], "threshold": 6},
     "threshold 6 is outside the scale 1-5"),
    ({"table": "events", "metric": "csat", "method": "low_effort"},
     "csat method must be top_box or mean"),
    ({"table": "events", "metric": "trend"}, "metric `trend` needs `window:`"),
    ({"table": "events", "metric": "share"}, "metric `share` needs `match:`"),
    ({"table": "events", "metric": "count", "filter": {"size": {"atleast": 3}}},
     "unknown key `atleast`"),
    ({"table": "event", "metric": "count"},
     "signals.usage.compute.table: unknown source `event`; did you mean `events`?"),
])
def test_compute_mistakes_are_located(tmp_path, compute, expected):
    problems = _problems(tmp_path, compute)
    assert any(expected in p for p in problems), problems
    located = [p for p in problems if expected in p][0]
    assert located.startswith("w.yaml:") or "w.yaml:" in located, located


def test_line_numbers_point_at_the_key(tmp_path):
    problems = _problems(tmp_path, {"table": "events", "metric": "sum"})
    text = (tmp_path / "w.yaml").read_text().splitlines()
    problem = next(p for p in problems if "needs `column:`" in p)
    line = int(problem.split(":")[1])
    assert "compute" in text[line - 1]


@pytest.mark.parametrize(("sources", "expected"), [
    ({"events": {"kind": "csv", "path": "e.csv", "time": "ts"}},
     "exactly one source must be the accounts table"),
    ({"accounts": {"kind": "sql", "path": "a.csv"}}, "a sql source needs `url:`"),
    ({"accounts": {"kind": "csv"}}, "a csv source needs `path:`"),
    ({"accounts": {"kind": "csv", "path": "a.csv", "table": "t"}},
     "`table` only applies to sql sources"),
    ({"accounts": {"kind": "xls", "path": "a.xls"}},
     "must be one of 'csv', 'parquet', 'excel' or 'sql'; found `xls`"),
    ({"accounts": {"kind": "csv", "path": "a.csv", "timezone": "Mars/Olympus"}},
     "unknown time zone `Mars/Olympus`"),
    ({"accounts": {"kind": "csv", "path": "a.csv", "columns": {"a": "X", "b": "X"}}},
     "`b` and `a` both map to the export column `X`"),
])
def test_source_mistakes(tmp_path, sources, expected):
    problems = _problems(tmp_path, {"table": "accounts", "metric": "days_until",
                                    "time": "renewal"}, {**SOURCES, **sources}
                         if "events" not in sources else sources)
    assert any(expected in p for p in problems), problems


def test_naming_a_renamed_export_header_is_caught(tmp_path):
    sources = {"accounts": SOURCES["accounts"],
               "events": {"kind": "csv", "path": "e.csv", "time": "ts",
                          "columns": {"kind": "Survey Type"}}}
    problems = _problems(tmp_path, {"table": "events", "metric": "count",
                                    "filter": {"Survey Type": "csat"}}, sources)
    assert any("signals.usage.compute.filter.Survey Type: `Survey Type` is renamed to `kind` "
               "in sources.events.columns; use our name `kind`" in p for p in problems), problems


def test_missing_time_column_is_caught_without_data(tmp_path):
    problems = _problems(tmp_path, {"table": "events", "metric": "count", "window": "30d"},
                         {"accounts": SOURCES["accounts"],
                          "events": {"kind": "csv", "path": "e.csv"}})
    assert any("metric `count` needs a timestamp column" in p for p in problems), problems


def test_sources_in_a_separate_file(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "accounts: {kind: csv, path: accounts.csv}\n"
        "events: {kind: csv, path: events.csv, time: ts, timezon: UTC}\n")
    body = {"sources": "sources.yaml",
            "signals": {"usage": {"compute": {"table": "events", "metric": "count"},
                                  "score": {"linear": [0, 10]}}}}
    _, problems = check_files([write_weights(tmp_path / "w.yaml", body)])
    assert len(problems) == 1
    assert str(problems[0]).endswith(
        "sources.yaml:2: sources.events.timezon: unknown key `timezon`; did you mean "
        "`timezone`? Valid keys here: " + ", ".join(SourceSpec.model_fields) + ".")


def test_shipped_from_exports_weights_are_valid():
    _, problems = check_files([ROOT / "weights" / "from-exports.yaml"])
    assert problems == []


def test_demo_runs_from_raw_exports(tmp_path):
    """Every signal of from-exports.yaml is computed from the generated exports, and scores."""
    generate_raw(tmp_path / "raw", n_customers=120, seed=3)
    wf = load_weights(ROOT / "weights" / "from-exports.yaml")
    result = compute_signals(wf, "2026-10-31", base_dir=tmp_path)
    frame = result.frame
    assert len(frame) == 120 and frame["customer_id"].is_unique
    for name, sig in wf.signals.items():
        column = sig.column or name
        assert frame[column].notna().sum() > 10, f"{name} ({column}) is almost empty"
        assert name in result.methods
    assert result.methods["ces"].startswith("mean effort on a 1-7 scale (lower is better)")
    # shown after the signal's name ("**CSAT**: …"), so no method repeats a name first
    assert not any(m.startswith(("CSAT", "NPS", "CES")) for m in result.methods.values())
    scored = healthscore.score(frame, wf, as_of="2026-10-31")
    assert scored["score"].notna().mean() > 0.9
    # unhealthy customers share symptoms: low CSAT goes with low usage
    assert scored["csat.score"].corr(scored["active_users.score"]) > 0.2


def test_raw_generator_is_seeded(tmp_path):
    a = generate_raw(tmp_path / "a", n_customers=50, seed=11)
    b = generate_raw(tmp_path / "b", n_customers=50, seed=11)
    for name in ("accounts", "surveys", "tickets"):
        assert a[name].read_bytes() == b[name].read_bytes()


def test_a_ready_column_is_passed_through_and_a_missing_one_is_named(tmp_path):
    (tmp_path / "accounts.csv").write_text("customer_id,csat_pct\na,80\nb,\n")
    body = {"sources": {"accounts": {"kind": "csv", "path": "accounts.csv"}},
            "signals": {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}}}}
    wf = load_weights(write_weights(tmp_path / "w.yaml", body))
    frame = compute_signals(wf, "2026-10-31").frame
    assert frame["csat_pct"].iloc[0] == 80 and math.isnan(frame["csat_pct"].iloc[1])
    body["signals"]["nps"] = {"score": {"linear": [0, 50]}}
    wf = load_weights(write_weights(tmp_path / "w.yaml", body))
    with pytest.raises(DataError, match="signal `nps` has no `compute:` block, so it reads "
                                        "column `nps` of the accounts table"):
        compute_signals(wf, "2026-10-31")
