"""docs/tuning.md runs as written and its figures are what the commands print.

Each ```bash block's lines run in a scratch folder holding a copy of `weights/`; each line of a
```text block must appear (whitespace aside) in the output of the bash block before it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

from tests.conftest import ROOT

DOC = ROOT / "docs" / "tuning.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_tuning_walkthrough_runs_and_prints_its_figures(tmp_path):
    shutil.copytree(ROOT / "weights", tmp_path / "weights")
    env = {**os.environ, "COLUMNS": "100"}
    output, ran = "", 0
    for lang, body in FENCE.findall(DOC.read_text(encoding="utf-8")):
        if lang == "bash":
            output = ""
            for line in body.strip().splitlines():
                words = shlex.split(line)
                if words[0] == "python":
                    words = [sys.executable, *words[1:]]
                elif words[0] == "healthscore":
                    words = [sys.executable, "-m", "healthscore", *words[1:]]
                proc = subprocess.run(words, cwd=tmp_path, capture_output=True, text=True,
                                      env=env, timeout=600)
                assert proc.returncode == 0, (line, proc.stdout, proc.stderr)
                output += proc.stdout
                ran += 1
        elif lang == "text":
            for expected in body.strip().splitlines():
                assert _flat(expected) in _flat(output), expected
    assert ran == 5
    assert (tmp_path / "backtest" / "backtest.html").exists()
    assert (tmp_path / "whatif" / "diff.html").exists()
