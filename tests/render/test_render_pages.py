"""What render_run writes: files, escaping, numbers on the pages, outreach lists."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from healthscore.render import render_run, safe_stem
from healthscore.render.output import MARKER
from tests.render.conftest import PINNED, TRAVERSAL_ID, XSS


def test_layout(rendered, run):
    out = rendered.out_dir
    assert rendered.scorecards == len(run.frame)
    assert (out / "index.html").is_file() and (out / MARKER).is_file()
    htmls = sorted((out / "customers").glob("*.html"))
    mds = sorted((out / "customers").glob("*.md"))
    assert len(htmls) == len(mds) == len(run.frame)
    expected = {f"{safe_stem(c)}.html" for c in run.frame["customer_id"].astype(str)}
    assert {p.name for p in htmls} == expected
    owners = sorted(run.frame["owner"].dropna().unique())
    assert len(rendered.outreach) == 3 * (1 + len(owners))
    assert all(p.is_file() for p in rendered.outreach)
    assert not list(out.parent.glob(".report.*")), "temporary folders left behind"


def test_traversal_id_stays_inside(rendered):
    out = rendered.out_dir
    stem = safe_stem(TRAVERSAL_ID)
    card = out / "customers" / f"{stem}.html"
    assert card.is_file()
    assert stem.startswith("etc-x-")
    assert not (out.parent / "etc").exists() and not (out / "etc").exists()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())


def test_script_name_is_text_in_every_html_page(rendered, run):
    out = rendered.out_dir
    stem = safe_stem(run.frame.loc[0, "customer_id"])
    pages = [out / "index.html", out / "customers" / f"{stem}.html", out / "outreach/index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert XSS not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    # every <script> on the portfolio page is our own inline table code
    portfolio = pages[0].read_text(encoding="utf-8")
    assert portfolio.count("<script") == 1
    md = (out / "customers" / f"{stem}.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_no_external_resources(rendered):
    for page in [rendered.portfolio, *rendered.out_dir.glob("customers/*.html")][:10]:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', html), page
        assert "@import" not in html


def _card(rendered, customer_id: str) -> str:
    path = rendered.out_dir / "customers" / f"{safe_stem(customer_id)}.html"
    return path.read_text(encoding="utf-8")


def test_scorecard_shows_the_engine_numbers(rendered, run):
    row = run.frame[run.frame["score"].notna()].iloc[5]
    html = _card(rendered, row["customer_id"])
    assert f"<b>{math.floor(row['score'])}</b>" in html  # whole points: truncated
    # the breakdown's total is the same shown number as the headline, never 34.1 beside 34
    assert f"<b>{math.floor(row['score'])}</b> <span class=\"muted\">/ 100" in html
    assert f"{row['score']:.1f}</b>" not in html
    assert f">{row['tier']}</span>" in html
    assert row["owner"] in html
    for key in ("csat", "nps", "open_tickets"):
        if row[f"{key}.status"] == "ok":
            assert f"{row[f'{key}.points'] + 0.0:.1f} <span class=\"muted\">/ " \
                   f"{row[f'{key}.weight'] * 100:.1f}" in html
    assert "Generated 2 Nov 2026 09:30 UTC" in html
    assert html.count("<svg") >= 2  # gauge and trend


def test_drivers_in_plain_words(rendered, run):
    frame = run.frame
    row = frame[frame["driver_1"].notna() & (frame["driver_1"] != "")].iloc[0]
    html = _card(rendered, row["customer_id"])
    section = html.split("What pulls the score down", 1)[1].split("</section>", 1)[0]
    label = run.weights.signals[row["driver_1"]].label
    assert f'<div class="what">{label}</div>' in section
    assert f"{label} of " in section


def test_insufficient_data_card(rendered, run):
    row = run.frame[run.frame["score"].isna()].iloc[0]
    html = _card(rendered, row["customer_id"])
    assert "insufficient data" in html
    assert "is needed for a score" in html
    assert "No " in html.split("Data coverage", 1)[1]  # the missing signals are listed


def test_markdown_scorecard(rendered, run):
    row = run.frame[run.frame["score"].notna()].iloc[3]
    md = (rendered.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.md").read_text()
    assert md.startswith(f"## {row['name']} — health {row['score']:.0f}/100 ({row['tier']})")
    assert "| Signal | Value | Score | Points |" in md
    assert f"| **Overall** | | **{row['score']:.0f}** |" in md


def test_summary_sentence_reads_for_any_tier_name(run, tmp_path):
    """"X is watch with a score of 66" is not English; the tier is named as a tier."""
    import dataclasses

    tiers = [t.model_copy(update={"name": n}) for t, n in
             zip(run.weights.tiers, ["Tier C", "needs attention", "good shape"], strict=True)]
    renamed = run.frame.copy()
    renamed["tier"] = renamed["tier"].cat.rename_categories(
        {t.name: n.name for t, n in zip(run.weights.tiers, tiers, strict=True)})
    other = dataclasses.replace(run, frame=renamed,
                                weights=run.weights.model_copy(update={"tiers": tiers}))
    out = render_run(other, tmp_path / "r", jobs=1)
    row = renamed[renamed["tier"] == "needs attention"].iloc[0]
    html = (out.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.html").read_text()
    summary = html.split('<p class="summary">', 1)[1].split("</p>", 1)[0]
    assert summary.startswith(f"{escape(row['name'])} scores {math.floor(row['score'])} out of "
                              "100 (tier: <b>needs attention</b>)")


def test_outreach_pages_show_the_runs_list(rendered, run):
    text = (rendered.out_dir / "outreach/index.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    # the run's own list, in its order, with its columns: the same table as scores/outreach.*
    assert [r["customer_id"] for r in rows] == run.outreach["customer_id"].astype(str).tolist()
    assert list(rows[0]) == list(run.outreach.columns)
    needs_action = run.frame[run.frame["tier"].isin(["at risk", "watch"])]
    assert {r["customer_id"] for r in rows} == set(needs_action["customer_id"].astype(str))
    priorities = [float(r["priority"]) for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    html = (rendered.out_dir / "outreach/index.html").read_text(encoding="utf-8")
    order = [html.index(f"{safe_stem(cid)}.html") for cid in run.outreach["customer_id"]]
    assert order == sorted(order)  # the page lists them in the run's order
    # a formula in a name or owner stays text in a spreadsheet
    assert all(not r["owner"].startswith("=") for r in rows)


def test_outreach_per_owner(rendered, run):
    for owner in ("Ann Lee", "Bob Okafor"):
        stem = f"owner-{safe_stem(owner)}"
        rows = list(csv.DictReader(io.StringIO(
            (rendered.out_dir / "outreach" / f"{stem}.csv").read_text(encoding="utf-8"))))
        mine = run.outreach[run.outreach["owner"] == owner]
        assert [r["customer_id"] for r in rows] == mine["customer_id"].astype(str).tolist()
        # ranked within the owner, the run's rank beside it
        assert [r["rank"] for r in rows] == [str(i) for i in range(1, len(mine) + 1)]
        assert [r["overall_rank"] for r in rows] == mine["rank"].astype(str).tolist()
        html = (rendered.out_dir / "outreach" / f"{stem}.html").read_text(encoding="utf-8")
        assert f"Outreach list · {owner}" in html
    md = (rendered.out_dir / "outreach/index.md").read_text(encoding="utf-8")
    assert md.startswith("## Outreach list — everyone")


def test_unknown_owner_is_an_error_with_a_suggestion(run, tmp_path):
    from healthscore.errors import DataError

    with pytest.raises(DataError, match="did you mean `Chen Wu`"):
        render_run(run, tmp_path / "r", owners=["Chen Wo"], jobs=1)
    assert not (tmp_path / "r").exists()


def test_owner_filter_writes_only_chosen_lists(run, tmp_path):
    result = render_run(run, tmp_path / "r", owners=["Chen Wu"], jobs=1)
    names = sorted(p.name for p in result.outreach)
    assert names == sorted(["index.html", "index.md", "index.csv",
                            *(f"owner-{safe_stem('Chen Wu')}{s}" for s in (".html", ".md",
                                                                          ".csv"))])


def test_parallel_output_equals_serial(tmp_path):
    import healthscore
    from tests.render import render_sample
    from tests.render.conftest import WEIGHTS

    big = healthscore.score_run(render_sample.customers(900, seed=11), WEIGHTS,
                                as_of=render_sample.AS_OF)
    seen: list[tuple[int, int]] = []
    a = render_run(big, tmp_path / "a", jobs=1, generated_at=PINNED)
    b = render_run(big, tmp_path / "b", jobs=2, generated_at=PINNED,
                   progress=lambda done, total: seen.append((done, total)))
    assert a.scorecards == b.scorecards == 900
    assert seen[0] == (0, 900) and seen[-1] == (900, 900) and len(seen) > 2
    files_a = sorted(p.relative_to(a.out_dir) for p in a.out_dir.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b.out_dir) for p in b.out_dir.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a[::37]:
        assert (a.out_dir / rel).read_bytes() == (b.out_dir / rel).read_bytes(), rel


@pytest.mark.parametrize("bad", ["duplicate", "empty"])
def test_bad_runs_write_nothing(run, tmp_path, bad):
    from healthscore.errors import DataError

    frame = run.frame.copy()
    if bad == "duplicate":
        frame.loc[1, "customer_id"] = frame.loc[0, "customer_id"]
    else:
        frame = frame.iloc[0:0]
    broken = dataclasses.replace(run, frame=frame)
    with pytest.raises(DataError):
        render_run(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_pages_link_to_existing_files(rendered):
    out: Path = rendered.out_dir
    for page in [out / "index.html", out / "outreach/index.html",
                 *sorted(out.glob("customers/*.html"))[:5]]:
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().is_file(), (page, href)


def test_stale_survey_is_reported_not_used(rendered, run):
    frame = run.frame
    stale = frame[frame["csat.status"] == "stale"]
    assert len(stale) > 0, "the sample should have survey answers older than 180 days"
    html = _card(rendered, stale.iloc[0]["customer_id"])
    coverage = html.split("Data coverage", 1)[1]
    assert "CSAT data is older than 180d, so it was not used" in coverage
    assert '<span class="tag status">stale</span>' in html


def test_how_computed_signals_were_computed(run, tmp_path):
    import dataclasses

    with_methods = dataclasses.replace(run, methods={
        "nps": "NPS: % promoters minus % detractors, from `surveys`, last 180d",
        "csat": "<b>sneaky</b> from `x<y`"})
    result = render_run(with_methods, tmp_path / "out", jobs=1)
    row = run.frame.iloc[6]
    html = (result.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.html").read_text()
    assert "How the values were computed" in html
    assert "from <code>surveys</code>, last 180d" in html
    assert "&lt;b&gt;sneaky&lt;/b&gt; from <code>x&lt;y</code>" in html
    md = (result.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.md").read_text()
    # code spans stay code spans in Markdown (not \`surveys\`); other text is still escaped
    assert "- **NPS**: NPS: % promoters minus % detractors, from `surveys`, last 180d" in md
    assert "- **CSAT**: &lt;b&gt;sneaky&lt;/b&gt; from `x<y`" in md
    assert "\\`" not in md
    plain = render_run(run, tmp_path / "plain", jobs=1)
    html = (plain.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.html").read_text()
    assert "How the values were computed" not in html


def test_parent_scorecard_lists_children_and_the_roll_up(rendered, run):
    """Where the two figures meet: the portfolio's parent row is the family roll-up (the
    parent's own account included) and says so; the parent's own scorecard shows its own
    score, the roll-up and every child."""
    frame = run.frame.set_index("customer_id")
    kids = frame[frame["parent_id"] == "C1020"]
    family = frame.loc[[*kids.index, "C1020"]]
    scored = family[family["score"].notna()]
    rolled = (scored["score"] * scored["arr"]).sum() / scored["arr"].sum()
    parent = run.rollups.set_index("parent_id").loc["C1020"]
    assert parent["score"] == pytest.approx(rolled)  # own account counted, ARR-weighted
    assert parent["own_score"] == pytest.approx(frame.loc["C1020", "score"])
    assert parent["arr"] == pytest.approx(family["arr"].sum())
    shown = f"{math.floor(rolled)}"

    portfolio = rendered.portfolio.read_text(encoding="utf-8")
    assert "Parent accounts · rolled-up scores" in portfolio
    row = portfolio.split('data-parent="C1020"', 1)[1].split("</tr>", 1)[0]
    assert f">{shown}</span>" in row and parent["tier"] in row
    assert f'<td class="num own">{math.floor(frame.loc["C1020", "score"])}</td>' in row

    html = _card(rendered, "C1020")
    section = html.split('id="family"', 1)[1].split("</section>", 1)[0]
    assert f"Its own score is <b>{math.floor(frame.loc['C1020', 'score'])}</b>" in section
    assert f">{shown}</span> ({parent['tier']})" in section
    assert section.count("<tr>") == len(kids) + 1  # header + one row per child
    for name in kids["name"]:
        assert f">{escape(name)}</a>" in section
    md = (rendered.out_dir / "customers" / f"{safe_stem('C1020')}.md").read_text()
    assert f"family roll-up (ARR-weighted mean of its own account and {len(kids)} child " \
           f"accounts): **{shown}** ({parent['tier']})" in md

    child = _card(rendered, kids.index[0])
    assert f'part of <a href="../customers/{safe_stem("C1020")}.html">' \
           f'{escape(frame.loc["C1020", "name"])}</a> (family roll-up {shown}, ' \
           f'{parent["tier"]})' in child


def test_scorecard_says_when_a_whole_group_has_no_data(tmp_path):
    """No CSAT, NPS or CES at all: the score is made of the other groups, and the scorecard
    says so next to the score, not only in the coverage figure."""
    import healthscore
    from tests.render.conftest import WEIGHTS, render_sample, sample_frame

    table = sample_frame(20)
    table.loc[4, ["csat_pct", "nps", "ces"]] = None
    table.loc[5, ["csat_pct", "nps", "ces"]] = [80, 30, 2]
    table.loc[5, "last_survey_at"] = pd.Timestamp(render_sample.AS_OF) - pd.Timedelta(days=10)
    run = healthscore.score_run(table, WEIGHTS, as_of=render_sample.AS_OF)
    frame = run.frame
    assert frame.loc[4, "score"] == frame.loc[4, "score"]  # still scored
    assert frame.loc[5, "sentiment.score"] == frame.loc[5, "sentiment.score"]
    out = render_run(run, tmp_path / "r", jobs=1)

    def page(i: int, suffix: str) -> str:
        stem = safe_stem(str(frame.loc[i, "customer_id"]))
        return (out.out_dir / "customers" / f"{stem}.{suffix}").read_text(encoding="utf-8")

    box = page(4, "html").split('class="scorebox"', 1)[1].split("</header>", 1)[0]
    assert '<div class="gap" role="note"><b>No data for Sentiment</b>' in box
    assert "**No data for Sentiment:** this score rests on the other signals only." in \
        page(4, "md")
    assert "No data for" not in page(5, "html") and "No data for" not in page(5, "md")
