"""Weight files are shared: reading one is bounded and confined, and its numbers cannot
overflow (issue 11: item 4, item 10, the security list, the deep-nesting tracebacks)."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest
import yaml

import healthscore
from healthscore.errors import WeightFileError
from healthscore.weights.load import check_files
from tests.conftest import write_weights

SIGNALS = {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
           "nps": {"score": {"linear": [-20, 60]}}}


def _problems(path) -> list[str]:
    return [str(p) for p in check_files([path])[1]]


@pytest.mark.parametrize("weights, message", [
    ({"a": "1e308", "b": "1e308"}, "signals.a.weight: weights are relative: use numbers between "
                                   "1e-06 and 1e+06 (only their ratios matter); found 1e+308"),
    ({"a": 1.0e+308, "b": 1}, "signals.a.weight: weights are relative"),
    ({"a": 5e-324, "b": 1}, "signals.a.weight: weights are relative"),
    ({"a": True, "b": 1}, "signals.a.weight: a weight is a number; found true"),
])
def test_weights_that_overflow_or_are_not_numbers_are_refused(tmp_path, weights, message):
    """Item 4: two weights of 1e308 gave everyone "insufficient data"; 1e308 and 1 gave
    score = inf; `weight: true` was taken as 1."""
    path = tmp_path / "w.yaml"
    text = yaml.safe_dump({"version": 1, "name": "t", "signals": {
        name: {"score": {"linear": [0, 1]}, "weight": w} for name, w in weights.items()}})
    path.write_text(text.replace("'1e308'", "1e308"))  # unquoted, as a user writes it
    problems = _problems(path)
    assert any(message in p for p in problems), problems


def test_linear_bounds_whose_span_overflows_are_refused(tmp_path):
    path = write_weights(tmp_path / "w.yaml", {"signals": {
        "a": {"score": {"linear": [-1.0e308, 1.0e308]}}}})
    assert any("signals.a.score.linear: bounds are too far apart to compute with" in p
               for p in _problems(path))


def test_extreme_but_valid_weights_score_exactly(tmp_path):
    path = write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": {
        "csat": {**SIGNALS["csat"], "weight": 1e6}, "nps": {**SIGNALS["nps"], "weight": 1e-6}}})
    frame = pd.DataFrame({"customer_id": ["a"], "csat_pct": [95.0], "nps": [-20.0]})
    scored = healthscore.score(frame, path)
    assert scored["score"].tolist() == pytest.approx([100 * 1e6 / (1e6 + 1e-6)])
    assert scored["priority"].tolist() == pytest.approx([100 - scored["score"].iloc[0]])


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    """Item 10: a 425-byte file took 33 s and 1.6 GB."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    problems = _problems(path)
    assert time.perf_counter() - started < 5
    assert problems == [f"{path}: too large once its aliases (`*name`) are expanded (over "
                        "100,000 values or 64 levels); write the values out or use fewer aliases"]


