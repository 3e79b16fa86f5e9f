"""The Jinja environment: user templates first, built-in ones as the fallback.

A user folder only needs the templates it changes (Jinja `ChoiceLoader`); everything else
comes from the built-in set, which ships in the wheel as `healthscore/_bundled/templates`
(or is the repo's `templates/` in a development checkout). HTML templates autoescape, so a
customer named `<script>` is shown, not run; Markdown templates do not (Markdown is not HTML).
Undefined variables are errors, so a typo in a user template fails with its file and line
instead of silently rendering an empty string. A user's template folder runs in Jinja's sandbox.
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from healthscore.engine.display import shown_score
from healthscore.engine.wording import fmt_number
from healthscore.errors import Problem, TemplateError
from healthscore.render import svg
from healthscore.render.colors import ink_on
from healthscore.render.context import Model

TEMPLATES = ("scorecard.html.j2", "scorecard.md.j2", "portfolio.html.j2", "outreach.html.j2",
             "outreach.md.j2")
PAGE_SECONDS = 300.0  # one page from the user's templates; a loop that runs longer is a mistake
HTML_SUFFIXES = ("html", "htm", "xml", "svg", "html.j2", "htm.j2", "xml.j2", "svg.j2")


def builtin_template_dir() -> Path:
    """Bundled templates in an installed wheel, else the repo's top-level `templates/`."""
    package = Path(__file__).resolve().parents[1]
    bundled = package / "_bundled" / "templates"
    return bundled if bundled.is_dir() else package.parent / "templates"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str = "$") -> str:
    """Compact amounts for tables: $950, $12.3k, $444k, $4.1M (three significant digits)."""
    if _missing(value):
        return "—"
    v = float(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= size * 0.9995:
            scaled = v / size
            digits = 0 if scaled >= 99.95 else 1
            return f"{sign}{currency}{scaled:.{digits}f}{suffix}"
    return f"{sign}{currency}{v:,.0f}"


def compact(value: float | None) -> str:
    """A large plain number, compactly: 51.5M, 12.3k, 950."""
    return money(value, "")


def money_full(value: float | None, currency: str = "$") -> str:
    return "—" if _missing(value) else f"{currency}{float(value):,.0f}"


def score(value: float | None) -> str:
    """A score as shown everywhere (engine/display.py: whole points, truncated); `—` when
    there is none. The headline, the breakdown's total, the charts and the `reasons` text show
    this same number."""
    shown = shown_score(value)
    return "—" if shown is None else str(shown)


def points(value: float | None) -> str:
    """Points (a signal's or group's contribution, the maximum it could give): one decimal.
    A different quantity from a score: the points of all signals add up to the exact score."""
    if value is None or value != value:
        return "—"
    text = f"{value:.1f}"
    return text[1:] if text[0] == "-" and not text.strip("-0.") else text


def pct(value: float | None, digits: int = 0) -> str:
    """`83%` from 0.83; `—` when missing."""
    if value is None or value != value:
        return "—"
    text = f"{value * 100:.{digits}f}"
    return (text[1:] if text[0] == "-" and not text.strip("-0.") else text) + "%"


def signed(value: float | None, digits: int = 1) -> str:
    """`+4.2`, `−3.0`, `0.0`: a change, with a real minus sign. A change of shown scores is a
    whole number and shows as one (`+3`, `−12`)."""
    if _missing(value):
        return "—"
    if isinstance(value, int):
        digits = 0
    text = f"{abs(float(value)):.{digits}f}"
    if round(float(value), digits) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def day(value: date | datetime | None, fmt: str = "%-d %b %Y") -> str:
    return "—" if value is None else value.strftime(fmt)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#"} |
                           {"<": "&lt;", ">": "&gt;", "\r": " ", "\n": " "})


def md_cell(value: Any) -> str:
    """Text that stays text in Markdown: no links, emphasis, tables cells or HTML from data."""
    return "" if value is None else str(value).translate(_MD_SPECIAL)


_TICKS = re.compile(r"`([^`]+)`")


def md_code(value: Any) -> str:
    """Plain-words text with `name` spans (a signal's method) for Markdown: the code spans
    stay code spans, everything else is escaped like `md`. Escaping the backticks too would
    show them literally (`\\`surveys\\``)."""
    if value is None:
        return ""
    text, out, pos = str(value), [], 0
    for m in _TICKS.finditer(text):
        out.append(md_cell(text[pos:m.start()]))
        out.append("`" + m.group(1).replace("\r", " ").replace("\n", " ") + "`")
        pos = m.end()
    out.append(md_cell(text[pos:]))
    return "".join(out)


def missing_groups(groups: list[Any]) -> list[Any]:
    """The groups without any data for this customer (no group score although some signal
    of theirs is in use), outermost only: a scorecard says so next to the score, since the
    score then rests on the other groups alone. Groups switched off for the profile are not
    missing."""
    children: dict[str | None, list[Any]] = {}
    for g in groups:
        children.setdefault(g.parent, []).append(g)

    def used(g: Any) -> bool:  # some signal of the group or its subgroups is not `off`
        return (any(s.status != "off" for s in g.signals)
                or any(used(k) for k in children.get(g.key, [])))

    empty = {g.key for g in groups if g.score is None and used(g)}
    return [g for g in groups if g.key in empty and g.parent not in empty]


