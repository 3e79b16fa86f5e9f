"""The weight-file language as pydantic models.

The models are the single source of truth for what a weight file may say: unknown keys are
rejected (`extra="forbid"`), and every constraint that concerns one value lives here as a
field validator, so its error message cannot drift from the code. Checks that relate several
parts of a file (a group naming a signal that does not exist, tier order) live in
`healthscore.weights.rules`, one module per rule.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from healthscore.spec.durations import Duration
from healthscore.spec.reach import Reach
from healthscore.spec.sources import DateFormats, MetricSpec, SourceSpec

FORMAT_VERSION = 1
MissingPolicy = Literal["redistribute", "neutral", "zero"]
# Weights are relative, so only ratios matter; the bounds keep every sum and product of
# weights and scores exact enough and finite (two weights of 1e308 overflowed to inf: every
# customer lost their score without a word).
MIN_WEIGHT, MAX_WEIGHT = 1e-6, 1e6
MAX_GROUP_DEPTH = 16  # groups inside groups; deeper trees are a mistake, not a model


def _weight(value: Any) -> Any:
    if isinstance(value, bool):  # `weight: true` is not 1
        raise ValueError(f"a weight is a number; found {str(value).lower()}")
    if isinstance(value, str):  # YAML reads `1e308` (no dot) as text; pydantic converts it
        try:
            number = float(value)
        except ValueError:
            return value  # pydantic says it is not a number
        _weight(number)
        return value
    if isinstance(value, int | float) and math.isfinite(value) and value > 0 and not (
            MIN_WEIGHT <= value <= MAX_WEIGHT):
        raise ValueError(f"weights are relative: use numbers between {MIN_WEIGHT:g} and "
                         f"{MAX_WEIGHT:g} (only their ratios matter); found {value:g}")
    return value


Weight = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(_weight)]
Points = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Scalar = str | bool | int | float
RULE_KINDS = ("linear", "bands", "map", "percentile")


class Strict(BaseModel):
    """Base for every weight-file node: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def check_steps(limits: list[float | None], what: str) -> None:
    """Bands (of a `bands` rule, of `expected_loss`): ascending `below` limits, only the last
    open-ended."""
    if limits[-1] is not None:
        raise ValueError(f"the last band must have no `below` (it catches every higher {what}); "
                         f"found below: {limits[-1]:g}")
    if any(limit is None for limit in limits[:-1]):
        raise ValueError("only the last band may omit `below`")
    closed = [float(x) for x in limits[:-1]]
    if any(b <= a for a, b in zip(closed, closed[1:], strict=False)):
        raise ValueError(f"band limits must increase; found {closed}")


class Band(Strict):
    """One step of a `bands` rule: values below `below` (exclusive) score `score`."""

    below: float | None = None
    score: Points

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(
                    f"a band is [below, score] or {{below: .., score: ..}}; found {list(value)}")
            return {"below": value[0], "score": value[1]}
        return value


class ScoreRule(Strict):
    """How a raw value becomes a 0–100 score. Exactly one of the rule keys is set."""

    linear: tuple[float, float] | None = Field(
        None, description="[value scoring 0, value scoring 100]; either order; clipped")
    bands: list[Band] | None = Field(None, description="ascending steps; the last has no `below`")
    map: dict[Scalar, Points] | None = Field(None, description="category → score")
    default: Points | None = Field(None, description="`map` only: score of unlisted categories")
    percentile: Literal["portfolio", "segment"] | None = Field(
        None, description="rank among all customers, or among the customer's segment")
    lower_is_better: bool = Field(False, description="`percentile` only: invert the ranking")

    @field_validator("linear")
    @classmethod
    def _bounds_differ(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None:
            if not all(math.isfinite(v) for v in value):
                raise ValueError("bounds must be finite numbers")
            if value[0] == value[1]:
                raise ValueError(f"bounds must differ; both are {value[0]:g}")
            if not math.isfinite(value[1] - value[0]):  # the span overflows: every score 0
                raise ValueError(f"bounds are too far apart to compute with: {value[0]:g} to "
                                 f"{value[1]:g}")
        return value

    @field_validator("bands")
    @classmethod
    def _bands_ordered(cls, value: list[Band] | None) -> list[Band] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("list at least one band")
        check_steps([b.below for b in value], "value")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ScoreRule:
        chosen = [k for k in RULE_KINDS if getattr(self, k) is not None]
        if len(chosen) != 1:
            found = ", ".join(chosen) if chosen else "none"
            raise ValueError(
                f"give exactly one rule: linear, bands, map or percentile; found {found}")
        if self.default is not None and self.map is None:
            raise ValueError("`default` only applies to a `map` rule")
        if self.lower_is_better and self.percentile is None:
            raise ValueError("`lower_is_better` only applies to a `percentile` rule")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in RULE_KINDS if getattr(self, k) is not None)


