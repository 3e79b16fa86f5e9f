"""Properties that keep scoring honest, checked on generated weight files and tables.

Valid inputs: the score is within 0-100 or missing; it does not depend on row order or on the
scale of the weights; raising a signal under an increasing rule never lowers it; every signal at
its best bound scores 100; with every signal present, redistribution is the plain weighted
mean. Invalid weight files and messy tables: a located error or a documented coercion, never a
traceback, a hang or a silently wrong value.

The example budget is fixed and the examples derandomised (`healthscore` profile below), so
the suite takes the same few seconds on every CI run; set HYPOTHESIS_PROFILE=deep to search
longer locally.
"""

from __future__ import annotations

import math
import os
import string

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import healthscore
from healthscore.errors import DataError, HealthscoreError, Problem
from healthscore.io.tables import NA_VALUES
from healthscore.weights.load import check_files
from healthscore.weights.model import WeightFile

settings.register_profile("healthscore", max_examples=40, deadline=None, database=None,
                          derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("deep", parent=settings.get_profile("healthscore"),
                          max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "healthscore"))

AS_OF = "2026-10-31"
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
weights_st = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)


@st.composite
def linear_rule(draw) -> dict:
    lo, hi = draw(finite), draw(finite)
    assume(abs(hi - lo) > 1e-6 * max(1.0, abs(lo), abs(hi)))
    return {"linear": [lo, hi]}


@st.composite
def bands_rule(draw) -> dict:
    limits = sorted(set(draw(st.lists(finite, min_size=1, max_size=4))))
    scores = draw(st.lists(st.floats(0, 100), min_size=len(limits) + 1,
                           max_size=len(limits) + 1))
    return {"bands": [*([b, s] for b, s in zip(limits, scores, strict=False)),
                      {"score": scores[-1]}]}


@st.composite
def weight_file(draw, rules=None, groups: bool = True, missing=None) -> dict:
    """A valid weight file as data: 1-5 signals, optionally in (nested) groups."""
    n = draw(st.integers(1, 5))
    names = [f"s{i}" for i in range(n)]
    rule = rules if rules is not None else st.one_of(linear_rule(), bands_rule())
    signals = {name: {"score": draw(rule), "weight": draw(weights_st)} for name in names}
    body = {"version": 1, "name": "generated", "signals": signals,
            "missing": missing or draw(st.sampled_from(["redistribute", "neutral", "zero"])),
            "min_coverage": draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))}
    if groups and n > 1 and draw(st.booleans()):
        cut = draw(st.integers(1, n - 1))
        body["groups"] = {"g1": {"signals": names[:cut], "weight": draw(weights_st)}}
        if draw(st.booleans()):  # a group inside another group
            body["groups"]["g0"] = {"groups": ["g1"], "signals": names[cut:],
                                    "weight": draw(weights_st)}
    return body


def values(n: int, blanks: bool = True):
    cell = st.floats(-2e6, 2e6, allow_nan=False)
    if blanks:
        cell = st.one_of(cell, st.just(math.nan))
    return st.lists(cell, min_size=n, max_size=n)


@st.composite
def scored_case(draw, **kw) -> tuple[dict, pd.DataFrame]:
    body = draw(weight_file(**kw))
    rows = draw(st.integers(1, 12))
    frame = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(rows)]})
    for name in body["signals"]:
        frame[name] = draw(values(rows, blanks=kw.get("missing") != "present"))
    return body, frame


def _score(body: dict, frame: pd.DataFrame) -> pd.DataFrame:
    return healthscore.score(frame, WeightFile.model_validate(body), as_of=AS_OF,
                             explain=False)


def _scaled(body: dict, factor: float) -> dict:
    out = yaml.safe_load(yaml.safe_dump(body))
    for spec in [*out["signals"].values(), *out.get("groups", {}).values()]:
        spec["weight"] = spec["weight"] * factor
    return out


# ------------------------------------------------------------------------- valid inputs


@given(scored_case())
def test_scores_are_within_0_and_100_or_missing(case):
    body, frame = case
    scores = _score(body, frame)["score"].to_numpy()
    assert np.all(np.isnan(scores) | ((scores >= 0) & (scores <= 100)))


