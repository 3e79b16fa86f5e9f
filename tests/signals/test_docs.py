"""docs/signals.md stays in step with the code: its weight file example is valid and every
metric and source kind has its paragraph."""

from __future__ import annotations

import re
import shutil
from typing import get_args

from healthscore.spec.sources import Metric, SourceSpec
from healthscore.weights import check_files
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "signals.md").read_text(encoding="utf-8")


def test_the_weight_file_example_is_valid(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)
    examples = [b for b in blocks if b.startswith("version:")]
    assert examples
    shutil.copy(ROOT / "weights" / "default.yaml", tmp_path / "default.yaml")
    for i, text in enumerate(examples):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(text, encoding="utf-8")
        _, problems = check_files([path])
        assert problems == [], [str(p) for p in problems]


def test_every_metric_and_kind_is_documented():
    for metric in get_args(Metric):
        assert f"**{metric}**" in DOC, metric
    for kind in get_args(SourceSpec.model_fields["kind"].annotation):
        assert f"`{kind}`" in DOC, kind