class SignalSpec(Strict):
    """One signal: where its raw value comes from and how it is scored and weighted."""

    label: str | None = Field(None, description="name shown to people; defaults to the key")
    description: str | None = None
    unit: str | None = Field(None, description="shown after raw values, e.g. `%` or `days`")
    column: str | None = Field(None, description="column of the customer table; default: key")
    compute: MetricSpec | None = Field(None, description="compute the value from raw exports")
    score: ScoreRule
    weight: Weight = Field(1.0, description="relative to its siblings (same group or top level)")
    missing: MissingPolicy | None = Field(None, description="overrides the file's `missing`")
    neutral: Points | None = Field(None, description="score used when missing: neutral")
    max_age: Duration | None = Field(None, description="older data counts as missing (stale)")
    measured_at: str | None = Field(None, description="column with the date of the value")


class SignalOverride(Strict):
    """What a segment may change about a signal."""

    label: str | None = None
    score: ScoreRule | None = None
    weight: Weight | None = None
    missing: MissingPolicy | None = None
    neutral: Points | None = None
    max_age: Duration | None = None


class GroupSpec(Strict):
    """A weighted group of signals and/or other groups (groups nest)."""

    label: str | None = None
    weight: Weight = 1.0
    signals: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class TierSpec(Strict):
    """A named score band. A score belongs to the first tier whose `below` it is under."""

    name: str = Field(min_length=1)
    below: float | None = Field(None, description="exclusive upper bound; none on the last tier")
    color: str = Field("#6b7280", description="hex colour used in every report")

    @field_validator("color")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError(f"colour must be a hex code like `#2f9e44`; found `{value}`")
        return value


def _default_tiers() -> list[TierSpec]:
    return [TierSpec(name="at risk", below=50, color="#d64545"),
            TierSpec(name="watch", below=75, color="#e8a317"),
            TierSpec(name="healthy", color="#2f9e44")]


class SegmentSpec(Strict):
    """A variation for the customers whose attributes match."""

    match: dict[str, Scalar | list[Scalar]] = Field(
        description="column → value (or list of values); all must match")
    use: str | None = Field(None, description="a weight file (path) defining this segment")
    weights: dict[str, Weight] = Field(default_factory=dict,
                                       description="signal or group → new weight")
    signals: dict[str, SignalOverride] = Field(default_factory=dict)
    disable: list[str] = Field(default_factory=list, description="signals switched off")

    @field_validator("match")
    @classmethod
    def _not_empty(cls, value: dict) -> dict:
        if not value:
            raise ValueError("name at least one column to match, e.g. {segment: ent}")
        return value


class LossBand(Strict):
    """One score band of `expected_loss`: scores below `below` (exclusive) have probability
    `p` of the outcome within the horizon."""

    below: float | None = None
    p: float = Field(ge=0, le=1, allow_inf_nan=False)


