"""Shared test helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# every `python -m healthscore` a test starts runs this checkout, not an installed copy
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
CASES = Path(__file__).resolve().parent / "cases"


def write_weights(path: Path, body: dict) -> Path:
    """A weight file from a mapping, with the required `version` and `name` filled in."""
    data = {"version": 1, "name": "test", **body}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def cli(tmp_path):
    """Run the installed `healthscore` command in a subprocess, in a scratch folder."""
    import subprocess

    def run(*args: str, cwd: Path | None = None, check_code: int | None = None):
        # the package of this tree, not a copy installed in the environment
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        proc = subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)],
                              cwd=cwd or tmp_path, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": path})
        if check_code is not None:
            assert proc.returncode == check_code, (proc.stdout, proc.stderr)
        return proc

    return run


def pytest_sessionfinish(session, exitstatus):
    """In CI no test may be skipped: a skip there hides a missing server or browser."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; every test must run in CI",
                            red=True)
        session.exitstatus = 1