def ticks(text: Any) -> Markup:
    """`name` in plain-words text (e.g. how a signal was computed) as <code>name</code>."""
    return Markup(_TICKS.sub(r"<code>\1</code>", str(escape("" if text is None else text))))


def max_of(items: Any, attribute: str, default: float = 0.0) -> float:
    """Largest value of one attribute over items (None ignored), e.g. the widest bar."""
    values = [v for v in (getattr(i, attribute) for i in items) if v is not None]
    return max(values, default=default)


def make_env(template_dir: str | Path | None = None) -> Environment:
    """The environment every page is rendered with; user folder first when given."""
    loaders = []
    if template_dir is not None:
        path = Path(template_dir)
        if not path.is_dir():
            raise TemplateError(Problem("template folder does not exist", file=str(path)))
        loaders.append(FileSystemLoader(str(path)))
    loaders.append(FileSystemLoader(str(builtin_template_dir())))
    # A user's templates run sandboxed: they see the context and our filters, never Python
    # internals (`__subclasses__`, `__globals__`); see docs/security.md. The built-in set alone
    # needs no sandbox (and renders faster without its per-attribute checks).
    kind = SandboxedEnvironment if template_dir is not None else Environment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=HTML_SUFFIXES,
                                            default_for_string=True, default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, auto_reload=False, cache_size=-1)
    env.filters.update(money=money, compact=compact, money_full=money_full, score=score,
                       points=points, pct=pct, signed=signed, day=day, md=md_cell,
                       md_code=md_code, num=fmt_number, ticks=ticks)
    env.globals.update(gauge=svg.gauge, trend_chart=svg.trend_chart, histogram_chart=svg.histogram,
                       stacked_bar=svg.stacked_bar, ink_on=ink_on,
                       score_color=svg.score_color, bar=svg.bar, max_of=max_of,
                       missing_groups=missing_groups)
    env.globals["static"] = _static_loader(env)
    return env


def _static_loader(env: Environment) -> Any:
    """`{{ static("_style.css") }}`: a partial's text, read once per process, not re-rendered.

    The stylesheet and table script are the same on every page; including them as templates
    would re-run them 10,000 times. They still resolve through the loaders, so a user folder
    can replace them.
    """
    cache: dict[str, Markup] = {}

    def static(name: str) -> Markup:
        if name not in cache:
            source, _, _ = env.loader.get_source(env, name)
            cache[name] = Markup(source)
        return cache[name]

    return static


class Templates:
    """The five page templates, compiled once; renders a context model to text."""

    def __init__(self, template_dir: str | Path | None = None):
        self.env = make_env(template_dir)
        self.compiled: dict[str, jinja2.Template] = {}
        # the user's templates may loop without end (a loop inside a loop of a million): each
        # page gets PAGE_SECONDS; the built-in ones are ours and bounded by the data
        self.user = template_dir is not None
        # every template, partials included: compiled before workers fork (so each worker
        # inherits them) and syntax errors in any of them surface before a file is written
        names = [*TEMPLATES, *(n for n in self.env.list_templates(extensions=["j2"])
                               if n not in TEMPLATES)]
        for name in names:
            try:
                self.compiled[name] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(Problem(exc.message or str(exc),
                                            file=exc.filename or exc.name,
                                            line=exc.lineno)) from None
            except jinja2.TemplateNotFound as exc:
                raise TemplateError(Problem(
                    f"template `{exc.name}` not found (needed by `{name}`)",
                    file=str(builtin_template_dir() / name))) from None

    def render(self, name: str, context: Model) -> str:
        """Render one page; any failure becomes a TemplateError naming file and line."""
        template = self.compiled[name]
        try:
            with time_limit(PAGE_SECONDS if self.user else None):
                return template.render(dict(context))
        except Exception as exc:  # noqa: BLE001 - every template failure gets located
            raise located_error(exc, template) from None


class PageTimeLimit(Exception):
    """Raised inside a page that renders for longer than `PAGE_SECONDS`."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after `seconds` (SIGALRM, so only in a process's main thread:
    the CLI and each render worker; elsewhere the block runs unbounded)."""
    if seconds is None or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum, _frame) -> None:
        raise PageTimeLimit(f"the page took longer than {seconds:g} s to render and was "
                            "stopped; a loop that does not end, or a loop inside a loop "
                            "over every customer? (docs/templates.md)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def located_error(exc: BaseException, template: jinja2.Template) -> TemplateError:
    """Find the innermost template frame in the traceback: that is the line to fix."""
    if isinstance(exc, TemplateError):
        return exc
    file, line = _template_frame(exc.__traceback__)
    if isinstance(exc, jinja2.TemplateSyntaxError):  # e.g. inside an included template
        file, line = exc.filename or exc.name or file, exc.lineno
    if file is None:
        file = template.filename
    message = f"{type(exc).__name__}: {exc}"
    return TemplateError(Problem(message, file=file, line=line))


def _template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        # Jinja rewrites template frames to carry the template's file name and line.
        if not filename.endswith(".py") and not filename.startswith("<"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _self_check() -> None:  # pragma: no cover - manual aid: python -m healthscore.render.env
    Templates()
    print("templates compile:", ", ".join(TEMPLATES), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    _self_check()
