"""The rendered pages in a real browser: headless Chromium opening files from disk.

Checks what a person would notice: the pages load without console errors or network
requests, the table sorts and filters, scorecard links open the right customer, a hostile
customer name does not run, and the scorecard prints. Screenshots (and a printed PDF) are kept
in `test-artifacts/` to look at. Never skipped: CI installs Debian's chromium, and a missing
browser fails with a message saying so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from healthscore.render import render_run, safe_stem
from tests.render.conftest import PINNED, XSS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("HEALTHSCORE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("HEALTHSCORE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
                    "(apt-get install chromium) or set HEALTHSCORE_CHROMIUM to its path")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package `playwright` is missing: pip install '.[test]' "
                    "(the browser itself is Debian's chromium; never `playwright install`)")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(run, history, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "report"
    render_run(run, out, history=history, jobs=1, generated_at=PINNED)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return out


class Watch:
    """Console errors, page errors, dialogs and every request of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def assert_clean(self):
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        foreign = [u for u in self.requests if not u.startswith(("file://", "data:", "about:"))]
        assert foreign == [], f"network requests: {foreign}"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def visible_rows(page, table: str = "#customers"):
    return page.locator(f"{table} tbody tr:not([hidden])")


def column_values(page, index: int, table: str = "#customers") -> list[str]:
    return visible_rows(page, table).evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-v') ?? "
        f"r.cells[{index}].textContent.trim())")


def test_portfolio_loads_clean_and_sorts(page, site, run):
    watch = Watch(page)
    page.goto((site / "index.html").as_uri())
    assert page.title().startswith("SaaS default · portfolio health")
    assert visible_rows(page).count() == len(run.frame)
    assert page.locator("[data-count]").inner_text() == f"{len(run.frame)} of {len(run.frame)}"
    page.screenshot(path=str(SHOTS / "portfolio.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "portfolio-top.png"))

    score_col = 4
    page.click("#customers th:nth-child(5)")  # Score
    scores = [float(v) for v in column_values(page, score_col) if v]
    assert scores == sorted(scores) and len(scores) == run.frame["score"].notna().sum()
    assert column_values(page, score_col)[-1] == ""  # unscored customers last
    page.click("#customers th:nth-child(5)")
    scores = [float(v) for v in column_values(page, score_col) if v]
    assert scores == sorted(scores, reverse=True)
    assert page.get_attribute("#customers th:nth-child(5)", "aria-sort") == "descending"

    page.click("#customers th:nth-child(6)")  # ARR ascending
    arr = [float(v) for v in column_values(page, 5) if v]
    assert arr == sorted(arr)
    page.click("#customers th:nth-child(1)")  # Customer, by name
    names = [n.lower() for n in visible_rows(page).locator("td.cust a").all_inner_texts()]
    assert names == sorted(names)
    watch.assert_clean()


def test_portfolio_filters(page, site, run):
    watch = Watch(page)
    page.goto((site / "index.html").as_uri())
    frame = run.frame
    page.select_option("select[data-filter=owner]", "Ann Lee")
    owners = visible_rows(page).evaluate_all("rows => rows.map(r => r.dataset.owner)")
    assert owners and set(owners) == {"Ann Lee"}
    assert len(owners) == (frame["owner"] == "Ann Lee").sum()

    page.select_option("select[data-filter=tier]", "at risk")
    expected = ((frame["owner"] == "Ann Lee") & (frame["tier"] == "at risk")).sum()
    assert visible_rows(page).count() == expected
    assert page.locator("[data-count]").inner_text() == f"{expected} of {len(frame)}"

    page.select_option("select[data-filter=owner]", "")
    page.select_option("select[data-filter=tier]", "")
    page.select_option("select[data-filter=segment]", "ent")
    assert visible_rows(page).count() == (frame["segment"] == "ent").sum()
    page.select_option("select[data-filter=segment]", "")

    target = frame.iloc[7]
    page.fill("input[data-filter=q]", str(target["customer_id"]))
    ids = visible_rows(page).locator("td.cust .small").all_inner_texts()
    assert str(target["customer_id"]) in ids
    page.fill("input[data-filter=q]", "no customer has this name")
    assert visible_rows(page).count() == 0
    page.fill("input[data-filter=q]", "")
    assert visible_rows(page).count() == len(frame)
    page.select_option("select[data-filter=owner]", "Bob Okafor")
    page.locator("section[data-table-scope]").screenshot(path=str(SHOTS / "portfolio-filtered.png"))
    watch.assert_clean()


def test_scorecard_links_resolve(page, site, run):
    watch = Watch(page)
    page.goto((site / "index.html").as_uri())
    links = visible_rows(page).locator("td.cust a")
    for i in (0, 5, links.count() - 1):
        name = links.nth(i).inner_text()
        links.nth(i).click()
        page.wait_for_load_state()
        assert page.url.startswith((site / "customers").as_uri())
        assert page.locator("h1").inner_text() == name
        page.go_back()
        page.wait_for_load_state()
    watch.assert_clean()


def test_scorecard_page(page, site, run, history):
    watch = Watch(page)
    frame = run.frame
    row = frame[frame["score"].notna() & frame["driver_1"].notna()].iloc[2]
    page.goto((site / "customers" / f"{safe_stem(row['customer_id'])}.html").as_uri())
    assert page.locator("h1").inner_text() == row["name"]
    assert page.locator(".gauge").count() == 1 and page.locator(".trend").count() == 1
    assert page.locator(".drivers li").count() >= 1
    page.screenshot(path=str(SHOTS / "scorecard.png"), full_page=True)
    page.locator("a", has_text="Portfolio").click()
    page.wait_for_load_state()
    assert page.url == (site / "index.html").as_uri()
    page.go_back()
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "scorecard-print.png"), full_page=True)
    pdf = page.pdf(path=str(ARTIFACTS / "scorecard.pdf"), format="A4", print_background=True)
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    watch.assert_clean()


