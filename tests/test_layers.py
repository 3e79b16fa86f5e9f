"""The dependencies point one way (docs/architecture.md): a stage never imports a later one,
at module level or inside a function."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "healthscore"
# stage → the healthscore packages it must never import
PUBLIC = {"score", "score_run", "load_weights", "monthly_job", "render_run", "compute_signals",
          "Run", "RunResult", "__version__"}
LATER = {"store", "trends", "monthly"}  # the run store and what reads it come after scoring
FORBIDDEN = {
    # `from healthscore import X` is the package's public face: no stage reaches up to it
    "spec": {"weights", "signals", "engine", "outputs", "pipeline", "render", "cli"} | LATER,
    "weights": {"signals", "engine", "outputs", "pipeline", "render", "cli"} | LATER,
    "signals": {"engine", "outputs", "pipeline", "render", "cli"} | LATER,
    "engine": {"signals", "outputs", "pipeline", "render", "cli"} | LATER,
    "io": {"weights", "signals", "engine", "outputs", "pipeline", "render", "cli"} | LATER,
    "render": {"signals", "outputs", "pipeline", "cli", "evidence"} | LATER,
    "store": {"signals", "outputs", "pipeline", "render", "cli", "trends", "monthly"},
    "trends": {"signals", "outputs", "pipeline", "render", "cli", "monthly"},
    # evidence reads runs (engine, signals, the store) and renders its pages; the CLI sits above
    "evidence": {"outputs", "pipeline", "cli", "monthly"},
}


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "healthscore":
            found.update(f"healthscore.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m.split(".")[1] for m in found if m.startswith("healthscore.")}


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_stage_imports_no_later_stage(stage):
    offenders = {}
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        bad = _imports(path) & (FORBIDDEN[stage] | PUBLIC)
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, f"{stage} imports a later stage: {offenders}"


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                and getattr(node.test, "id", "") == "TYPE_CHECKING"
                for stmt in node.body for n in ast.walk(stmt)}
        deps = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = (deps & modules) - {name}
    return graph


def test_no_two_modules_import_each_other():
    """Dependencies point one way inside a stage too (the weight model knows nothing of the
    profiles built from it, the kernel nothing of the run). The CLI's commands register
    themselves with the app they import, so `healthscore.cli` is left out."""
    graph = _graph()
    cycles = []
    for start in sorted(graph):
        if start.startswith("healthscore.cli"):
            continue
        stack, seen = [(start, (start,))], set()
        while stack:
            name, trail = stack.pop()
            for dep in sorted(graph[name]):
                if dep == start:
                    cycles.append(" → ".join((*trail, dep)))
                elif dep not in seen and not dep.startswith("healthscore.cli"):
                    seen.add(dep)
                    stack.append((dep, (*trail, dep)))
    assert not cycles, cycles
