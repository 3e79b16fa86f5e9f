"""`healthscore render` end to end through the Typer app."""

from __future__ import annotations

from typer.testing import CliRunner

from healthscore.cli.app import app
from tests.render import render_sample
from tests.render.conftest import WEIGHTS


def test_render_command(tmp_path, run):
    customers = tmp_path / "customers.csv"
    render_sample.customers(40).to_csv(customers, index=False)
    history = tmp_path / "history.csv"
    render_sample.history(run.frame).to_csv(history, index=False)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, [
        "render", "-w", str(WEIGHTS), "-c", str(customers), "--as-of", "2026-11-01",
        "--history", str(history), "--owner", "Ann Lee", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "rendered 40 scorecards" in result.output
    assert (out / "index.html").is_file()
    assert len(list((out / "customers").glob("*.html"))) == 40
    owner_lists = sorted(p.name for p in (out / "outreach").glob("owner-*.csv"))
    assert len(owner_lists) == 1 and owner_lists[0].startswith("owner-ann-lee-")
    assert "Score trend" in next((out / "customers").glob("*.html")).read_text()
