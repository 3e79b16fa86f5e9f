"""The docs are executable: examples must validate, documented numbers must be what the engine
computes, and documented command lines must use options that exist.

docs/weights.md is read as a sequence of fenced blocks and Markdown tables, each optionally
preceded (on the lines directly above it) by HTML comments that say what to check:

- `<!-- file: NAME -->` before a fenced block: the block is written to a file of that name.
- `<!-- invalid: MESSAGE -->` before a ```yaml block: it must fail validation with MESSAGE
  (a whole `file:line: key.path: message` line, or a part of one).
- `<!-- same-as: NAME -->` before a ```yaml block: it resolves to the same weights as file NAME.
- `<!-- scores: weights=W customers=C [as_of=D] [customer=ID] -->` before a table: the table's
  cells are what `healthscore.score_run(C, W)` gives. Headers in backticks are output columns;
  rows are customer ids, or (with `customer=ID`) signal/group names whose headers are column
  suffixes (`score` → `<signal>.score`). A `—` cell means missing; an empty cell is not checked.
- `<!-- parents: weights=W customers=C -->` before a table: the same for the parent roll-ups.
- `<!-- output: healthscore ... [(exit N)] -->` before a fenced block: running the command in
  the folder holding the example files prints those lines and exits with N (default 0).

Every ```yaml block of docs/weights.md must be a complete weight file (with `version:`).
"""

from __future__ import annotations

import fnmatch
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import typer.main

import healthscore
from healthscore.cli import app
from tests.conftest import ROOT

WEIGHTS_MD = ROOT / "docs" / "weights.md"
CLI_MD = ROOT / "docs" / "cli.md"
AS_OF = "2026-10-31"
DIRECTIVE = re.compile(r"^<!--\s*([\w-]+):\s*(.*?)\s*-->$")
MISSING = "—"


# ------------------------------------------------------------------------------ doc parsing


@dataclass
class Block:
    kind: str  # "fence" or "table"
    lang: str
    lines: list[str]
    line: int  # 1-based line of the opening fence / table header
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def where(self, doc: Path) -> str:
        return f"{doc.relative_to(ROOT)}:{self.line}"


