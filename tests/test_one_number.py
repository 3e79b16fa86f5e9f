"""One customer, every output: the same score, tier, rank and reasons everywhere.

The tables keep the exact score; every page shows it by the one display rule (whole points,
truncated); the outreach list is the run's own, in its order, in the terminal's table, the CSVs
and the pages; the `reasons` column and the scorecard word the drivers alike.
"""

from __future__ import annotations

import html
import math
from datetime import date

import pandas as pd
import pytest

import healthscore
from healthscore.render import safe_stem
from tests.conftest import ROOT

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("job")
    wf = healthscore.load_weights(ROOT / "weights" / "default.yaml")
    result = healthscore.monthly_job(wf, out, as_of=AS_OF,
                                     customers=ROOT / "data" / "customers.csv")
    return out, result


def _read(path):
    return pd.read_csv(path, dtype={"customer_id": str}, keep_default_na=False)


def test_one_customer_reads_alike_in_every_output(job):
    out, result = job
    scores = _read(out / "scores" / "scores.csv").set_index("customer_id")
    outreach = _read(out / "scores" / "outreach.csv")
    pages_csv = _read(out / "reports" / "outreach" / "index.csv")
    # one outreach table, written once, rendered everywhere
    pd.testing.assert_frame_equal(outreach, pages_csv)
    assert outreach["customer_id"].tolist() == \
        result.run.outreach["customer_id"].astype(str).tolist()
    outreach_page = (out / "reports" / "outreach" / "index.html").read_text(encoding="utf-8")
    portfolio = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for position in (0, 1, len(outreach) // 2, len(outreach) - 1):
        row = outreach.iloc[position]
        cid = row["customer_id"]
        exact = float(scores.loc[cid, "score"])
        shown = str(math.floor(exact + 1e-9))
        assert float(row["score"]) == exact and row["tier"] == scores.loc[cid, "tier"]
        assert row["reasons"] == scores.loc[cid, "reasons"]
        card = (out / "reports" / "customers" / f"{safe_stem(cid)}.html").read_text("utf-8")
        assert f">{shown}</text>" in card            # the gauge
        assert f" scores {shown} out of 100" in card  # the summary sentence
        assert f"<b>{shown}</b> <span class=\"muted\">/ 100" in card  # the breakdown's total
        assert f"{exact:.1f}</b>" not in card or exact == int(exact)
        for sentence in row["reasons"].split("; "):   # the drivers, in the engine's words
            assert html.escape(sentence, quote=False) in card
        md = (out / "reports" / "customers" / f"{safe_stem(cid)}.md").read_text("utf-8")
        assert f"health {shown}/100 ({row['tier']})" in md
        # the pages' rows for this customer show the same shown score
        link = f"customers/{safe_stem(cid)}.html"
        for page in (outreach_page, portfolio):
            start = page.index(link)
            row_html = page[page.rfind("<tr", 0, start):page.index("</tr>", start)]
            assert f">{shown}<" in row_html or f"{shown}</" in row_html, cid


def test_terminal_call_first_table_is_the_runs_list(job):
    from rich.console import Console

    from healthscore.cli.summary import lowest_table

    _, result = job
    console = Console(width=200, record=True)
    console.print(lowest_table(result.run, n=5))
    text = console.export_text()
    names = result.run.outreach["name"].head(5).tolist()
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    for score in result.run.outreach["score"].head(5):
        assert f" {math.floor(score + 1e-9)} " in text
