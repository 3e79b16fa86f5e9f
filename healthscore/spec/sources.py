"""What a weight file may say about raw tables (`sources:`) and computed signals (`compute:`).

These models are the single source of truth for the `sources:` and `compute:` syntax: unknown
keys are rejected, choices are listed in the error, and every constraint that concerns one
source or one signal lives here, so the message cannot drift from the code. Rules that relate a
signal to the sources (a `compute.table` that is not declared) live in
`healthscore.weights.rules.sources`.

It imports neither `healthscore.weights` nor `healthscore.signals`: both import it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from healthscore.io.dates import check_format
from healthscore.spec.durations import parse_duration

Scalar = str | bool | int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _window(text: str) -> str:
    parse_duration(text)
    return str(text).strip()


Window = Annotated[str, AfterValidator(_window)]
_IDENT = re.compile(r"^[^\x00\"]+$")


def _column_name(value: str) -> str:
    if not value or not _IDENT.match(value):
        raise ValueError(f"`{value}` is not a usable column name (empty, or contains `\"`)")
    return value


Column = Annotated[str, AfterValidator(_column_name)]


def _date_format(value: str) -> str:
    why = check_format(value)
    if why:
        raise ValueError(why)
    return value


# the formats a weight file (or one source) declares besides ISO 8601, each checked
DateFormats = list[Annotated[str, AfterValidator(_date_format)]]


# ---------------------------------------------------------------------------------- sources


class SourceSpec(_Strict):
    """One raw table: where it is, which column is the customer, which columns are timestamps.

    Column names used everywhere else (signals, filters) are *our* names: `columns:` maps our
    name to the header in the export, so an export with `Account ID` needs one line, not an edit
    of every signal.
    """

    kind: Literal["csv", "parquet", "excel", "sql"] = Field(
        description="csv, parquet (a file or a folder of .parquet files), excel (.xlsx), sql")
    path: str | None = Field(None, description="file or folder, relative to the weight file")
    url: str | None = Field(None, description="sql: SQLAlchemy URL, e.g. sqlite:///data/x.db")
    table: str | None = Field(None, description="sql: table name (or give `query`)")
    query: str | None = Field(None, description="sql: a SELECT returning the table")
    sheet: str | int | None = Field(None, description="excel: sheet name or 0-based index")
    delimiter: str = Field(",", min_length=1, max_length=1, description="csv: field separator")
    role: Literal["accounts", "events"] | None = Field(
        None, description="accounts: the one-row-per-customer spine; default: accounts for the "
                          "source named `accounts`, events otherwise")
    id: Column = Field("customer_id", description="column holding the customer id")
    columns: dict[Column, Column] = Field(
        default_factory=dict, description="our column name → column name in the export")
    time: Column | None = Field(None, description="default timestamp column for windows")
    dates: list[Column] = Field(default_factory=list,
                                description="further timestamp/date columns")
    timezone: str = Field("UTC", description="zone of timestamps written without an offset")
    fresh_within: Window | None = Field(
        "3d", description="the export's latest row (by its `time` column) must be at most this "
                          "long before the as-of date, or the run refuses: an export that "
                          "ended early reads as zero activity; null: not checked")
    date_formats: DateFormats | None = Field(
        None, description="date formats read besides ISO 8601 (default: the weight file's "
                          "`date_formats`), e.g. ['%d/%m/%Y %H:%M']")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone `{value}`; use an IANA name such as UTC, "
                             "Europe/Berlin or America/New_York") from None
        return value

    @model_validator(mode="after")
    def _location(self) -> SourceSpec:
        if self.kind == "sql":
            if not self.url:
                raise ValueError("a sql source needs `url:` (a SQLAlchemy URL)")
            if (self.table is None) == (self.query is None):
                raise ValueError("a sql source needs exactly one of `table:` or `query:`")
            if self.path:
                raise ValueError("a sql source takes `url:`, not `path:`")
        else:
            if not self.path:
                raise ValueError(f"a {self.kind} source needs `path:` (relative to the weight "
                                 "file)")
            extra = [k for k in ("url", "table", "query") if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"`{extra[0]}` only applies to sql sources")
        if self.sheet is not None and self.kind != "excel":
            raise ValueError("`sheet` only applies to excel sources")
        return self

    def timestamp_columns(self) -> list[str]:
        """Every column parsed as a timestamp (the default `time` first)."""
        cols = [self.time] if self.time else []
        return cols + [c for c in self.dates if c not in cols]

    def export_name(self, column: str) -> str:
        """The header in the export for our column name."""
        return self.columns.get(column, column)


# ---------------------------------------------------------------------------------- filters


class Condition(_Strict):
    """A comparison for one column: `{at_least: 3}`, `{not: [closed, spam]}`..."""

    not_: Scalar | list[Scalar] | None = Field(None, alias="not",
                                               description="not equal / not in the list")
    above: float | None = Field(None, description="greater than")
    at_least: float | None = Field(None, description="greater than or equal")
    below: float | None = Field(None, description="less than")
    at_most: float | None = Field(None, description="less than or equal")

    @model_validator(mode="after")
    def _some(self) -> Condition:
        if not self.model_fields_set:
            raise ValueError("give a comparison: not, above, at_least, below or at_most")
        return self

    @property
    def not_given(self) -> bool:
        """`not:` was written (possibly as `not: null`, meaning "is not empty")."""
        return "not_" in self.model_fields_set


FilterValue = Scalar | None | list[Scalar] | Condition
Filter = dict[Column, FilterValue]


# ---------------------------------------------------------------------------------- metrics

Metric = Literal["count", "sum", "mean", "min", "max", "last", "distinct", "days_since",
                 "days_until", "duration", "trend", "share", "csat", "nps", "ces"]
TrendOf = Literal["count", "sum", "mean", "min", "max", "distinct"]

NEEDS_COLUMN = {"sum", "mean", "min", "max", "last", "distinct"}
SURVEY = {"csat", "nps", "ces"}
# Metrics that read nothing but timestamps: `column` would be ignored, so it is refused.
NO_COLUMN = {"count", "days_since", "days_until", "duration", "share"}
DEFAULT_SCALE = {"csat": (1.0, 5.0), "nps": (0.0, 10.0), "ces": (1.0, 7.0)}
DEFAULT_MIN_RESPONSES = 3


class OpenSpan(_Strict):
    """Rows that are *open at the as-of instant*: started by then and not yet ended.

    `{from: opened_at, until: closed_at}` counts a ticket opened before the as-of date and closed
    after it (or never) as open: a close recorded after the as-of date is not known yet.
    """

    from_: Column = Field(alias="from", description="timestamp when the row starts to count")
    until: Column = Field(description="timestamp when it stops (empty = still open)")


class MetricSpec(_Strict):
    """How one signal is computed from one raw table, as of a date.

    See docs/signals.md for every metric with an example. Defaults are chosen so the common
    case is one line: `{table: surveys, filter: {kind: csat}, metric: csat, window: 90d}`.
    """

    table: str = Field(description="a source declared under `sources:`")
    metric: Metric
    column: Column | None = Field(None, description="value column (survey metrics: `rating`)")
    filter: Filter | None = Field(None, description="column → value, list or comparison")
    window: Window | None = Field(None, description="e.g. 30d, 90d, 6M; default: all history")
    time: Column | None = Field(None, description="timestamp column; default: source `time`")
    open: OpenSpan | None = Field(None, description="only rows open at the as-of instant")
    per: Column | None = Field(None, description="divide by this accounts column (e.g. seats)")
    empty: float | None = Field(None, description="value when an account has no rows")
    min_responses: int | None = Field(
        None, ge=1, description="fewer rows with a value than this: missing (surveys: 3)")
    scale: tuple[float, float] | None = Field(None, description="survey scale [lowest, highest]")
    threshold: float | None = Field(None, description="csat: satisfied from; ces: low effort up to")
    method: Literal["top_box", "mean", "low_effort"] | None = Field(
        None, description="csat: top_box (default) or mean; ces: mean (default) or low_effort")
    of: TrendOf | None = Field(None, description="trend: the aggregate compared (default count)")
    match: Filter | None = Field(None, description="share: which rows count as matching")
    since: Literal["last", "first"] | None = Field(
        None, description="days_since: the latest (default) or earliest row")
    start: Column | None = Field(None, description="duration: start timestamp column")
    end: Column | None = Field(None, description="duration: end timestamp column")
    unit: Literal["hours", "days"] | None = Field(None, description="duration: default hours")

    @model_validator(mode="after")
    def _consistent(self) -> MetricSpec:
        m = self.metric
        if m in NEEDS_COLUMN and self.column is None:
            raise ValueError(f"metric `{m}` needs `column:` (the values to aggregate)")
        if m == "trend" and (self.of or "count") != "count" and self.column is None:
            raise ValueError(f"trend of `{self.of}` needs `column:`")
        if m == "trend" and self.window is None:
            raise ValueError("metric `trend` needs `window:` (this window is compared with the "
                             "one before it)")
        if m in NO_COLUMN and self.column is not None:
            raise ValueError(f"metric `{m}` does not read a value column; remove `column:`")
        _only(self, "of", m == "trend", "trend")
        _only(self, "match", m == "share", "share")
        _only(self, "since", m == "days_since", "days_since")
        for key in ("start", "end", "unit"):
            _only(self, key, m == "duration", "duration")
        _only(self, "scale", m in ("csat", "ces"), "csat and ces (nps is always 0-10)")
        _only(self, "threshold", m in ("csat", "ces"), "csat and ces")
        _only(self, "method", m in ("csat", "ces"), "csat and ces")
        if m == "share" and not self.match:
            raise ValueError("metric `share` needs `match:` (which rows count as matching)")
        if m == "duration" and (self.start is None or self.end is None):
            raise ValueError("metric `duration` needs `start:` and `end:` timestamp columns")
        if m == "csat" and self.method not in (None, "top_box", "mean"):
            raise ValueError(f"csat method must be top_box or mean; found `{self.method}`")
        if m == "ces" and self.method not in (None, "mean", "low_effort"):
            raise ValueError(f"ces method must be mean or low_effort; found `{self.method}`")
        if self.scale is not None and self.scale[0] >= self.scale[1]:
            raise ValueError(f"scale is [lowest, highest]; found {list(self.scale)}")
        lo, hi = self.rating_scale() or (None, None)
        if self.threshold is not None and lo is not None and not lo <= self.threshold <= hi:
            raise ValueError(f"threshold {self.threshold:g} is outside the scale {lo:g}-{hi:g}")
        if m == "days_until" and self.window is not None:
            raise ValueError("metric `days_until` looks forward; it takes no `window:`")
        return self

    # Effective settings, in one place so the computation and the description agree.

    def value_column(self) -> str | None:
        return self.column or ("rating" if self.metric in SURVEY else None)

    def rating_scale(self) -> tuple[float, float] | None:
        if self.metric not in SURVEY:
            return None
        return self.scale or DEFAULT_SCALE[self.metric]

    def rating_threshold(self) -> float | None:
        """csat: lowest satisfied rating (top-two-box); ces: highest low-effort rating."""
        if self.threshold is not None:
            return self.threshold
        scale = self.rating_scale()
        if self.metric == "csat":
            return scale[1] - 1  # top two boxes: 4-5 on 1-5, 9-10 on 1-10
        if self.metric == "ces":
            return scale[0] + 1  # two lowest-effort answers: 1-2 on 1-7
        return None

    def rating_method(self) -> str | None:
        if self.metric == "csat":
            return self.method or "top_box"
        if self.metric == "ces":
            return self.method or "mean"
        return None

    def responses_needed(self) -> int:
        """Rows with a value needed for a result; 0 = no minimum (counts of nothing are 0)."""
        if self.min_responses is not None:
            return self.min_responses
        return DEFAULT_MIN_RESPONSES if self.metric in SURVEY else 0


def _only(spec: MetricSpec, key: str, allowed: bool, where: str) -> None:
    if getattr(spec, key) is not None and not allowed:
        raise ValueError(f"`{key}` only applies to metric {where}; this signal uses "
                         f"`{spec.metric}`")


# ------------------------------------------------------------- relations between the two

NEEDS_TIME = {"last", "days_since", "days_until", "trend"}


def time_column(spec: MetricSpec, source: SourceSpec) -> str | None:
    """The timestamp column that places a signal's rows in time (duration: its `end`)."""
    if spec.metric == "duration":
        return spec.time or spec.end
    return spec.time or source.time


def lacks_time(spec: MetricSpec, source: SourceSpec) -> bool:
    """True when rows after the as-of date could not be left out: no timestamp column, and
    neither an `open:` span alone places the rows in time."""
    return time_column(spec, source) is None and (
        spec.open is None or spec.window is not None or spec.metric in NEEDS_TIME)


def accounts_tables(sources: dict[str, SourceSpec]) -> list[str]:
    """Sources acting as the accounts table: `role: accounts`, else the one named accounts."""
    marked = [n for n, s in sources.items() if s.role == "accounts"]
    if not marked and "accounts" in sources and sources["accounts"].role is None:
        marked = ["accounts"]
    return marked


ACCOUNTS_RULE = ("exactly one source must be the accounts table (one row per customer): name "
                 "it `accounts` or give it `role: accounts`")