def parse_blocks(path: Path) -> list[Block]:
    """Fenced blocks and tables, each with the directives written right above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    notes: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        directive = DIRECTIVE.match(stripped)
        if directive:
            key = directive.group(1)
            assert key not in notes, f"{path.name}:{i + 1}: `{key}` given twice for one block"
            notes[key] = directive.group(2)
            i += 1
            continue
        if stripped.startswith("```"):
            lang = stripped[3:].strip()
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            assert i < len(lines), f"{path.name}:{start + 1}: unclosed code fence"
            blocks.append(Block("fence", lang, body, start + 1, notes))
        elif stripped.startswith("|"):
            start = i
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i].strip())
                i += 1
            blocks.append(Block("table", "", rows, start + 1, notes))
            notes = {}
            continue
        elif notes:
            raise AssertionError(f"{path.name}:{i + 1}: directives {sorted(notes)} are not "
                                 "directly above a code block or a table")
        notes = {}
        i += 1
    assert not notes, f"{path.name}: directives at the end of the file apply to nothing"
    return blocks


def table_cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def parse_table(block: Block) -> tuple[list[str], list[list[str]]]:
    header = table_cells(block.lines[0])
    assert set(block.lines[1].replace("|", "").strip()) <= set("-: "), block.lines[1]
    rows = [table_cells(r) for r in block.lines[2:]]
    for row in rows:
        assert len(row) == len(header), f"row {row} does not fit header {header}"
    return header, rows


def arguments(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split())


BLOCKS = parse_blocks(WEIGHTS_MD)


def yaml_blocks() -> list[Block]:
    return [b for b in BLOCKS if b.kind == "fence" and b.lang == "yaml"]


def file_blocks() -> list[Block]:
    return [b for b in BLOCKS if b.kind == "fence" and "file" in b.notes]


def write_examples(folder: Path, *, include_invalid: bool) -> Path:
    """Write the named example files into `folder` (later invalid files replace earlier)."""
    folder.mkdir(parents=True, exist_ok=True)
    for block in file_blocks():
        if "invalid" in block.notes and not include_invalid:
            continue
        (folder / block.notes["file"]).write_text(block.text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------- value checking


NUMBER = re.compile(r"^-?[\d,]*\.?\d+\s*%?$")


def expect_cell(actual: object, cell: str, where: str) -> None:
    """Compare an engine value with a documented cell, to the precision the cell shows."""
    text = cell.replace("`", "").strip()
    if text == "":
        return
    if text == MISSING:
        assert actual is None or actual == "" or pd.isna(actual), \
            f"{where}: documented as missing, engine gives {actual!r}"
        return
    if NUMBER.match(text):
        percent = text.endswith("%")
        digits = text.rstrip("%").strip().replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        expected = float(digits) / (100 if percent else 1)
        tolerance = 0.5 * 10 ** -decimals / (100 if percent else 1) + 1e-9
        assert actual is not None and not pd.isna(actual), \
            f"{where}: documented {text}, engine gives missing"
        assert math.isclose(float(actual), expected, abs_tol=tolerance), \
            f"{where}: documented {text}, engine gives {actual!r}"
        return
    assert str(actual) == text, f"{where}: documented {text!r}, engine gives {actual!r}"


def column_header(header: str) -> str | None:
    """`score` (in backticks) → column name; headers without backticks are prose."""
    match = re.fullmatch(r"`([^`]+)`", header.strip())
    return match.group(1) if match else None


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture
def examples(tmp_path, monkeypatch) -> Path:
    folder = write_examples(tmp_path / "examples", include_invalid=False)
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def runs(examples):
    cache: dict[tuple[str, str, str], healthscore.ScoreRun] = {}

    def run(args: dict[str, str]) -> healthscore.ScoreRun:
        key = (args["weights"], args["customers"], args.get("as_of", AS_OF))
        if key not in cache:
            cache[key] = healthscore.score_run(examples / key[1], examples / key[0],
                                               as_of=key[2])
        return cache[key]

    return run


# ---------------------------------------------------------------------------- weights.md


def test_the_doc_is_parsed():
    """Guards the parser: if the directives stop matching, the other tests check nothing."""
    assert len(yaml_blocks()) >= 25
    assert sum("invalid" in b.notes for b in yaml_blocks()) >= 5
    assert sum("scores" in b.notes for b in BLOCKS) >= 12
    assert sum("output" in b.notes for b in BLOCKS) >= 3
    assert any("parents" in b.notes for b in BLOCKS)
    assert any(b.notes.get("file") == "worked.yaml" for b in BLOCKS)


def test_every_yaml_block_is_a_complete_weight_file():
    for block in yaml_blocks():
        assert re.search(r"^version:", block.text, re.M), (
            f"{block.where(WEIGHTS_MD)}: every ```yaml block is a complete weight file; add "
            "`version: 1` and `name:` (or show a fragment in a ```text block)")


def test_example_file_names_are_unique():
    names = [b.notes["file"] for b in file_blocks() if "invalid" not in b.notes]
    assert len(names) == len(set(names)), names
    invalid = {b.notes["file"] for b in file_blocks() if "invalid" in b.notes}
    assert not invalid & set(names), "an invalid example reuses a valid example's file name"


def test_valid_examples_validate(examples):
    checked = 0
    for i, block in enumerate(yaml_blocks()):
        if "invalid" in block.notes:
            continue
        name = block.notes.get("file", f"unnamed-{i}.yaml")
        (examples / name).write_text(block.text, encoding="utf-8")
        loaded, problems = healthscore.check_files([name])
        assert not problems, f"{block.where(WEIGHTS_MD)}: " + "\n".join(map(str, problems))
        assert name in loaded
        checked += 1
    assert checked >= 20


def test_invalid_examples_fail_with_the_documented_message(tmp_path, monkeypatch):
    for i, block in enumerate(yaml_blocks()):
        if "invalid" not in block.notes:
            continue
        folder = write_examples(tmp_path / f"invalid-{i}", include_invalid=False)
        name = block.notes.get("file", "w.yaml")
        (folder / name).write_text(block.text, encoding="utf-8")
        monkeypatch.chdir(folder)
        loaded, problems = healthscore.check_files([name])
        reported = [str(p) for p in problems]
        expected = block.notes["invalid"]
        assert not loaded, f"{block.where(WEIGHTS_MD)}: documented as invalid but it validates"
        assert any(expected in line for line in reported), (
            f"{block.where(WEIGHTS_MD)}: expected {expected!r} among:\n" + "\n".join(reported))


def test_resolved_examples_match(examples):
    pairs = [b for b in yaml_blocks() if "same-as" in b.notes]
    for block in pairs:
        a = healthscore.load_weights(block.notes["same-as"])
        b = healthscore.load_weights(block.notes["file"])
        assert a.model_dump(exclude={"extends"}) == b.model_dump(exclude={"extends"}), \
            block.where(WEIGHTS_MD)


def _score_table(block: Block, frame: pd.DataFrame, index: str) -> int:
    header, rows = parse_table(block)
    where = block.where(WEIGHTS_MD)
    assert header[0].replace("`", "") == index, f"{where}: first column must be `{index}`"
    frame = frame.set_index(index)
    checked = 0
    for row in rows:
        key = row[0].replace("`", "")
        assert key in frame.index, f"{where}: no {index} {key!r} in the results"
        for head, cell in zip(header[1:], row[1:], strict=True):
            column = column_header(head)
            if column is None:
                continue
            assert column in frame.columns, f"{where}: no output column `{column}`"
            expect_cell(frame.loc[key, column], cell, f"{where}: {key} {column}")
            checked += 1
    return checked


def test_documented_scores(runs):
    checked = 0
    for block in [b for b in BLOCKS if b.kind == "table" and "scores" in b.notes]:
        args = arguments(block.notes["scores"])
        frame = runs(args).frame
        if "customer" in args:
            checked += _node_table(block, frame, args["customer"])
        else:
            checked += _score_table(block, frame, "customer_id")
    assert checked >= 100


def _node_table(block: Block, frame: pd.DataFrame, customer: str) -> int:
    """Rows are signals or groups of one customer; headers are column suffixes."""
    header, rows = parse_table(block)
    where = block.where(WEIGHTS_MD)
    row_of = frame.set_index("customer_id").loc[customer]
    checked = 0
    for row in rows:
        node = row[0].replace("`", "")
        for head, cell in zip(header[1:], row[1:], strict=True):
            suffix = column_header(head)
            if cell == "":
                continue
            if suffix is not None:
                column = f"{node}.{suffix}"
                assert column in row_of.index, f"{where}: no output column `{column}`"
                actual = row_of[column]
            elif head == "points lost":
                actual = row_of[f"{node}.weight"] * (100 - row_of[f"{node}.score"])
            else:
                continue
            expect_cell(actual, cell, f"{where}: {customer} {node} {head}")
            checked += 1
    return checked


def test_documented_parents(runs):
    tables = [b for b in BLOCKS if b.kind == "table" and "parents" in b.notes]
    for block in tables:
        run = runs(arguments(block.notes["parents"]))
        assert run.rollups is not None, block.where(WEIGHTS_MD)
        assert _score_table(block, run.rollups, "parent_id") > 0


def test_worked_example_points_add_up(runs):
    run = runs({"weights": "worked.yaml", "customers": "worked.csv"})
    signals = list(run.weights.signals)
    frame = run.frame
    scored = frame["score"].notna()
    points = frame.loc[scored, [f"{s}.points" for s in signals]].sum(axis=1)
    assert (points - frame.loc[scored, "score"]).abs().max() < 1e-9


def test_worked_example_through_the_cli(examples):
    """The command shown for the worked example writes the documented numbers to disk."""
    command = next(words for _, whole, words in _commands(WEIGHTS_MD)
                   if whole and "worked.yaml" in words)
    proc = _run_cli(command[1:], examples)
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(examples / "out" / "scores.csv", dtype={"customer_id": str})
    table = next(b for b in BLOCKS if b.kind == "table" and "customer=" not in
                 b.notes.get("scores", "") and "worked.yaml" in b.notes.get("scores", ""))
    assert _score_table(table, frame, "customer_id") >= 20


def _run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([sys.executable, "-m", "healthscore", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _split_output(text: str) -> tuple[list[list[str]], str]:
    """Table rows as cell lists, and everything else as one whitespace-normalised string."""
    rows, other = [], []
    for line in text.splitlines():
        if line.strip() and line.strip()[0] in "┃│":
            rows.append([c.strip() for c in re.split(r"[┃│]", line.strip())[1:-1]])
        elif line.strip() and line.strip()[0] not in "┏┡└┗╇":
            other.append(line.replace("•", " "))
    return rows, " ".join(" ".join(other).split())


def test_documented_command_output(tmp_path):
    folder = write_examples(tmp_path / "examples", include_invalid=True)
    blocks = [b for b in BLOCKS if "output" in b.notes]
    for block in blocks:
        where = block.where(WEIGHTS_MD)
        command = block.notes["output"]
        match = re.fullmatch(r"(.*?)\s*(?:\(exit (\d+)\))?", command)
        words = shlex.split(match.group(1))
        assert words[0] == "healthscore", where
        proc = _run_cli(words[1:], folder)
        assert proc.returncode == int(match.group(2) or 0), (where, proc.stdout, proc.stderr)
        actual_rows, actual_text = _split_output(proc.stdout + "\n" + proc.stderr)
        doc_rows, _ = _split_output(block.text)
        assert doc_rows == actual_rows, f"{where}: the table differs:\n{proc.stdout}"
        for line in block.lines:
            if line.strip() and line.strip()[0] not in "┏┃┡│└┗╇":
                text = " ".join(line.replace("•", " ").split())
                assert text in actual_text, f"{where}: {text!r} not in:\n{proc.stdout}" \
                                            f"{proc.stderr}"


# -------------------------------------------------------------------------------- cli.md


def _commands(doc: Path) -> list[tuple[int, bool, list[str]]]:
    """Every `healthscore ...` command line of a doc: (line, is a whole command line, words).

    Lines in code blocks are whole command lines; inline code may name a command without its
    required options (`healthscore score`), so only its command and option names are checked.
    """
    found = []
    in_fence = False
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            text = re.sub(r"^\$\s*", "", line.strip())
            if text.startswith("healthscore "):
                found.append((number, True, shlex.split(text, comments=True)))
        else:
            for span in re.findall(r"`(healthscore [^`]*)`", line):
                found.append((number, False, shlex.split(span)))
    return found


def _click_app():
    return typer.main.get_command(app)


def _options(command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(param.opts)
        names.update(param.secondary_opts)
    return names


@pytest.mark.parametrize("doc", [CLI_MD, WEIGHTS_MD, ROOT / "README.md"],
                         ids=["cli.md", "weights.md", "README.md"])
def test_documented_command_lines_are_accepted(doc):
    group = _click_app()
    commands = _commands(doc)
    assert any(whole for _, whole, _ in commands), f"{doc.name}: no command lines found"
    for number, whole, words in commands:
        where = f"{doc.name}:{number}: {' '.join(words)}"
        if words[1:] in (["--help"], []):
            continue
        name, args = words[1], words[2:]
        assert name in group.commands, f"{where}: no command `{name}`"
        command = group.commands[name]
        known = _options(command)
        for word in args:
            if word.startswith("-"):
                assert word.split("=", 1)[0] in known, f"{where}: no option `{word}`"
        if whole and "--help" not in args:
            try:  # parses the whole line: required options, values, date formats
                command.make_context(name, list(args))
            except Exception as exc:  # noqa: BLE001 - any parse error is a doc error
                raise AssertionError(f"{where}: {type(exc).__name__}: {exc}") from None


def _sections(doc: Path) -> dict[str, str]:
    """`## healthscore NAME` sections of cli.md by command name."""
    text = doc.read_text(encoding="utf-8")
    parts = re.split(r"^## `healthscore (\w+)`.*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_command_and_option_is_documented():
    """Each command has a `## healthscore NAME` section whose options table (first column)
    names every option, long and short, and every argument."""
    group = _click_app()
    sections = _sections(CLI_MD)
    assert set(sections) == set(group.commands), (
        f"cli.md documents {sorted(sections)}; the CLI has {sorted(group.commands)}")
    for name, command in group.commands.items():
        first_cells = " ".join(table_cells(line)[0] for line in sections[name].splitlines()
                               if line.startswith("|"))
        for param in command.params:
            if param.opts[0].startswith("-"):
                for opt in [*param.opts, *param.secondary_opts]:
                    assert f"`{opt}`" in first_cells, f"cli.md: `{opt}` of `{name}`"
            else:  # an argument
                assert param.name.upper() in first_cells, f"cli.md: {param.name} of {name}"


def test_documented_output_columns(tmp_path):
    """The column lists of cli.md are the columns `healthscore score` writes, in order."""
    (tmp_path / "w.yaml").write_text(
        "version: 1\nname: t\nrollup: {parent: parent_id}\n"
        "groups:\n  g: {signals: [a]}\n"
        "signals:\n  a: {score: {linear: [0, 100]}}\n  b: {score: {linear: [0, 100]}}\n")
    (tmp_path / "c.csv").write_text(
        "customer_id,name,segment,arr,owner,parent_id,a,b\n"
        "p,P,x,10,o,,50,70\nc,C,x,20,o,p,60,80\n")
    actual = {}
    for columns in ("full", "summary"):
        proc = _run_cli(["score", "-w", "w.yaml", "-c", "c.csv", "-o", columns, "--columns",
                         columns, "--format", "csv", "--quiet"], tmp_path)
        assert proc.returncode == 0, proc.stderr
        for stem in ("scores", "outreach", "parents"):
            actual[(stem, columns)] = list(
                pd.read_csv(tmp_path / columns / f"{stem}.csv", nrows=0).columns)
    lists = [b for b in parse_blocks(CLI_MD) if "columns" in b.notes]
    assert {b.notes["columns"] for b in lists} == {
        "scores", "scores summary", "outreach", "outreach summary", "parents"}
    for block in lists:
        _, rows = parse_table(block)
        documented = []
        for row in rows:
            name = row[0].replace("`", "")
            if name == "driver_1 … driver_N":
                documented += ["driver_1", "driver_2", "driver_3"]
            else:  # placeholders stand for each group / signal: compare with the first ones
                documented.append(name.replace("<group>", "g").replace("<signal>", "a"))
        stem, _, columns = block.notes["columns"].partition(" ")
        expected = [c for c in actual[(stem, columns or "full")] if not c.startswith("b.")]
        assert documented == expected, f"cli.md:{block.line}: {documented} != {expected}"


def test_demo_writes_the_documented_files(tmp_path):
    """Every documented path exists (`name/` is a folder), and every file the demo writes is
    documented or lies in a documented folder (or is a documented file in another format;
    hidden marker files aside)."""
    block = next(b for b in parse_blocks(CLI_MD) if "demo-files" in b.notes)
    proc = _run_cli(["demo", "--out", "d", "--customers", "40"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "d"
    _, rows = parse_table(block)
    documented = [row[0].replace("`", "") for row in rows]
    for path in documented:
        assert (out / path).is_dir() if path.endswith("/") else (out / path).is_file(), path
    folders = tuple(p for p in documented if p.endswith("/"))
    stems = {str(Path(p).with_suffix("")) for p in documented if not p.endswith("/")}
    for file in out.rglob("*"):
        rel = file.relative_to(out).as_posix()
        if file.is_file() and not rel.startswith(folders) and not file.name.startswith("."):
            assert rel in documented or str(Path(rel).with_suffix("")) in stems, rel


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", [WEIGHTS_MD, CLI_MD], ids=["weights.md", "cli.md"])
def test_links_resolve(doc):
    """Links to other docs point at files that exist, and #anchors at headings."""
    for target, anchor in re.findall(r"\]\(([\w./-]*)(?:#([\w-]+))?\)", doc.read_text()):
        path = doc.parent / target if target else doc
        if target.startswith("http") or path.suffix != ".md":
            continue
        assert path.exists(), f"{doc.name}: link to missing {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, f"{doc.name}: no #{anchor} in {path}"