class ExpectedLoss(Strict):
    """Probability of losing the customer per score band, measured by a backtest."""

    horizon: Duration = Field(description="the window the probabilities are for, e.g. `90d`")
    bands: list[LossBand] = Field(min_length=1, description="ascending; the last has no `below`")

    @field_validator("bands")
    @classmethod
    def _ordered(cls, value: list[LossBand]) -> list[LossBand]:
        check_steps([b.below for b in value], "score")
        return value


class ExpectedLossPriority(Strict):
    """`priority: {expected_loss: {horizon: 90d, bands: [...]}}`: P(outcome | score) × ARR."""

    expected_loss: ExpectedLoss


def _priority_kind(value: Any) -> str:
    return "tag:amount" if isinstance(value, dict | ExpectedLossPriority) else "tag:rule"


# a name, or a mapping (`expected_loss:`); tagged so an error names only the form written
Priority = Annotated[
    Annotated[Literal["risk_x_arr", "risk", "arr"], Tag("tag:rule")]
    | Annotated[ExpectedLossPriority, Tag("tag:amount")],
    Discriminator(_priority_kind)]


class RollupSpec(Strict):
    """Scores of parent accounts from their children."""

    parent: str = Field("parent_id", description="column holding the parent's customer id")
    method: Literal["mean", "arr_weighted"] = "arr_weighted"


class TrendSpec(Strict):
    """How runs are compared over time (healthscore/trends): moves smaller than the dead-band
    read as steady, so noise does not flip a trend arrow."""

    dead_band: float = Field(3.0, ge=0, le=100, allow_inf_nan=False,
                             description="a change under this many points is `steady`")
    window: Duration = Field("3M", description="the longer window a change is also given over")
    tier_margin: float = Field(
        3.0, ge=0, le=50, allow_inf_nan=False,
        description="a customer leaves its previous tier only when its score is past the "
                    "tier edge by this many points, the crossing held for two runs, or the "
                    "score moved by `tier_jump` (hysteresis; 0: every crossing counts)")
    tier_jump: float = Field(
        10.0, gt=0, le=100, allow_inf_nan=False,
        description="a move of at least this many (shown) points changes the tier at once, "
                    "whatever the margin")


class OutreachSpec(Strict):
    """Who the outreach list is for: the customers in the tiers that need action."""

    tiers: list[str] | None = Field(
        None, min_length=1,
        description="tier names on the list (default: every tier but the healthiest)")
    top: int | None = Field(None, ge=1, description="keep only the N highest priorities")
    families: bool = Field(
        False, description="rank each account family (`rollup:`) as one entry, by its "
                           "rolled-up score and ARR, with its accounts under it")