def test_extends_dev_zero_is_not_read(tmp_path, monkeypatch):
    """Item 10: `extends: /dev/zero` grew to 9.8 GB."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.yaml").write_text("version: 1\nname: t\nextends: /dev/zero\n")
    problems = _problems("w.yaml")
    assert "w.yaml:3: extends: `/dev/zero` is not a weight file: `extends` takes a .yaml or " \
           ".yml file" in problems
    os.symlink("/dev/zero", tmp_path / "zero.yaml")
    (tmp_path / "w.yaml").write_text("version: 1\nname: t\nextends: zero.yaml\n")
    assert any("`zero.yaml` is outside the project folder" in p for p in _problems("w.yaml"))
    trusted = [str(p) for p in check_files(["w.yaml"], confine=False)[1]]
    assert "/dev/zero: not a regular file; a weight file is a YAML file" in trusted


def test_a_large_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("version: 1\nname: t\n# " + "x" * (2 * 1024 * 1024) + "\n")
    assert _problems(path) == [f"{path}: larger than 1,024 KiB; a weight file is a few "
                               "kilobytes of YAML"]


def test_yaml_nested_5000_deep_is_a_message(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\nname: t\nsignals: " + "[" * 5000 + "]" * 5000 + "\n")
    assert _problems(path) == [f"{path}:3: not valid YAML: nested more than 64 levels deep"]


def test_groups_nested_990_deep_are_refused_by_validate_and_score(tmp_path, cli):
    """validate said valid and score hit RecursionError."""
    groups = {f"g{i}": {"groups": [f"g{i + 1}"]} for i in range(990)}
    groups["g990"] = {"signals": ["csat"]}
    path = write_weights(tmp_path / "w.yaml", {"groups": groups, "signals": SIGNALS})
    proc = cli("validate", path)
    assert proc.returncode == 1 and "groups nest more than 16 levels deep" in proc.stdout \
        + proc.stderr
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\na,80,10\n")
    proc = cli("score", "-w", path, "-c", "c.csv", "-o", "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_sixteen_levels_of_groups_still_score(tmp_path):
    groups = {f"g{i}": {"groups": [f"g{i + 1}"]} for i in range(15)}
    groups["g15"] = {"signals": ["csat", "nps"]}
    path = write_weights(tmp_path / "w.yaml", {"groups": groups, "signals": SIGNALS})
    frame = pd.DataFrame({"customer_id": ["a"], "csat_pct": [95.0], "nps": [20.0]})
    assert healthscore.score(frame, path)["score"].tolist() == pytest.approx([75.0])


def test_an_unknown_tag_is_an_error(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("version: 1\nname: t\nsignals: !!python/object/apply:os.system\n"
                    "  args: [echo hi]\n")
    assert _problems(path) == [f"{path}:3: signals: unknown tag `!!python/object/apply:"
                               "os.system`; a weight file holds plain mappings, lists and "
                               "values"]


def test_extends_etc_shadow_is_refused_and_its_lines_never_echoed(tmp_path, monkeypatch):
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    for ref in (str(secret), "../elsewhere/shadow"):
        (project / "w.yaml").write_text(f"version: 1\nname: t\nextends: {ref}\n")
        with pytest.raises(WeightFileError) as info:
            healthscore.load_weights("w.yaml")
        assert "SECRETHASH" not in str(info.value) and "99999" not in str(info.value)
        assert f"`{ref}` is not a weight file" in str(info.value)
    # even a file named .yaml that is not valid YAML: the problem, never the line's text
    bad = project / "bad.yaml"
    bad.write_text("version: 1\nname: t\n  x: SECRET: [\n")
    problems = _problems(bad)
    assert problems and not any("SECRET" in p for p in problems)


def test_paths_outside_the_project_are_refused_unless_allowed(tmp_path, monkeypatch):
    (tmp_path / "secret.csv").write_text("customer_id,csat_pct,nps\nX,1,1\n")
    outside = tmp_path / "other.yaml"
    write_weights(outside, {"signals": SIGNALS})
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    write_weights(project / "w.yaml", {
        "sources": {"accounts": {"kind": "csv", "path": "../secret.csv"}},
        "signals": {**SIGNALS, "x": {"score": {"linear": [0, 1]}}},
        "segments": {"ent": {"match": {"segment": "ent"}, "use": str(outside)}}})
    with pytest.raises(WeightFileError) as info:
        healthscore.load_weights("w.yaml")
    text = str(info.value)
    assert f"sources.accounts.path: `../secret.csv` is outside the project folder {project}" \
        in text
    assert f"segments.ent.use: `{outside}` is outside the project folder" in text
    wf = healthscore.load_weights("w.yaml", confine=False)  # the explicit opt-out
    assert wf.sources["accounts"].path == "../secret.csv"


def test_allow_outside_on_the_command_line(tmp_path, cli):
    write_weights(tmp_path / "base.yaml", {"signals": SIGNALS})
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "w.yaml").write_text("version: 1\nname: v\nextends: ../base.yaml\n")
    proc = cli("validate", "w.yaml", cwd=tmp_path / "project")
    assert proc.returncode == 1 and "is outside the project folder" in proc.stdout + proc.stderr
    cli("validate", "w.yaml", "--allow-outside", cwd=tmp_path / "project", check_code=0)


def test_a_variant_folder_inside_the_working_directory_may_extend_a_sibling(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "base").mkdir()
    (tmp_path / "variants").mkdir()
    write_weights(tmp_path / "base" / "w.yaml", {"signals": SIGNALS})
    (tmp_path / "variants" / "v.yaml").write_text(
        "version: 1\nname: v\nextends: ../base/w.yaml\n")
    monkeypatch.chdir(tmp_path)
    assert list(healthscore.load_weights("variants/v.yaml").signals) == ["csat", "nps"]


def test_three_thousand_groups_in_a_circle_are_one_message_at_once(tmp_path, cli):
    """Issue 20: a circle of 3,000 groups was walked again from each of its members (never
    finished). One walk finds it; the message shortens the chain."""
    n = 3000
    groups = {f"g{i}": {"groups": [f"g{(i + 1) % n}"]} for i in range(n)}
    groups["g0"]["signals"] = ["csat"]
    write_weights(tmp_path / "w.yaml", {"groups": groups, "signals": SIGNALS})
    started = time.monotonic()
    proc = cli("validate", "w.yaml")
    assert time.monotonic() - started < 60
    assert proc.returncode != 0 and "Traceback" not in proc.stderr + proc.stdout
    out = " ".join((proc.stdout + proc.stderr).split())
    assert ("groups.g0.groups: groups contain each other in a circle: g0 → g1 → g2 → g3 → g4 "
            "→ … (2,991 more) → g2996 → g2997 → g2998 → g2999 → g0") in out, out
    assert out.count("in a circle") == 1


def test_two_circles_are_each_named_once(tmp_path):
    groups = {"a": {"groups": ["b"], "signals": ["csat"]}, "b": {"groups": ["a"]},
              "c": {"groups": ["d"], "signals": ["nps"]}, "d": {"groups": ["e"]},
              "e": {"groups": ["c"]}}
    write_weights(tmp_path / "w.yaml", {"groups": groups, "signals": SIGNALS})
    circles = [p for p in _problems(tmp_path / "w.yaml") if "in a circle" in p]
    assert [c.split("in a circle: ")[1] for c in circles] == ["a → b → a", "c → d → e → c"]


def test_an_extends_chain_of_1500_files_is_one_message(tmp_path, monkeypatch):
    """Issue 20: 1,500 files each extending the next ended in a RecursionError."""
    from healthscore.weights.load import MAX_EXTENDS

    monkeypatch.chdir(tmp_path)
    for i in range(1500):
        body = {"signals": SIGNALS, **({"extends": f"f{i + 1}.yaml"} if i < 1499 else {})}
        write_weights(tmp_path / f"f{i}.yaml", body)
    started = time.monotonic()
    problems = _problems(tmp_path / "f0.yaml")
    assert time.monotonic() - started < 30
    last = (tmp_path / f"f{MAX_EXTENDS - 1}.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(last, 1) if text.startswith("extends:"))
    assert problems == [f"f{MAX_EXTENDS - 1}.yaml:{line}: extends: `extends` goes more than "
                        f"{MAX_EXTENDS} files deep (from f0.yaml); a base of a base of ... "
                        "that long is a mistake: shorten the chain"], problems
    # a chain of MAX_EXTENDS files is still fine
    write_weights(tmp_path / f"f{MAX_EXTENDS - 1}.yaml", {"signals": SIGNALS})
    assert _problems(tmp_path / "f0.yaml") == []