@given(scored_case(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_any_score(case, rnd):
    body, frame = case
    order = list(range(len(frame)))
    rnd.shuffle(order)
    a = _score(body, frame).set_index("customer_id")["score"]
    b = _score(body, frame.iloc[order].reset_index(drop=True)).set_index("customer_id")["score"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), rtol=1e-9, atol=1e-9)


@given(scored_case(), st.floats(1e-2, 1e2))
def test_scaling_every_weight_does_not_change_any_score(case, factor):
    body, frame = case
    a = _score(body, frame)["score"].to_numpy()
    b = _score(_scaled(body, factor), frame)["score"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@given(scored_case(rules=linear_rule()), st.data())
def test_raising_a_signal_under_an_increasing_rule_never_lowers_the_score(case, data):
    body, frame = case
    name = data.draw(st.sampled_from(sorted(body["signals"])))
    lo, hi = body["signals"][name]["score"]["linear"]
    if lo > hi:  # make it increasing
        body["signals"][name]["score"]["linear"] = [hi, lo]
    raised = frame.copy()
    raised[name] = frame[name] + data.draw(st.floats(0, 1e6))
    before = _score(body, frame)["score"].to_numpy()
    after = _score(body, raised)["score"].to_numpy()
    both = ~np.isnan(before) & ~np.isnan(after)
    assert np.all(after[both] >= before[both] - 1e-9)
    assert np.array_equal(np.isnan(before), np.isnan(after))  # presence is unchanged


@given(weight_file(rules=linear_rule()))
def test_every_signal_at_its_best_bound_scores_100(body):
    frame = pd.DataFrame({"customer_id": ["best"],
                          **{name: [spec["score"]["linear"][1]]
                             for name, spec in body["signals"].items()}})
    assert _score(body, frame)["score"].tolist() == pytest.approx([100.0])


@given(scored_case(rules=linear_rule(), groups=False, missing="present"))
def test_redistribution_with_every_signal_present_is_the_weighted_mean(case):
    body, frame = case
    body["missing"] = "redistribute"
    total, weights = 0.0, 0.0
    for name, spec in body["signals"].items():
        lo, hi = spec["score"]["linear"]
        score = np.clip((frame[name].to_numpy() - lo) / (hi - lo), 0, 1) * 100
        total = total + spec["weight"] * score
        weights += spec["weight"]
    np.testing.assert_allclose(_score(body, frame)["score"].to_numpy(), total / weights,
                               rtol=1e-9, atol=1e-9)


@given(scored_case(rules=linear_rule(), groups=False, missing="redistribute"))
def test_redistribution_with_gaps_is_the_mean_over_present_signals(case):
    """A missing signal's weight goes to the others; below `min_coverage` there is no score."""
    body, frame = case
    total, present, weights = 0.0, 0.0, 0.0
    for name, spec in body["signals"].items():
        lo, hi = spec["score"]["linear"]
        x = frame[name].to_numpy()
        score = np.clip((x - lo) / (hi - lo), 0, 1) * 100
        total = total + np.where(np.isnan(x), 0.0, spec["weight"] * score)
        present = present + np.where(np.isnan(x), 0.0, spec["weight"])
        weights += spec["weight"]
    with np.errstate(invalid="ignore", divide="ignore"):
        too_little = np.round(present / weights, 9) < round(body["min_coverage"], 9)
        expected = np.where(too_little | (present == 0), np.nan, total / present)
    np.testing.assert_allclose(_score(body, frame)["score"].to_numpy(), expected,
                               rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------ invalid weight files

junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(string.ascii_lowercase, max_size=6), inner,
                                            max_size=3)),
    max_leaves=8)


@st.composite
def broken_weight_file(draw) -> dict:
    """A valid file with one to three keys replaced by junk, at any depth."""
    body = draw(weight_file())
    for _ in range(draw(st.integers(1, 3))):
        node = body
        path = []
        while isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str)))
            path.append(key)
            if not isinstance(node[key], dict):
                break
            node = node[key]
        if isinstance(node, dict):
            node[draw(st.sampled_from([*map(str, node), "weigth", "extends", "tiers"]))] = \
                draw(junk)
    return body