class WeightFile(Strict):
    """A whole weight file after `extends:` has been resolved."""

    version: Literal[1] = Field(description="format version of this file; currently 1")
    name: str
    description: str | None = None
    extends: str | None = Field(None, description="a weight file this one changes")
    id_column: str = Field("customer_id", description="customer id column of the input table")
    date_formats: DateFormats | None = Field(
        None, description="date formats read besides ISO 8601 in every table (outcomes, "
                          "history, raw exports), e.g. ['%d/%m/%Y']; a value two of them read "
                          "differently is an error")
    missing: MissingPolicy = "redistribute"
    neutral: Points = 50.0
    min_coverage: float = Field(0.5, ge=0, le=1)
    tiers: list[TierSpec] = Field(default_factory=_default_tiers, min_length=1)
    insufficient: TierSpec = Field(
        default_factory=lambda: TierSpec(name="insufficient data", color="#9ca3af"))
    priority: Priority = Field(
        "risk_x_arr", description="outreach order: (100-score)*arr, 100-score, arr, or "
                                  "{expected_loss: ...} (probability of loss × arr)")
    drivers: int = Field(3, ge=0, le=10, description="how many drivers to name per customer")
    rollup: RollupSpec | None = None
    trend: TrendSpec | None = None
    outreach: OutreachSpec = Field(default_factory=OutreachSpec)
    sources: dict[str, SourceSpec] | None = None
    groups: dict[str, GroupSpec] = Field(default_factory=dict)
    signals: dict[str, SignalSpec] = Field(min_length=1)
    segments: dict[str, SegmentSpec] = Field(default_factory=dict)

    _path: str | None = PrivateAttr(None)
    _base_dir: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _sources_read_the_declared_formats(self) -> WeightFile:
        """A source without `date_formats:` of its own reads the file's (one date rule)."""
        for source in (self.sources or {}).values():
            if source.date_formats is None and self.date_formats:
                source.date_formats = list(self.date_formats)
        return self

    @property
    def formats(self) -> tuple[str, ...]:
        """The declared date formats (io/dates.py), none when the file declares none."""
        return tuple(self.date_formats or ())

    _segment_files: dict[str, WeightFile] = PrivateAttr(default_factory=dict)
    _source_dirs: dict[str, str] = PrivateAttr(default_factory=dict)  # source → its file's dir
    _reach: Reach | None = PrivateAttr(None)  # what a loaded file may reach (spec/reach.py)

    @property
    def path(self) -> str | None:
        """The file this was loaded from (None when built in code)."""
        return self._path

    @property
    def base_dir(self) -> str | None:
        """Folder relative paths in this file are resolved against."""
        return self._base_dir

    @property
    def priority_kind(self) -> str:
        """`risk_x_arr`, `risk`, `arr` or `expected_loss`."""
        return self.priority if isinstance(self.priority, str) else "expected_loss"

    @property
    def source_dirs(self) -> dict[str, str]:
        """Per source, the folder of the file that declared it: its relative path starts
        there (a base file reached by `extends:` keeps its own folder)."""
        return dict(self._source_dirs)

    @property
    def reach(self) -> Reach | None:
        """The files and database hosts this file's sources may reach, as the operator set
        them when it was loaded (None: built in code, the caller's own)."""
        return self._reach

    @property
    def segment_files(self) -> dict[str, WeightFile]:
        """The weight files segments `use:` instead of this one, by segment name."""
        return dict(self._segment_files)

    def all_signals(self) -> dict[str, SignalSpec]:
        """Every signal any profile can use: this file's, then those only a segment's `use:`
        file defines (the first definition wins)."""
        out = dict(self.signals)
        for seg_wf in self._segment_files.values():
            for name, spec in seg_wf.signals.items():
                out.setdefault(name, spec)
        return out

    def all_groups(self) -> list[str]:
        """Every group name any profile can use, this file's first."""
        groups = list(self.groups)
        for seg_wf in self._segment_files.values():
            groups += [g for g in seg_wf.groups if g not in groups]
        return groups

    def outreach_tiers(self) -> list[str]:
        """The tiers whose customers are on the outreach list: `outreach.tiers`, or every
        tier but the healthiest. Customers without a score never are (no data is not bad
        health)."""
        if self.outreach.tiers is not None:
            return list(self.outreach.tiers)
        return [t.name for t in self.tiers[:-1]] or [self.tiers[0].name]

    def outreach_top(self) -> int | None:
        return self.outreach.top

    def trend_settings(self) -> TrendSpec:
        """The `trend:` block, or its defaults."""
        return self.trend if self.trend is not None else TrendSpec()


    def signal_label(self, name: str) -> str:
        """The signal's label, also for a signal only a segment's `use:` file defines."""
        spec = self.all_signals().get(name)
        return spec.label if spec and spec.label else name

    def digest(self) -> str:
        """Fingerprint of the resolved weights: two runs with equal digests used equal
        weights, whatever files they came from."""
        import hashlib
        import json

        resolved = self.model_dump(mode="json", exclude_none=True)
        # a segment's `use:` file is part of the formula too: a change there is a new digest
        resolved["segment files"] = {name: seg.model_dump(mode="json", exclude_none=True)
                                     for name, seg in sorted(self._segment_files.items())}
        return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]
