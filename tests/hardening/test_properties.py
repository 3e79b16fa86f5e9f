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


# ------------------------------------------------------------- ids and dates, every reader
#
# Every table keyed by customer (outcomes, churned accounts, earlier runs, dated customer
# tables, raw exports) keeps its ids as written and reads its dates by the one date rule
# (healthscore/io/dates.py), whatever the format it comes in.

_ID_TEXT = st.one_of(
    st.from_regex(r"0[0-9]{0,5}", fullmatch=True),                 # leading zeros
    st.from_regex(r"[1-9][0-9]{0,4}(\.0|e[0-9])?", fullmatch=True),  # numbers, 1.0, 1e3
    st.text(alphabet=st.characters(categories=["L", "N"], exclude_characters="\x00"),
            min_size=1, max_size=6),                                # unicode letters, digits
    st.sampled_from(["007", "7", "00001", "1", "-0", "+1", "0x1F", "inf", "nan", "None",
                     "ÉTÉ", "客户1", "١٢٣"]))
_ID_LISTS = st.lists(_ID_TEXT.filter(lambda s: s == s.strip() and s not in NA_VALUES),
                min_size=1, max_size=6, unique=True)
_KEYED_FORMATS = ["csv", "parquet", "xlsx"]


def _write(frame: pd.DataFrame, path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)


@given(_ID_LISTS, st.sampled_from(_KEYED_FORMATS))
def test_ids_are_kept_as_written_in_every_keyed_reader(tmp_path, ids, fmt):
    from healthscore.cli.diff_cmd import _one_date
    from healthscore.evidence.outcomes import read_outcomes
    from healthscore.evidence.runs import score_history
    from healthscore.io.keyed import read_ids_table
    from healthscore.render.history import past_points
    from healthscore.trends.churn import churned_ids, read_churned

    n = len(ids)
    outcomes = tmp_path / f"o.{fmt}"
    _write(pd.DataFrame({"customer_id": ids, "date": ["2026-10-01"] * n,
                         "outcome": ["churned"] * n}), outcomes)
    assert read_outcomes(outcomes)["customer_id"].tolist() == ids
    churn = tmp_path / f"churn.{fmt}"
    _write(pd.DataFrame({"customer_id": ids, "churned_at": ["2026-10-01"] * n}), churn)
    assert read_churned(churn)["customer_id"].tolist() == ids
    assert churned_ids(outcomes=read_churned(churn), as_of=pd.Timestamp(AS_OF).date()) \
        == set(ids)
    history = tmp_path / f"h.{fmt}"
    _write(pd.DataFrame({"customer_id": ids, "as_of": ["2026-09-30"] * n, "score": [50] * n,
                         "tier": ["Watch"] * n}), history)
    points = past_points(read_ids_table(history, dates=("as_of",)),
                         pd.Timestamp(AS_OF).date(), {})
    assert sorted(points) == sorted(ids)
    dated = tmp_path / f"c.{fmt}"
    _write(pd.DataFrame({"customer_id": ids * 2, "as_of": ["2026-09-30"] * n + [AS_OF] * n,
                         "csat": [50.0] * (2 * n)}), dated)
    wf = WeightFile.model_validate(CSAT)
    table = read_ids_table(dated, dates=("as_of",))
    assert score_history(table, wf)["customer_id"].tolist() == ids * 2
    assert _one_date(dated, pd.Timestamp(AS_OF).date(), wf)["customer_id"].tolist() == ids


# pandas' own blanks: the raw-export readers (signals/sources.py) still take these as missing
# ids in CSV and Excel exports; the tables above read them as the ids they are
_PANDAS_BLANKS = {"nan", "NaN", "None", "null", "NULL", "n/a", "N/A", "NA", "<NA>", "-nan",
                  "-NaN", "#NA", "#N/A", "#N/A N/A", "-1.#IND", "-1.#QNAN", "1.#IND",
                  "1.#QNAN", ""}


@given(_ID_LISTS.filter(lambda ids: not _PANDAS_BLANKS & set(ids)),
       st.sampled_from(["csv", "xlsx", "parquet"]))
def test_ids_are_kept_as_written_in_raw_exports(tmp_path, ids, fmt):
    kind = {"csv": "csv", "xlsx": "excel", "parquet": "parquet"}[fmt]
    _write(pd.DataFrame({"customer_id": ids}), tmp_path / f"accounts.{fmt}")
    _write(pd.DataFrame({"customer_id": ids[:1] * 2, "at": ["2026-10-01", "2026-10-02"]}),
           tmp_path / f"events.{fmt}")
    body = {"version": 1, "name": "raw", "min_coverage": 0,
            "sources": {"accounts": {"kind": kind, "path": f"accounts.{fmt}"},
                        "events": {"kind": kind, "path": f"events.{fmt}", "time": "at",
                                   "fresh_within": None}},
            "signals": {"n": {"compute": {"table": "events", "metric": "count"},
                              "score": {"linear": [0, 2]}}}}
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    table = healthscore.compute_signals(healthscore.load_weights(tmp_path / "w.yaml"), AS_OF)
    assert table.frame["customer_id"].tolist() == ids
    assert table.frame["n"].tolist() == [2] + [0] * (len(ids) - 1)


_INSTANTS = st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                         max_value=pd.Timestamp("2040-12-31").to_pydatetime())
_DECLARED = {"%d/%m/%Y": "%d/%m/%Y", "%m/%d/%Y": "%m/%d/%Y", "%d.%m.%Y %H:%M": "%d.%m.%Y %H:%M",
             "%d %b %Y": "%d %b %Y", "%Y%m%d": "%Y%m%d"}


