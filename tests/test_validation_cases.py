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


def test_format_and_logic_problems_come_in_one_pass(tmp_path, monkeypatch):
    """An entry that did not parse is reported once, for what is wrong with it: the group
    naming it does not also call it unknown, while a truly unknown name still is."""
    (tmp_path / "w.yaml").write_text(
        "version: 1\n"
        "name: t\n"
        "groups:\n"
        "  usage: {signals: [logins, seats, nps_score]}\n"
        "segments:\n"
        "  smb: {match: {segment: smb}, disable: [logins]}\n"
        "tiers:\n"
        "  - {name: low, below: 80}\n"
        "  - {name: mid, below: 60}\n"
        "  - {name: high}\n"
        "signals:\n"
        "  logins: {score: {linear: 5}}\n"
        "  seats: {score: {linear: [0, 10]}}\n"
        "  nps: {score: {linear: [-100, 100]}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded, problems = check_files(["w.yaml"])
    reported = [str(p) for p in problems]
    assert not loaded
    assert any(r.startswith("w.yaml:12: signals.logins.score.linear") for r in reported), reported
    assert any(r.startswith("w.yaml:4: groups.usage.signals[2]: unknown signal `nps_score`")
               for r in reported), reported
    assert any(r.startswith("w.yaml:9: tiers[1].below") for r in reported), reported
    assert not [r for r in reported if "unknown signal `logins`" in r], reported
