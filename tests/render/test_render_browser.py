"""The rendered pages in a real browser: headless Chromium opening files from disk.

Checks what a person would notice: the pages load without console errors or network
requests, the table sorts and filters, scorecard links open the right customer, a hostile
customer name does not run, and the scorecard prints. Screenshots (and a printed PDF) are kept
in `test-artifacts/` to look at. Never skipped: CI installs Debian's chromium, and a missing
browser fails with a message saying so.
"""

from __future__ import annotations

import math
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


# -- every page at phone width, pill contrast, one number per customer on every page -------

WIDTHS = {"desktop": 1400, "phone": 400}


def _pages(site, run) -> dict[str, Path]:
    """The portfolio, everyone's and one owner's outreach list, and three scorecards: a
    parent account's (family table, gauge, breakdown), a child's and an unscored one."""
    frame = run.frame
    parent = run.rollups["parent_id"].iloc[0]
    child = frame.loc[frame["parent_id"].notna(), "customer_id"].iloc[0]
    unscored = frame.loc[frame["score"].isna(), "customer_id"].iloc[0]
    return {"portfolio": site / "index.html", "outreach": site / "outreach" / "index.html",
            "outreach-owner": next((site / "outreach").glob("owner-*.html")),
            "scorecard-parent": site / "customers" / f"{safe_stem(parent)}.html",
            "scorecard-child": site / "customers" / f"{safe_stem(child)}.html",
            "scorecard-unscored": site / "customers" / f"{safe_stem(unscored)}.html"}


def _overflow(page) -> tuple[int, list[str]]:
    """The document's scroll width and the elements that stick out past the viewport."""
    return page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        const name = e => e.tagName + '.' + (e.getAttribute('class') || '');
        const all = [...document.querySelectorAll('body *')];
        // sticking out of the page, or scrolling sideways inside it (a table in its wrapper)
        const out = all.filter(e => e.getBoundingClientRect().right > w + 0.5).map(name)
            .concat(all.filter(e => e.scrollWidth > e.clientWidth + 1
                                    && /auto|scroll/.test(getComputedStyle(e).overflowX))
                       .map(e => 'scrolls: ' + name(e)));
        return [document.documentElement.scrollWidth, out.slice(0, 5)];
    }""")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_no_horizontal_scroll_and_screenshots(browser, site, run, width):
    """Every page fits the screen (no sideways scrolling) at 1400 px and at a phone's 400 px;
    screenshots of both widths are kept in test-artifacts/screenshots to look at."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    for name, path in _pages(site, run).items():
        page.goto(path.as_uri())
        scroll, sticking_out = _overflow(page)
        assert scroll <= width, f"{name} at {width} px scrolls sideways ({scroll}): {sticking_out}"
        assert sticking_out == [], f"{name} at {width} px: {sticking_out}"
        if name.startswith("scorecard"):  # the gauge and breakdown are on screen
            for part in (".gauge", ".breakdown"):
                box = page.locator(part).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, part, box)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"),
                        full_page=not name.startswith("outreach"))
    watch.assert_clean()
    context.close()


def test_outreach_rows_stay_short_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 400, "height": 900})
    page = context.new_page()
    page.goto((site / "outreach" / "index.html").as_uri())
    heights = visible_rows(page, "#outreach").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert heights and max(heights) < 220, max(heights)  # was 400 px with squeezed columns
    # what a CSM needs on the phone: rank, name, score, ARR and the reasons
    first = visible_rows(page, "#outreach").first
    for cell in ("td.rank", "td.cust", "td.score", "td.arr", "td.why"):
        assert first.locator(cell).is_visible(), cell
    context.close()


