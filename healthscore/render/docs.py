"""Generate `docs/templates.md` from the context models, so the reference cannot drift.

Run `python -m healthscore.render.docs > docs/templates.md` after changing a model; a test
compares the file with this output.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from healthscore.render import context as ctx
from healthscore.render.env import TEMPLATES

INTRO = """\
# Templates and their context

healthscore renders every page from a Jinja template. The built-in templates live in the
top-level `templates/` folder (inside the wheel: `healthscore/_bundled/templates`). To change a
page, copy the template you want into a folder of your own and point at it:

    healthscore render --weights weights/default.yaml --customers customers.csv \\
        --templates my-templates/ --out report/

Any template missing from your folder falls back to the built-in one, so a folder holding only
`scorecard.md.j2` changes only the Markdown scorecard. Partials can be replaced the same way:
`_style.css` (the shared stylesheet), `_base.html.j2` (page layout), `_macros.html.j2`,
`_table.css` and `_table.js` (the sortable, filterable tables: give a table `data-table` and
`data-page="250"` to show 250 rows at a time, `data-sort="text|num"` on sortable headers,
`data-v` on cells whose sort value differs from their text, `data-filter="<attribute>"` on a
select or `data-filter="q"` on a search box, and `data-<attribute>` on the rows).

Rules that hold for every template:

- A template folder of your own runs in Jinja's sandbox: it reads the context below and calls
  the filters, never Python internals (`__class__`, `__subclasses__`, `__globals__`); trying is
  a template error naming the file and line ([security](security.md)).
- A page of your own templates renders for at most 300 seconds: a loop that does not end (a
  loop inside a loop over every customer) is stopped there, a template error naming the file
  and the line it was on (`PageTimeLimit`); nothing is written.
- HTML templates (`*.html.j2`) escape every value automatically: a customer named
  `<script>alert(1)</script>` is shown as text. Markdown templates are not HTML-escaped; use the
  `md` filter for values inside Markdown tables.
- An undefined variable is an error (Jinja `StrictUndefined`) that names the template file and
  line, so a typo cannot silently render an empty page.
- Numbers are the engine's, unrounded; round them for display with the filters below.
- Links in the context are relative to the output root; each page gets `root`, the relative
  path from that page back to the root, so write `{{ root }}{{ customer.href }}`.
- Pages must work opened from disk: inline your CSS and JavaScript, load nothing from the
  network.

A complete Markdown scorecard of your own, e.g. for a CRM that wants one line per customer:

```jinja
{# my-templates/scorecard.md.j2 #}
{% set c = customer %}
{{ c.name | md }}: {{ c.score | score }}/100 ({{ c.tier }}), owner {{ c.owner or "none" }}.
{% for d in drivers %}- {{ d.text | md }} (−{{ d.lost_points | points }} points)
{% endfor %}
{% if trend and trend.change_month is not none %}
Since last month: {{ trend.change_month | signed }}.
{% endif %}
```

This file is generated from the context models (`healthscore/render/context.py`) by
`python -m healthscore.render.docs`; a test fails when the two differ.

## Pages