def _code_spans(text: str) -> list[str]:
    """Markdown code spans, including ``double`` and ```triple``` ones holding backticks."""
    return [m.group(2).strip() for m in re.finditer(r"(`+)(.+?)\1", text)]


def test_documented_messages_are_reported(tmp_path, monkeypatch):
    """Each example message of the validation table is what some example file produces: the
    invalid examples of weights.md and the project's validation cases (tests/cases/validation).
    """
    import yaml

    reported: list[str] = []
    sets = [{b.notes.get("file", "w.yaml"): b.text} for b in yaml_blocks()
            if "invalid" in b.notes]
    for case in sorted((ROOT / "tests" / "cases" / "validation").glob("*.yaml")):
        sets.append(yaml.safe_load(case.read_text(encoding="utf-8"))["files"])
    for i, files in enumerate(sets):
        folder = tmp_path / str(i)
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        monkeypatch.chdir(folder)
        for name in files:
            reported += [str(p) for p in healthscore.check_files([name])[1]]
    table = next(b for b in BLOCKS if "messages" in b.notes)
    _, rows = parse_table(table)
    checked = 0
    for row in rows:
        for message in _code_spans(row[1]):
            assert any(message in line for line in reported), (
                f"{table.where(WEIGHTS_MD)}: {message!r} is not reported for any example")
            checked += 1
    assert checked >= 20


