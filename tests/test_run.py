"""One run, many sinks: whole, by chunks of any size, from CSV or Parquet: the same outputs.

The property test draws tables with many equal priorities and equal scores (few distinct
values, repeated ARR), so the outreach order's tie-breaks (lower score, then table order) are
exercised across chunk boundaries. The file comparison is the former `bench/compare_outputs`
check, run on every change: every file a run writes is byte-identical whatever the chunking
and the input format (run.json's run id and time aside).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import healthscore
from healthscore.engine.run import Run
from healthscore.errors import DataError
from healthscore.outputs import OutputFiles
from healthscore.sample import generate_customers
from healthscore.weights.model import WeightFile
from healthscore.weights.profiles import build_profiles
from tests.conftest import ROOT

AS_OF = date(2026, 10, 31)
DEFAULT = ROOT / "weights" / "default.yaml"
TIED = {"version": 1, "name": "ties", "min_coverage": 0.5,
        "rollup": {"parent": "parent_id", "method": "mean"},
        "signals": {"a": {"score": {"linear": [0, 4]}}, "b": {"score": {"linear": [0, 2]}}}}


@pytest.fixture(scope="module")
def tied_weights(tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("w") / "ties.yaml"
    path.write_text(yaml.safe_dump(TIED))
    return healthscore.load_weights(path)


def tied_table(draw, n: int) -> pd.DataFrame:
    """Few distinct values: most customers share a score, many share a priority."""
    a = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, 4.0, np.nan]), min_size=n, max_size=n))
    b = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, np.nan]), min_size=n, max_size=n))
    arr = draw(st.lists(st.sampled_from([0.0, 100.0, 200.0, 0.1, 0.2, 1234.57, np.nan]),
                        min_size=n, max_size=n))
    parent = draw(st.lists(st.sampled_from([None, "c0", "c1", "zz"]), min_size=n, max_size=n))
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "arr": arr, "a": a,
                         "b": b, "parent_id": parent})


def _frames_equal(left, right) -> None:
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  check_exact=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 60), chunk=st.integers(1, 25),
       top=st.one_of(st.none(), st.integers(1, 8)))
def test_chunked_equals_whole(tied_weights, data, n, chunk, top):
    table = tied_table(data.draw, n)
    whole = Run(table, tied_weights, as_of=AS_OF, outreach_top=top).execute()
    parts = Run(table, tied_weights, as_of=AS_OF, outreach_top=top, chunk_rows=chunk).execute()
    _frames_equal(whole.frame, parts.frame)
    _frames_equal(whole.outreach, parts.outreach)
    _frames_equal(whole.tiers, parts.tiers)
    if whole.rollups is None:
        assert parts.rollups is None
    else:
        _frames_equal(whole.rollups, parts.rollups)
    assert [str(w) for w in whole.warnings] == [str(w) for w in parts.warnings]
    # and the list is the in-memory ranking: priority down, then score up, then table order
    ranked = whole.frame[whole.frame["tier"].isin(["at risk", "watch"])
                         & whole.frame["priority"].notna()]
    ranked = ranked.assign(pos=range(len(ranked))).sort_values(
        ["priority", "score", "pos"], ascending=[False, True, True])
    expected = ranked["customer_id"].tolist()[:top] if top else ranked["customer_id"].tolist()
    assert whole.outreach["customer_id"].tolist() == expected


def test_equal_priorities_across_a_chunk_boundary(tied_weights):
    """25 customers with one priority: the list keeps the first ones in table order, however
    the table is cut (a `>=` turned `>` in the running list takes the wrong five)."""
    table = pd.DataFrame({"customer_id": [f"c{i:02d}" for i in range(25)], "arr": 100.0,
                          "a": 1.0, "b": 1.0, "parent_id": None})
    for chunk in (1, 7, 10, 25):
        run = Run(table, tied_weights, as_of=AS_OF, outreach_top=5, chunk_rows=chunk).execute()
        assert run.outreach["customer_id"].tolist() == ["c00", "c01", "c02", "c03", "c04"]
    # equal priorities, lower scores later in the table: they win on the score, across chunks
    tied = table.copy()
    tied["arr"], tied["a"], tied["b"] = 200.0, 2.0, 1.0  # score 50: priority 200 × 0.5 = 100
    tied.loc[20:, ["arr", "a", "b"]] = [100.0, 0.0, 0.0]  # score 0: priority 100 × 1 = 100
    for chunk in (1, 7, 10, 25):
        run = Run(tied, tied_weights, as_of=AS_OF, outreach_top=5, chunk_rows=chunk).execute()
        assert run.outreach["customer_id"].tolist() == [f"c{i}" for i in range(20, 25)]
    # a later chunk's higher priority still wins over earlier ties
    table.loc[20, "a"] = 0.0
    run = Run(table, tied_weights, as_of=AS_OF, outreach_top=5, chunk_rows=7).execute()
    assert run.outreach["customer_id"].tolist() == ["c20", "c00", "c01", "c02", "c03"]


def _written(folder: Path) -> dict[str, object]:
    """Every file's content: CSV and JSON as bytes, Parquet as its decoded table and schema
    (its row groups follow the chunks, so its bytes may not)."""
    out = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            data = (table.schema, table.to_pydict())
        if path.name == "run.json":
            record = json.loads(data)
            # the id, time and inputs differ by design; warnings name the input file
            for volatile in ("run_id", "created_at", "inputs", "warnings"):
                record.pop(volatile)
            data = json.dumps(record, sort_keys=True).encode()
        out[path.name] = data
    return out


def test_every_output_is_byte_identical_however_the_run_is_cut(tmp_path):
    portfolio = generate_customers(400, seed=11, as_of=AS_OF)
    portfolio["parent_id"] = None
    portfolio.loc[10:30, "parent_id"] = portfolio.loc[0, "customer_id"]
    portfolio.loc[31:40, "parent_id"] = "P-UNKNOWN"
    csv_path, parquet_path = tmp_path / "c.csv", tmp_path / "c.parquet"
    portfolio.to_csv(csv_path, index=False)
    portfolio.to_parquet(parquet_path, row_group_size=64)
    wf = healthscore.load_weights(DEFAULT)
    results = {}
    for name, source, chunk in (("csv-whole", csv_path, 10_000), ("csv-chunks", csv_path, 37),
                                ("parquet-chunks", parquet_path, 50),
                                ("frame-chunks", portfolio, 113)):
        folder = tmp_path / name
        result = Run(source, wf, as_of=AS_OF, sinks=[OutputFiles(folder)], collect=False,
                     chunk_rows=chunk).execute()
        results[name] = _written(folder)
        results[name]["warnings"] = [(w.key, w.message) for w in result.warnings]
    reference = results.pop("csv-whole")
    assert sorted(reference) == [".healthscore-outputs", "outreach.csv", "outreach.parquet",
                                 "parents.csv",
                                 "parents.parquet", "run.json", "scores.csv", "scores.parquet",
                                 "warnings"]
    assert any("P-UNKNOWN" in message for _, message in reference["warnings"])
    for name, files in results.items():
        assert files.keys() == reference.keys(), name
        for file, data in files.items():
            assert data == reference[file], f"{name}: {file} differs from the whole run's"


def test_errors_in_later_chunks_are_all_reported_with_their_rows(tmp_path):
    frame = pd.DataFrame({"customer_id": range(1, 101), "csat_pct": [80.0] * 100,
                          "nps": ["10"] * 100})
    frame.loc[5, "nps"] = "ten"
    frame.loc[88, "nps"] = "n/a!"
    src = tmp_path / "c.parquet"
    frame.to_parquet(src)
    wf = healthscore.load_weights(DEFAULT)
    weights = wf.model_copy(update={"segments": {}, "groups": {}, "rollup": None, "signals": {
        k: v.model_copy(update={"measured_at": None, "max_age": None})
        for k, v in wf.signals.items() if k in ("csat", "nps")}})
    good = tmp_path / "good.parquet"
    frame.assign(nps="10").to_parquet(good)
    Run(good, weights, as_of=AS_OF, sinks=[OutputFiles(tmp_path / "out")],
        chunk_rows=30).execute()
    before = sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir())
    with pytest.raises(DataError) as info:
        Run(src, weights, as_of=AS_OF, sinks=[OutputFiles(tmp_path / "out")],
            chunk_rows=30).execute()
    text = str(info.value)
    assert 'row 6 ("ten")' in text and 'row 89 ("n/a!")' in text
    # the earlier run's files as they were, and no temporary left
    assert sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir()) == before


def test_duplicate_ids_across_chunks(tmp_path):
    frame = generate_customers(300, seed=3, as_of=AS_OF)
    frame.loc[250, "customer_id"] = frame.loc[3, "customer_id"]
    src = tmp_path / "c.parquet"
    frame.to_parquet(src)
    with pytest.raises(DataError, match=f"duplicate customer ids: {frame.loc[3, 'customer_id']}"):
        Run(src, DEFAULT, as_of=AS_OF, chunk_rows=40).execute()


def test_the_result_carries_the_resolved_structure():
    run = healthscore.score_run(ROOT / "data" / "customers.csv", DEFAULT, as_of=AS_OF)
    assert [p.name for p in run.profiles] == [p.name for p in build_profiles(run.weights)]
    assert run.groups == run.weights.all_groups()
    assert run.customers == len(run.frame) == int(run.tiers["customers"].sum())
    assert run.record()["tiers"] == {str(k): int(v) for k, v in
                                     run.frame["tier"].value_counts().items() if v}  \
        | {t: 0 for t in run.tiers.index if not (run.frame["tier"] == t).any()}


class _Counting:
    """A sink that counts the chunks it is given."""

    chunks = 0

    def add(self, scored):
        self.chunks += 1

    def close(self, result):
        pass

    def abort(self):
        pass


def test_the_weights_are_resolved_once_per_run(tmp_path, monkeypatch):
    """Every Parquet batch is checked and scored with the profiles the run resolved once."""
    from healthscore.weights import profiles

    built = []
    real = profiles._profile
    monkeypatch.setattr(profiles, "_profile", lambda wf, name, *a, **k: (
        built.append(name), real(wf, name, *a, **k))[1])
    src = tmp_path / "c.parquet"
    generate_customers(500, seed=5, as_of=AS_OF).to_parquet(src, row_group_size=100)
    counter = _Counting()
    run = Run(src, DEFAULT, as_of=AS_OF, chunk_rows=100, sinks=[counter]).execute()
    assert counter.chunks == 5 and len(run.profiles) > 1  # several batches, several profiles
    assert built.count(profiles.DEFAULT_PROFILE) == 1, built


class _Exploding:
    """A sink whose work (from the second chunk on) and clean-up both fail."""

    chunks = 0

    def add(self, scored):
        self.chunks += 1
        if self.chunks == 2:
            raise RuntimeError("disk gone")

    def close(self, result):
        raise AssertionError("never reached")

    def abort(self):
        raise OSError("cannot clean up either")


def test_a_failed_run_aborts_every_sink_and_stops_reading(tmp_path):
    import threading

    src = tmp_path / "c.parquet"
    generate_customers(500, seed=5, as_of=AS_OF).to_parquet(src, row_group_size=100)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk gone") as info:
        Run(src, DEFAULT, as_of=AS_OF, chunk_rows=100,
            sinks=[_Exploding(), OutputFiles(out)]).execute()
    assert any("cannot clean up either" in note for note in info.value.__notes__)
    assert not out.exists()  # the next sink still cleaned up: the folder it made is gone
    assert not [t for t in threading.enumerate() if t.name.startswith("healthscore-")]


def test_a_damaged_parquet_file_is_a_located_error(tmp_path):
    src = tmp_path / "c.parquet"
    generate_customers(2000, seed=5, as_of=AS_OF).to_parquet(src, row_group_size=200,
                                                            compression="snappy")
    data = bytearray(src.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 400] = bytes(400)  # a page in the middle of the file
    src.write_bytes(bytes(data))
    with pytest.raises(DataError, match="cannot read it as parquet") as info:
        Run(src, DEFAULT, as_of=AS_OF, chunk_rows=200, collect=False).execute()
    assert str(src) in str(info.value)


def test_a_hive_partitioned_folder_scores_like_the_table(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = generate_customers(300, seed=8, as_of=AS_OF)
    folder = tmp_path / "customers"
    pq.write_to_dataset(pa.Table.from_pandas(table, preserve_index=False), folder,
                        partition_cols=["segment"])
    got = Run(folder, DEFAULT, as_of=AS_OF, chunk_rows=70).execute().frame
    want = healthscore.score(table, DEFAULT, as_of=AS_OF)
    got = got.set_index("customer_id").sort_index()
    want = want.set_index("customer_id").sort_index()
    assert got["segment"].astype(str).tolist() == want["segment"].astype(str).tolist()
    np.testing.assert_array_equal(got["score"].to_numpy(), want["score"].to_numpy())
    assert got["profile"].astype(str).tolist() == want["profile"].astype(str).tolist()


def test_tier_arr_is_summed_in_exact_cents():
    """0.29 + 1.13 is 1.42: each amount to the nearest cent (29 and 113), never truncated
    (28.999… → 28 would give 141 cents, or 140 after float noise on both)."""
    from healthscore.engine.sinks import tier_totals

    scored = pd.DataFrame({"tier": pd.Categorical(["watch", "watch", "healthy"],
                                                  categories=["watch", "healthy"]),
                           "arr": [0.29, 1.13, 0.57]})
    totals = tier_totals(scored)
    assert totals.loc["watch", "cents"] == 142 and totals.loc["healthy", "cents"] == 57
    assert totals.loc["watch", "customers"] == 2


FAMILY = pd.DataFrame({
    "customer_id": ["P", "C1", "C2", "C3", "S1", "S2"],
    "name": ["Holding", "Sub 1", "Sub 2", "Sub 3", "Solo", "Small"],
    "owner": ["Ann", "Bob", "Bob", "Ann", "Cy", "Cy"],
    "arr": [14_000.0, 300_000.0, 300_000.0, 267_000.0, 100_000.0, 5_000.0],
    "parent_id": [None, "P", "P", "P", None, None],
    "health": [70.0, 50.0, 60.0, 55.0, 40.0, 30.0],
})


def family_weights(families: bool) -> WeightFile:
    return WeightFile.model_validate({
        "version": 1, "name": "families",
        "signals": {"health": {"score": {"linear": [0, 100]}}},
        "rollup": {"parent": "parent_id", "method": "arr_weighted"},
        "outreach": {"families": families}})


def test_a_family_is_ranked_as_one_entry_with_its_accounts_under_it():
    plain = healthscore.score_run(FAMILY, family_weights(False), as_of="2026-10-31")
    assert plain.outreach["customer_id"].tolist()[:3] == ["C1", "C3", "C2"]  # one by one
    run = healthscore.score_run(FAMILY, family_weights(True), as_of="2026-10-31")
    listed = run.outreach.set_index("customer_id")
    # the family's ARR-weighted score: (14k×70 + 300k×50 + 300k×60 + 267k×55) / 881k
    score = (14_000 * 70 + 300_000 * 50 + 300_000 * 60 + 267_000 * 55) / 881_000
    assert listed.loc["P", "score"] == pytest.approx(score)
    assert listed.loc["P", "arr"] == 881_000
    assert listed.loc["P", "priority"] == pytest.approx(881_000 * (100 - score) / 100)
    assert listed.loc["P", "members"] == "C1; C3; C2; P"  # lowest score first
    assert run.outreach["customer_id"].tolist() == ["P", "S1", "S2"]  # members are not rows
    assert run.outreach["rank"].tolist() == [1, 2, 3] and bool(listed.loc["P", "family"])
    assert listed.loc["P", "owner"] == "Ann"  # the parent's own account's owner
    assert listed.loc["P", "why"].startswith("Family of 4 accounts, lowest: Sub 1 50")


def test_a_family_entry_shows_on_the_outreach_pages(tmp_path):
    run = healthscore.score_run(FAMILY, family_weights(True), as_of="2026-10-31")
    done = healthscore.render_run(run, tmp_path / "r", jobs=1)
    page = (done.out_dir / "outreach" / "index.html").read_text()
    assert 'class="family"' in page and "family of 4" in page and "Sub 3" in page
    markdown = (done.out_dir / "outreach" / "index.md").read_text()
    assert "| 1 | P | Holding (family: Sub 1 50, Sub 3 55, Sub 2 60, Holding 70) | Ann |" in \
        markdown
