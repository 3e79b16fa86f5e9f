"""Customer names, ids and owners come from exports: what the terminal is sent holds no
escape sequence or control character from them (issue 20: "Customer names with terminal
escape sequences (OSC/CSI) reach the terminal as they are"). Checked on a real `healthscore`
process, with Rich's own colours off and on."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from healthscore.cli.app import plain
from tests.conftest import ROOT, write_weights

SIGNALS = {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
           "nps": {"score": {"linear": [-20, 60]}}}
HOSTILE = {
    "osc-title": "Acme\x1b]0;pwned\x07 Corp",           # sets the window title
    "osc-clipboard": "Beta\x1b]52;c;ZWNobyBwd25lZA==\x1b\\ Ltd",  # writes the clipboard
    "csi-clear": "\x1b[2J\x1b[HGamma",                   # clears the screen
    "csi-hide": "Delta\x1b[8m hidden",                   # conceals what follows
    "c1-csi": "Eps\x9b31milon",                          # the 8-bit CSI
    "cr": "Zeta\rOverwritten",                           # rewrites the line
    "bidi": "Eta\u202egnp.exe",                          # reorders what is shown
}
# what Rich itself writes on a terminal: SGR (colours, bold), and the progress bar's hiding
# of the cursor and clearing of its own line
RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\r(\x1b\[1A)?\x1b\[2K")


def _customers() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "customer_id": [f"id-{k}\x1b[1A" for k in HOSTILE],
        "name": list(HOSTILE.values()),
        "owner": ["owner\x1b]8;;https://evil.example\x07link\x1b]8;;\x07"] * n,
        "arr": [1000.0 * (i + 1) for i in range(n)],
        "csat_pct": [60.0] * n,   # every one at risk: all on the "call first" list
        "nps": [-20.0] * n,
    })


def _healthscore(*args, cwd, colour: bool):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    if colour:
        env["FORCE_COLOR"] = "1"
    else:
        env["NO_COLOR"] = "1"
    proc = subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, timeout=120)
    # bytes decoded by hand: text mode would turn a carriage return into a newline
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                       proc.stderr.decode())


def _controls(text: str) -> list[str]:
    """Everything in `text` a terminal would act on, once Rich's own colours are set aside."""
    rest = RICH_OWN.sub("", text)
    return re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", rest)


@pytest.mark.parametrize("colour", [False, True])
def test_the_call_first_list_shows_hostile_names_as_text(tmp_path, colour):
    write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})
    _customers().to_parquet(tmp_path / "c.parquet")  # Parquet keeps every character
    proc = _healthscore("score", "-w", "w.yaml", "-c", "c.parquet", "-o", "out", "--as-of",
                        "2026-10-31", cwd=tmp_path, colour=colour)
    assert proc.returncode == 0, proc.stderr
    assert _controls(proc.stdout) == [] and _controls(proc.stderr) == []
    if colour:
        assert RICH_OWN.search(proc.stdout)  # Rich's colours still reach the terminal
    shown = RICH_OWN.sub("", proc.stdout)
    for word in ("Acme", "Corp", "Beta", "Gamma", "Delta", "hidden", "Eps", "Zeta",
                 "Overwritten", "Eta", "owner"):
        assert word in shown, word
    assert "pwned" not in shown and "evil.example" not in shown
    # the files keep the names as they are: only the terminal is protected
    assert "\x1b]0;pwned" in (tmp_path / "out" / "scores.csv").read_text()


def test_an_error_citing_hostile_ids_shows_them_as_text(tmp_path):
    write_weights(tmp_path / "w.yaml", {"min_coverage": 0, "signals": SIGNALS})
    customers = _customers()
    pd.concat([customers, customers.head(2)]).to_parquet(tmp_path / "c.parquet")
    proc = _healthscore("score", "-w", "w.yaml", "-c", "c.parquet", "-o", "out", cwd=tmp_path,
                        colour=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "id-osc-title" in proc.stderr  # the duplicate ids are cited...
    assert _controls(proc.stderr) == [] and _controls(proc.stdout) == []  # ...as text


def test_history_of_a_hostile_id_is_text(tmp_path):
    from healthscore.store import open_store

    with open_store(str(tmp_path / "s.db")):
        pass  # an empty run store
    proc = _healthscore("history", "x\x1b]0;pwned\x07[/bold]", "--store", tmp_path / "s.db",
                        cwd=tmp_path, colour=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is in no stored run" in proc.stderr and _controls(proc.stderr) == []


@pytest.mark.parametrize("text, shown", [
    ("a\x1b[31mred", "ared"), ("x\x1b]0;title\x07y", "xy"), ("x\x1b]52;c;ZQ==\x1b\\y", "xy"),
    ("a\x9b2Jb", "ab"), ("a\x9d0;t\x9cb", "ab"), ("a\rb\x00c\x7fd\x08e", "abcde"),
    ("n\u202eevil", "nevil"), ("tab\there\nline", "tab\there\nline"), ("Zoë € 株式", "Zoë € 株式"),
    ("x\x1bPq#0;2;0;0;0#1;2;100;100;0\x1b\\y", "xy"), ("trailing\x1b", "trailing"),
])
def test_plain(text, shown):
    assert plain(text) == shown


@pytest.mark.parametrize("force_terminal", [False, True])
def test_the_console_cleans_what_no_caller_cleaned(force_terminal):
    """The net under every print: a table cell, a title and a markup string holding escape
    sequences, printed as they are, come out without them."""
    import io

    from rich.table import Table
    from rich.text import Text

    from healthscore.cli.app import SafeConsole

    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=force_terminal, width=120,
                          highlight=False)
    table = Table(title="t\x1b]0;pwned\x07itle")
    table.add_column("name")
    table.add_row("raw\x1b[2Jcell")
    table.add_row(Text("text\x9b31m\rcell"))
    console.print(table)
    console.print("[bold]markup[/] \x1b]52;c;ZQ==\x07tail")
    written = out.getvalue()
    assert _controls(written) == [], repr(written)
    for word in ("itle", "raw", "cell", "markup", "tail"):
        assert word in written