def _problems_or_valid(tmp_path, text: str) -> tuple[list[Problem], dict]:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    loaded, problems = check_files([path])
    assert all(isinstance(p, Problem) for p in problems)
    assert all(p.file for p in problems if p.severity == "error")  # located: at least the file
    return problems, loaded


@given(broken_weight_file())
def test_a_broken_weight_file_is_a_located_error_or_scores_within_range(tmp_path, body):
    problems, loaded = _problems_or_valid(tmp_path, yaml.safe_dump(body))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        assert not loaded
        event("a located error")
        return
    event("valid after all")
    wf = next(iter(loaded.values()))
    frame = pd.DataFrame({"customer_id": ["a", "b"],
                          **{wf.signals[n].column or n: [1.0, np.nan] for n in wf.signals}})
    try:
        scores = healthscore.score(frame, wf, as_of=AS_OF)["score"].to_numpy()
    except DataError:
        return  # e.g. a `measured_at` column the frame lacks: located and reported
    assert np.all(np.isnan(scores) | ((scores >= 0) & (scores <= 100)))


@given(st.text(alphabet=string.printable + "&*!|>-[]{}:", max_size=200))
def test_any_text_as_a_weight_file_is_problems_never_a_traceback(tmp_path, text):
    problems, loaded = _problems_or_valid(tmp_path, "version: 1\nname: x\n" + text)
    assert problems or loaded


# -------------------------------------------------------------------------- messy tables

_NUMBER_CELLS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e308", "-1e308", "1e-320", "5e-324", "007", " 42 ", "0.0", "-0"]))
_OTHER_CELLS = st.sampled_from(["", "n/a", "1 000", "85%", "ten", "NULL", "inf", "-", "=1+1",
                                "nan", "None", "#N/A"])
_IDS = st.one_of(st.from_regex(r"[0-9]{1,4}", fullmatch=True),
                 st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,5}", fullmatch=True),
                 st.sampled_from(["007", "7", "0042", "1e3", "1.0", "00", "ÉTÉ"]))


@st.composite
def messy_csv(draw) -> tuple[bytes, list[str], list[str]]:
    """CSV bytes, the ids written and the `csat` cells written (None when the row is ragged)."""
    rows = draw(st.integers(1, 8))
    ids = draw(st.lists(_IDS, min_size=rows, max_size=rows))
    cells = draw(st.lists(st.one_of(_NUMBER_CELLS, _OTHER_CELLS), min_size=rows,
                          max_size=rows))
    trailing = draw(st.booleans())
    lines = ["customer_id,csat"]
    for i, (cid, cell) in enumerate(zip(ids, cells, strict=True)):
        extra = draw(st.sampled_from(["", "", ",", ",x", ",,"])) if i else ""
        lines.append(f"{cid},{cell}" + ("," if trailing else "") + extra)
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding, errors="replace"), ids, cells


CSAT = {"version": 1, "name": "t", "min_coverage": 0,
        "signals": {"csat": {"score": {"linear": [0, 100]}}}}


@given(messy_csv())
def test_a_messy_table_is_a_located_error_or_read_exactly(tmp_path, case):
    data, ids, cells = case
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    try:
        scored = healthscore.score(path, WeightFile.model_validate(CSAT), as_of=AS_OF)
    except HealthscoreError as exc:
        assert all(p.file == str(path) for p in exc.problems), exc.report()
        event("a located error")
        return
    event("read")
    # read: every id as written (stripped), every number exactly, nothing shifted
    assert scored["customer_id"].tolist() == [i.strip() for i in ids]
    for cell, raw, score in zip(cells, scored["csat.raw"], scored["score"], strict=True):
        text = cell.strip()
        if text in NA_VALUES:  # the documented blanks
            assert math.isnan(raw) and math.isnan(score)
            continue
        number = float(text)
        assert raw == number or (math.isnan(raw) and math.isnan(number))
        expected = min(max(number, 0.0), 100.0)
        assert score == pytest.approx(expected)
