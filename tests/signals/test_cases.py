"""Every metric against hand-computed numbers, one YAML case per file in cases/.

A case gives the as-of date, the raw tables as rows, the signals' `compute:` blocks and the
expected value per customer (null = missing); or the text of the error or warning expected.
Each table is written to a CSV file and read back as a `kind: csv` source, as a team's export
would be (so "line 3" in a message is line 3 of that file); its time column defaults to `ts`,
and a case's `sources:` entry adds or overrides keys (`time`, `dates`, `timezone`,
`columns`...). Add a case by adding a file: no Python needed. Write timestamps in quotes so
YAML keeps them as text, as in a CSV. A table given as a string is the CSV file itself, written
as is (for what rows cannot say, such as a header written twice).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from healthscore.errors import DataError
from healthscore.signals import MetricSpec, SourceSpec, compute_table

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def run_case(case: dict, folder: Path):
    sources = {}
    for name, rows in case["tables"].items():
        if isinstance(rows, str):
            (folder / f"{name}.csv").write_text(rows, encoding="utf-8")
            frame = pd.read_csv(io.StringIO(rows), nrows=0)
        else:
            frame = pd.DataFrame(rows)
            frame.to_csv(folder / f"{name}.csv", index=False)
        # a case tests its metric on a few hand-made rows; how fresh the export is has
        # cases of its own (they set `fresh_within:`)
        spec = {"kind": "csv", "path": f"{name}.csv", "fresh_within": None}
        if "ts" in frame.columns:
            spec["time"] = "ts"
        spec.update((case.get("sources") or {}).get(name, {}))
        sources[name] = SourceSpec.model_validate(spec)
    signals = {name: (name, MetricSpec.model_validate(spec))
               for name, spec in case["signals"].items()}
    return compute_table(sources, signals, str(case["as_of"]), base_dir=folder,
                         allow_stale=case.get("allow_stale", False))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path, tmp_path):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "expect_error" in case:
        with pytest.raises(DataError) as err:
            run_case(case, tmp_path)
        for text in _as_list(case["expect_error"]):
            assert text in str(err.value), f"{path.stem}: {text!r} not in {err.value}"
        return
    result = run_case(case, tmp_path)
    frame = result.frame.set_index("customer_id")
    ids = [next(iter(row.values())) for row in case["tables"]["accounts"]]
    assert list(frame.index) == ids, "accounts order is kept"
    for cid, values in case["expect"].items():
        for signal, expected in values.items():
            actual = frame.loc[cid, signal]
            where = f"{path.stem}: {cid}.{signal}"
            if expected is None:
                assert actual is None or math.isnan(actual), f"{where}: {actual} is not missing"
            else:
                assert actual == pytest.approx(expected, abs=1e-4), f"{where}: {actual}"
    warnings = " | ".join(str(w) for w in result.warnings)
    for text in _as_list(case.get("expect_warning")):
        assert text in warnings, f"{path.stem}: warning {text!r} not in {warnings!r}"
    if "expect_warning" not in case:
        assert not result.warnings, f"{path.stem}: unexpected warnings {warnings}"


def _as_list(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def test_there_are_cases_for_every_metric():
    from typing import get_args

    from healthscore.spec.sources import Metric

    used = set()
    for path in CASES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        used |= {spec["metric"] for spec in case["signals"].values()}
    assert set(get_args(Metric)) <= used