def _hex(css: str) -> str:
    r, g, b = (int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _pill_contrasts(page) -> list[tuple[str, str, str, float]]:
    from healthscore.render.colors import contrast

    styles = page.locator(".pill").evaluate_all(
        "ps => ps.map(p => [p.textContent.trim(), getComputedStyle(p).backgroundColor, "
        "getComputedStyle(p).color])")
    return [(text, _hex(bg), _hex(ink), contrast(_hex(bg), _hex(ink)))
            for text, bg, ink in styles]


def test_tier_pills_pass_wcag_aa(page, site, run):
    seen = set()
    for path in _pages(site, run).values():
        page.goto(path.as_uri())
        pills = _pill_contrasts(page)
        assert pills
        low = [p for p in pills if p[3] < 4.5]
        assert low == [], low
        seen |= {p[1] for p in pills}
    assert {"#d64545", "#e8a317", "#2f9e44"} <= seen  # every default tier colour was checked


def test_tier_pills_pass_wcag_aa_with_user_colours(browser, run, tmp_path):
    """Colours a user sets in the weight file, a mid grey (neither dark nor white ink would
    do), a pale yellow and a dark blue, still get readable pills."""
    import dataclasses

    colours = ["#777777", "#fff59d", "#1e3a8a"]
    tiers = [t.model_copy(update={"color": c})
             for t, c in zip(run.weights.tiers, colours, strict=True)]
    mine = dataclasses.replace(run, weights=run.weights.model_copy(update={"tiers": tiers}))
    out = tmp_path / "colours"
    render_run(mine, out, jobs=1, generated_at=PINNED)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    seen = set()
    for path in (out / "index.html", out / "outreach" / "index.html"):
        page.goto(path.as_uri())
        pills = _pill_contrasts(page)
        assert [p for p in pills if p[3] < 4.5] == []
        seen |= {p[1] for p in pills}
    assert set(colours) <= seen
    page.screenshot(path=str(SHOTS / "outreach-user-colours.png"))
    context.close()


def test_charts_carry_their_values_as_text(page, site, run):
    page.goto((site / "index.html").as_uri())
    label = page.locator("svg.histogram").get_attribute("aria-label")
    scores = run.frame["score"].dropna()
    seventy = scores[(scores >= 70) & (scores < 80)]
    assert f"70–80: {len(seventy)}" in label
    tiers = run.frame.loc[seventy.index, "tier"].value_counts()
    for tier, count in tiers.items():
        if count and len(tiers[tiers > 0]) > 1:
            assert f"{count} {tier}" in label
    bar = page.locator("svg.stacked").get_attribute("aria-label")
    for tier, count in run.frame["tier"].value_counts().items():
        assert f"{tier}: {count}" in bar
    row = run.frame[run.frame["score"].notna()].iloc[2]
    page.goto((site / "customers" / f"{safe_stem(row['customer_id'])}.html").as_uri())
    shown = page.locator(".scorebox .gauge text").first.text_content()
    assert page.locator(".gauge").get_attribute("aria-label") == f"score {shown} out of 100"
    trend = page.locator("svg.trend").get_attribute("aria-label")
    assert trend.startswith("Score over time: ") and trend.endswith(f"{shown} {row['tier']}")


def test_one_customer_has_the_same_numbers_on_every_page(page, site, run):
    """The outreach list's first customer: score, tier and ARR as the portfolio row, the
    scorecard's headline, gauge and Overall row, and the outreach row show them."""
    page.goto((site / "outreach" / "index.html").as_uri())
    first = visible_rows(page, "#outreach").first
    name = first.locator("td.cust a").inner_text()
    href = first.locator("td.cust a").get_attribute("href")
    on_list = {"score": first.locator("td.score .pill").inner_text(),
               "arr": first.locator("td.arr").inner_text(),
               "tier": first.locator("td.score .pill").get_attribute("title")}
    stems = {f"../customers/{safe_stem(c)}.html": i for i, c in
             run.frame["customer_id"].astype(str).items()}
    row = run.frame.loc[stems[href]]
    assert row["name"] == name

    page.goto((site / "index.html").as_uri())
    page.fill("input[data-filter=q]", str(row["customer_id"]))
    mine = visible_rows(page).filter(
        has=page.locator(f'td.cust a[href="{href.removeprefix("../")}"]'))
    assert mine.count() == 1
    on_portfolio = {"score": mine.locator("td").nth(4).inner_text().strip(),
                    "arr": mine.locator("td").nth(5).inner_text(),
                    "tier": mine.locator(".pill").inner_text()}
    assert on_portfolio == on_list

    page.goto((site / "outreach" / href).as_uri())
    assert page.locator("h1").inner_text() == name
    gauge = page.locator(".scorebox .gauge text").first.text_content()
    overall = page.locator(".breakdown tfoot .scorecell b").inner_text()
    summary = page.locator("p.summary").inner_text()
    assert gauge == overall == on_list["score"]
    assert summary.startswith(f"{name} scores {on_list['score']} out of 100 "
                              f"(tier: {on_list['tier']})")
    assert page.locator(".scorebox .pill").inner_text() == on_list["tier"]
    assert on_list["score"] == str(math.floor(row["score"]))  # the engine's number
    assert on_list["tier"] == row["tier"]