def _checkout(tmp_path: Path) -> Path:
    """What a user has after cloning: the bundled data and weight files, in a scratch copy so
    nothing the README runs writes into the repository."""
    work = tmp_path / "checkout"
    for folder in ("data", "weights"):
        shutil.copytree(ROOT / folder, work / folder)
    return work


def test_readme_python_runs_as_pasted(tmp_path, monkeypatch):
    """The README's Python blocks run exactly as written, in a fresh interpreter namespace
    (nothing defined for them), and its weight file validates."""
    blocks = [b for b in parse_blocks(ROOT / "README.md") if b.kind == "fence"]
    python = [b for b in blocks if b.lang == "python"]
    yamls = [b for b in blocks if b.lang == "yaml"]
    assert python and yamls
    monkeypatch.chdir(_checkout(tmp_path))
    namespace: dict = {"__name__": "__main__"}
    for block in python:
        exec(compile(block.text, block.where(ROOT / "README.md"), "exec"), namespace)
    assert len(namespace["scores"]) == 300 and namespace["scores"]["score"].notna().any()
    assert namespace["run"].rollups is not None
    for i, block in enumerate(yamls):
        path = tmp_path / f"readme{i}.yaml"
        path.write_text(block.text)
        loaded, problems = healthscore.check_files([path])
        assert not problems, f"{block.where(ROOT / 'README.md')}: {problems}"