@st.composite
def written_date(draw) -> tuple[str, pd.Timestamp, list[str]]:
    """(the text a table holds, the naive UTC instant it means, the formats to declare)."""
    when = pd.Timestamp(draw(_INSTANTS)).floor("s")
    shape = draw(st.sampled_from(["date", "minute", "second", "fraction", "Z", "offset",
                                  "declared"]))
    sep = draw(st.sampled_from(["T", " "]))
    if shape == "date":
        return when.strftime(draw(st.sampled_from(["%Y-%m-%d", "%Y/%m/%d"]))), \
            when.normalize(), []
    if shape == "minute":
        return when.strftime(f"%Y-%m-%d{sep}%H:%M"), when.floor("min"), []
    if shape == "second":
        return when.strftime(f"%Y-%m-%d{sep}%H:%M:%S"), when, []
    if shape == "fraction":
        micros = draw(st.integers(0, 999_999))
        return when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + f".{micros:06d}", \
            when + pd.Timedelta(microseconds=micros), []
    if shape == "Z":
        return when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + "Z", when, []
    if shape == "offset":
        minutes = draw(st.integers(-14 * 4, 14 * 4)) * 15
        sign = "+" if minutes >= 0 else "-"
        style = draw(st.sampled_from(["{h:02d}:{m:02d}", "{h:02d}{m:02d}"]))
        text = when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + sign + style.format(
            h=abs(minutes) // 60, m=abs(minutes) % 60)
        return text, when - pd.Timedelta(minutes=minutes), []
    fmt = draw(st.sampled_from(sorted(_DECLARED)))
    meant = when.floor("min") if "%M" in fmt else when.normalize()
    return meant.strftime(fmt), meant, [fmt]


@given(st.lists(written_date(), min_size=1, max_size=5), st.sampled_from(_KEYED_FORMATS))
def test_dates_mean_the_same_instant_in_every_reader(tmp_path, dates, fmt):
    from healthscore.evidence.outcomes import read_outcomes
    from healthscore.io.keyed import read_ids_table
    from healthscore.render.history import checked_history
    from healthscore.trends.churn import read_churned

    texts = [t for t, _, _ in dates]
    meant = pd.Series([m for _, m, _ in dates], dtype="datetime64[ns]")
    formats = sorted({f for _, _, fs in dates for f in fs})
    ids = [f"{i:03d}" for i in range(len(dates))]
    assume(not (len(formats) > 1 and {"%d/%m/%Y", "%m/%d/%Y"} <= set(formats)))
    _write(pd.DataFrame({"customer_id": ids, "churned_at": texts}), tmp_path / f"c.{fmt}")
    got = read_churned(tmp_path / f"c.{fmt}", formats=formats)["churned_at"]
    assert got.tolist() == meant.tolist()
    _write(pd.DataFrame({"customer_id": ids, "date": texts, "outcome": "churned"}),
           tmp_path / f"o.{fmt}")
    got = read_outcomes(tmp_path / f"o.{fmt}", formats=formats)["date"]
    assert got.tolist() == meant.dt.normalize().tolist()
    _write(pd.DataFrame({"customer_id": ids, "as_of": texts, "score": 50, "tier": "Watch"}),
           tmp_path / f"h.{fmt}")
    history = checked_history(read_ids_table(tmp_path / f"h.{fmt}", dates=("as_of",),
                                             formats=formats))
    assert history["as_of"].tolist() == meant.dt.date.tolist()


@given(written_date())
def test_raw_exports_read_dates_as_every_other_table(tmp_path, case):
    """The DuckDB reader of raw exports and the pandas reader agree on every written date."""
    text, meant, formats = case
    (tmp_path / "accounts.csv").write_text("customer_id\na\n")
    (tmp_path / "events.csv").write_text(f"customer_id,at\na,{text}\n", encoding="utf-8")
    body = {"version": 1, "name": "raw", "min_coverage": 0, "date_formats": formats or None,
            "sources": {"accounts": {"kind": "csv", "path": "accounts.csv"},
                        "events": {"kind": "csv", "path": "events.csv", "time": "at",
                                   "fresh_within": None}},
            "signals": {"age": {"compute": {"table": "events", "metric": "days_since"},
                                "score": {"linear": [0, 100]}}}}
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    wf = healthscore.load_weights(tmp_path / "w.yaml")
    table = healthscore.compute_signals(wf, "2041-01-01")
    assert table.frame["age"].tolist() == [(pd.Timestamp("2041-01-01") - meant.normalize()).days]


@given(st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                max_value=pd.Timestamp("2040-12-31").date()))
def test_a_date_two_declared_formats_read_differently_is_refused(tmp_path, day):
    from healthscore.evidence.outcomes import read_outcomes

    text = day.strftime("%d/%m/%Y")
    (tmp_path / "o.csv").write_text(f"customer_id,date,outcome\n007,{text},churned\n")
    both = ["%d/%m/%Y", "%m/%d/%Y"]
    if day.day <= 12 and day.day != day.month:
        with pytest.raises(DataError) as info:
            read_outcomes(tmp_path / "o.csv", formats=both)
        assert info.value.problems[0].line == 2 and "ambiguous" in str(info.value)
        event("ambiguous")
    else:
        got = read_outcomes(tmp_path / "o.csv", formats=both)
        assert got["date"].tolist() == [pd.Timestamp(day)]
        event("one reading")