def test_hostile_name_shows_as_text(page, site, run):
    watch = Watch(page)
    page.goto((site / "customers" / f"{safe_stem(run.frame.loc[0, 'customer_id'])}.html")
              .as_uri())
    assert page.locator("h1").inner_text() == XSS
    page.goto((site / "index.html").as_uri())
    assert XSS in visible_rows(page).locator("td.cust a").all_inner_texts()
    watch.assert_clean()  # includes: no alert() dialog opened


def test_insufficient_data_scorecard(page, site, run):
    watch = Watch(page)
    row = run.frame[run.frame["score"].isna()].iloc[0]
    page.goto((site / "customers" / f"{safe_stem(row['customer_id'])}.html").as_uri())
    assert "insufficient data" in page.locator(".scorebox").inner_text()
    page.screenshot(path=str(SHOTS / "scorecard-insufficient.png"), full_page=True)
    watch.assert_clean()


def test_outreach_page(page, site, run):
    watch = Watch(page)
    page.goto((site / "outreach" / "index.html").as_uri())
    ranks = [int(v) for v in column_values(page, 0, "#outreach")]
    assert ranks == run.outreach["rank"].tolist()  # the run's list, in its order
    page.screenshot(path=str(SHOTS / "outreach.png"))
    page.select_option("select[data-filter=owner]", "Chen Wu")
    owners = visible_rows(page, "#outreach").evaluate_all("rows => rows.map(r => r.dataset.owner)")
    assert set(owners) == {"Chen Wu"}
    page.locator(".owners a", has_text="Dana Ruiz").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Outreach list · Dana Ruiz"
    page.screenshot(path=str(SHOTS / "outreach-owner.png"), full_page=True)
    watch.assert_clean()


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    import healthscore
    from tests.render import render_sample
    from tests.render.conftest import WEIGHTS

    run = healthscore.score_run(render_sample.customers(900, seed=5), WEIGHTS,
                                as_of=render_sample.AS_OF)
    out = tmp_path_factory.mktemp("browser-big") / "report"
    render_run(run, out, jobs=2, generated_at=PINNED)
    return run, out


def test_large_table_pages_sorts_and_filters_over_all_rows(page, big_site):
    run, out = big_site
    frame = run.frame
    watch = Watch(page)
    page.goto((out / "index.html").as_uri())
    assert visible_rows(page).count() == 250
    assert page.locator("[data-count]").inner_text() == "250 shown · 900 of 900"
    page.click("[data-more]")
    assert visible_rows(page).count() == 500

    page.click("#customers th:nth-child(5)")  # score ascending, over all 900 rows
    assert visible_rows(page).count() == 250
    shown = [float(v) for v in column_values(page, 4)]
    assert shown == sorted(frame["score"].dropna())[:250]

    owner = "Chen Wu"
    page.select_option("select[data-filter=owner]", owner)
    mine = frame[frame["owner"] == owner]
    shown_owners = visible_rows(page).evaluate_all("rows => rows.map(r => r.dataset.owner)")
    assert set(shown_owners) == {owner}
    assert len(shown_owners) == min(250, len(mine))
    assert page.locator("[data-count]").inner_text().endswith(f"{len(mine)} of 900")
    mine_scores = sorted(mine["score"].dropna())
    assert [float(v) for v in column_values(page, 4) if v] == mine_scores[:250]  # still sorted
    while page.locator("[data-more]").is_visible():
        page.click("[data-more]")
    assert visible_rows(page).count() == len(mine)
    watch.assert_clean()