| template | written to | context |
|---|---|---|
| `scorecard.html.j2` | `customers/<stem>.html` | [ScorecardContext](#scorecardcontext) |
| `scorecard.md.j2` | `customers/<stem>.md` | [ScorecardContext](#scorecardcontext) |
| `portfolio.html.j2` | `index.html` | [PortfolioContext](#portfoliocontext) |
| `outreach.html.j2` | `outreach/index.html`, `outreach/owner-<stem>.html` | [OutreachContext][o] |
| `outreach.md.j2` | `outreach/index.md`, `outreach/owner-<stem>.md` | [OutreachContext][o] |

[o]: #outreachcontext

The outreach CSV (`outreach/*.csv`) is not templated: it is the run's outreach list
(`scores/outreach.csv`), its rows of that owner for an owner's list, with the same columns:
`rank, customer_id, name, segment, owner, arr, profile, score, tier, coverage, priority,
driver_1, driver_2, driver_3, reasons`.

`<stem>` is a safe file name made from the customer id (or owner name): a readable slug plus a
short hash of the exact id, e.g. `acme-corp-1f3a9c2e`, so ids with slashes, dots or spaces
cannot leave the output folder and two ids never share a file.

## Filters

| filter | example | gives |
|---|---|---|
| `score` | `{{ customer.score \\| score }}` | `62`: whole points, truncated (the one display \
rule); `—` when None |
| `points` | `{{ signal.points \\| points }}` | `12.4`: a contribution in points, one decimal |
| `pct(digits=0)` | `{{ customer.coverage \\| pct }}` | `83%` (from 0.83) |
| `signed(digits=1)` | `{{ customer.change \\| signed }}` | `+4`, `−3` (a change of shown \
scores); `+4.2` for decimals |
| `money(currency="$")` | `{{ customer.arr \\| money(run.currency) }}` | `$12.3k`, `$4.1M` |
| `money_full(currency="$")` | `{{ customer.arr \\| money_full(run.currency) }}` | `$12,300` |
| `compact` | `{{ entry.priority \\| compact }}` | `51.5M` |
| `num` | `{{ 1234.5 \\| num }}` | `1,234` (2 decimals under 10, 1 under 100) |
| `day(fmt="%-d %b %Y")` | `{{ run.as_of \\| day }}` | `1 Nov 2026` |
| `md` | `{{ customer.name \\| md }}` | text safe inside a Markdown table cell |
| `ticks` | `{{ signal.method \\| ticks }}` | HTML: `` `x` `` becomes `<code>x</code>` |
| `md_code` | `{{ signal.method \\| md_code }}` | like `md`, but `` `x` `` stays a code span |

## Functions (inline SVG charts and colours)

| function | gives |
|---|---|
| `gauge(score, color, tiers, label=None)` | half-circle gauge; `label`: the score as shown |
| `trend_chart(points, tiers)` | score over time (`trend.points`) with tier bands |
| `histogram_chart(bins)` | score distribution (`histogram`), each bar stacked by tier |
| `stacked_bar(parts)` | one bar from `(label, value, colour)` tuples |
| `score_color(score, tiers)` | colour of the tier a 0–100 score falls in (the engine's tier rule) |
| `ink_on(color)` | text colour on `color` with WCAG AA contrast (≥ 4.5:1) |
| `bar(value, color, max=100)` | a horizontal bar filled to value/max |
| `missing_groups(groups)` | the groups with no data at all for this customer (outermost only) |
| `max_of(items, attribute)` | largest value of an attribute: `max_of(signals, "max_points")` |
| `static(name)` | a partial's text as is (CSS, JavaScript), read once |

## Context models
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args)
    if origin is list:
        return f"list[{_type_name(args[0])}]"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


MODELS: list[type[BaseModel]] = [
    ctx.ScorecardContext, ctx.PortfolioContext, ctx.OutreachContext, ctx.RunInfo,
    ctx.TierInfo, ctx.CustomerSummary, ctx.GroupView, ctx.SignalView, ctx.DriverView,
    ctx.Trend, ctx.TrendPoint, ctx.TierSummary, ctx.HistogramBin, ctx.HistogramPart, ctx.Mover,
    ctx.TierShare,
    ctx.PortfolioTotals, ctx.OwnerSummary, ctx.ParentView, ctx.OutreachEntry, ctx.OwnerList,
]


def model_section(model: type[BaseModel]) -> str:
    doc = " ".join((model.__doc__ or "").split())
    lines = [f"### {model.__name__}", "", doc, "", "| variable | type | meaning |", "|---|---|---|"]
    hints = typing.get_type_hints(model)
    for name, field in model.model_fields.items():
        desc = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_name(hints[name])} | {desc} |")
    return "\n".join(lines) + "\n"


def render_docs() -> str:
    """The whole `docs/templates.md`."""
    assert {m for m in ("scorecard.html.j2", "portfolio.html.j2")} <= set(TEMPLATES)
    return INTRO + "\n" + "\n".join(model_section(m) for m in MODELS)


if __name__ == "__main__":
    print(render_docs(), end="")