def _readme_paths(block: Block) -> list[str]:
    """The README's demo table as paths: "`scores/scores.csv`, `.parquet`" is two files."""
    _, rows = parse_table(block)
    paths = []
    for row in rows:
        stem = ""
        for span in _code_spans(row[0]):
            paths.append(stem + span if span.startswith(".") else span)
            stem = str(Path(paths[-1]).with_suffix(""))
    return paths


def test_readme_tour_runs_verbatim(tmp_path):
    """Every command of the README's tour (`<!-- run: tour -->` blocks) runs as written in a
    fresh checkout, in order; `pip install .` is the one line skipped (this environment has
    the package). No command writes where another already did, and the demo table lists
    every file the demo writes."""
    work = _checkout(tmp_path)
    blocks = [b for b in parse_blocks(ROOT / "README.md") if b.notes.get("run") == "tour"]
    assert len(blocks) >= 2
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}", "COLUMNS": "100"}
    targets: list[str] = []
    ran = 0
    for block in blocks:
        for number, line in enumerate(block.text.splitlines(), block.line + 1):
            if not line.strip() or line.startswith("pip install"):
                continue
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", line], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, f"README.md:{number}: {line}\n{proc.stderr}"
            assert "Traceback" not in proc.stderr, f"README.md:{number}"
            words = shlex.split(line, comments=True)
            if words[1] in ("score", "render", "demo"):
                out = words[words.index("--out") + 1] if "--out" in words else \
                    {"demo": "healthscore-demo", "score": "out"}.get(words[1], "report")
                targets.append(out.rstrip("/"))
            ran += 1
    assert ran >= 5
    assert len(targets) == len(set(targets)), f"tour commands share an output: {targets}"
    for out in targets:
        assert (work / out).is_dir(), out
    assert (work / "out" / "scores.csv").is_file()
    assert (work / "out-exports" / "scores.csv").is_file()
    assert (work / "report" / "index.html").is_file()

    table = next(b for b in parse_blocks(ROOT / "README.md") if "demo-files" in b.notes)
    documented = _readme_paths(table)
    demo = work / "healthscore-demo"
    for path in documented:
        hits = [p for p in demo.glob(path.rstrip("/"))]
        assert hits, f"README.md:{table.line}: the demo writes no {path}"
    for file in demo.rglob("*"):
        rel = file.relative_to(demo).as_posix()
        if file.is_file() and not any(part.startswith(".") for part in rel.split("/")):
            assert any(fnmatch.fnmatch(rel, p) or (p.endswith("/") and rel.startswith(p))
                       for p in documented), f"README.md:{table.line}: {rel} is not listed"
