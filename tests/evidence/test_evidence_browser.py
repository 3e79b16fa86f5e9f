"""The backtest and what-if pages in headless Chromium: they load without errors or requests,
the charts are drawn, and each chart's text alternative carries its values."""

from __future__ import annotations

import pytest

import healthscore
from healthscore.evidence.backtest import backtest
from healthscore.evidence.diff import compare
from healthscore.evidence.report import write_backtest, write_diff
from tests.render.test_render_browser import SHOTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def _open(browser, path):  # noqa: F811
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: not r.url.startswith("file:") and problems.append(r.url))
    page.goto(path.as_uri())
    return page, problems


def test_backtest_page(browser, workload, tmp_path):  # noqa: F811
    _, outcomes, wf, panel = workload
    bt = backtest(panel, outcomes, wf, rounds=10)
    write_backtest(bt, tmp_path, {t.name: t.color for t in wf.tiers})
    page, problems = _open(browser, tmp_path / "backtest.html")
    charts = page.locator("svg[role=img]")
    assert charts.count() == 3
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150
    labels = [charts.nth(i).get_attribute("aria-label") for i in range(3)]
    assert f"area under it {bt.overall.auc.auc:.3f}" in labels[0]
    first = bt.overall.calibration
    assert f"{first['predicted'][0]:.1%} predicted, {first['observed'][0]:.1%} observed" \
        in labels[1]
    assert all(f"{t.tier} {t.rate:.1%}" in labels[2] for t in bt.overall.tiers)
    rows = page.locator("#tiers tbody tr")
    assert rows.count() == len(wf.tiers)
    assert page.locator("#signals tbody tr").count() == len(bt.signals)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "backtest.png"), full_page=True)
    assert problems == []


def test_diff_page(browser, workload, tmp_path):  # noqa: F811
    customers, _, wf, _ = workload
    last = customers[customers["as_of"] == customers["as_of"].max()].drop(columns="as_of")
    risk = wf.model_copy(update={"priority": "risk", "name": "risk"})
    d = compare(healthscore.score_run(last, wf, as_of="2026-10-31"),
                healthscore.score_run(last, risk, as_of="2026-10-31"))
    write_diff(d, tmp_path)
    page, problems = _open(browser, tmp_path / "diff.html")
    chart = page.locator("svg[role=img]")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 200
    assert f"0-10: {d.old_hist[0]} then {d.new_hist[0]}" in chart.get_attribute("aria-label")
    cells = page.locator("#transitions tbody tr").first.locator("td")
    assert cells.nth(1).inner_text() == str(d.counts.iloc[0, 0])
    assert "Enter: " in page.locator("#outreach").inner_text()
    page.screenshot(path=str(SHOTS / "diff.png"), full_page=True)
    assert problems == []
