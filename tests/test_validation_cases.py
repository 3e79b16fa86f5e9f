"""Weight-file validation: every class of mistake gets a located message.

Each YAML case in cases/validation holds the files to write (`files`), which to validate
(`validate`, default all) and lines that must appear among the reported problems (`expect`),
as `file:line: key.path: message` prefixes. Add a case by adding a file.
"""

from __future__ import annotations

import pytest
import yaml

from healthscore.weights import check_files
from tests.conftest import CASES

CASE_FILES = sorted((CASES / "validation").glob("*.yaml"))


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_validation_case(case_file, tmp_path, monkeypatch):
    case = yaml.safe_load(case_file.read_text())
    for name, text in case["files"].items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded, problems = check_files(case.get("validate") or list(case["files"]))
    reported = [str(p) for p in problems]
    for expected in case["expect"]:
        assert any(line.startswith(expected) or expected in line for line in reported), (
            f"{case_file.stem}: expected {expected!r} among:\n" + "\n".join(reported))
    assert not loaded or all(f not in loaded for f in case["files"]
                             if any(str(p).startswith(f) for p in problems))
