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
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from healthscore.signals.spec import MetricSpec, SourceSpec
from healthscore.weights.durations import Duration

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
        limits = [b.below for b in value]
        if limits[-1] is not None:
            raise ValueError(
                "the last band must have no `below` (it catches every higher value); "
                f"found below: {limits[-1]:g}")
        if any(limit is None for limit in limits[:-1]):
            raise ValueError("only the last band may omit `below`")
        closed = [float(x) for x in limits[:-1]]
        if any(b <= a for a, b in zip(closed, closed[1:], strict=False)):
            raise ValueError(f"band limits must increase; found {closed}")
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


class RollupSpec(Strict):
    """Scores of parent accounts from their children."""

    parent: str = Field("parent_id", description="column holding the parent's customer id")
    method: Literal["mean", "arr_weighted"] = "arr_weighted"


class WeightFile(Strict):
    """A whole weight file after `extends:` has been resolved."""

    version: Literal[1] = Field(description="format version of this file; currently 1")
    name: str
    description: str | None = None
    extends: str | None = Field(None, description="a weight file this one changes")
    id_column: str = Field("customer_id", description="customer id column of the input table")
    missing: MissingPolicy = "redistribute"
    neutral: Points = 50.0
    min_coverage: float = Field(0.5, ge=0, le=1)
    tiers: list[TierSpec] = Field(default_factory=_default_tiers, min_length=1)
    insufficient: TierSpec = Field(
        default_factory=lambda: TierSpec(name="insufficient data", color="#9ca3af"))
    priority: Literal["risk_x_arr", "risk", "arr"] = Field(
        "risk_x_arr", description="outreach order: (100-score)*arr, 100-score, or arr")
    drivers: int = Field(3, ge=0, le=10, description="how many drivers to name per customer")
    rollup: RollupSpec | None = None
    sources: dict[str, SourceSpec] | None = None
    groups: dict[str, GroupSpec] = Field(default_factory=dict)
    signals: dict[str, SignalSpec] = Field(min_length=1)
    segments: dict[str, SegmentSpec] = Field(default_factory=dict)

    _path: str | None = PrivateAttr(None)
    _base_dir: str | None = PrivateAttr(None)
    _segment_files: dict[str, WeightFile] = PrivateAttr(default_factory=dict)
    _source_dirs: dict[str, str] = PrivateAttr(default_factory=dict)  # source → its file's dir

    @property
    def path(self) -> str | None:
        """The file this was loaded from (None when built in code)."""
        return self._path

    @property
    def base_dir(self) -> str | None:
        """Folder relative paths in this file are resolved against."""
        return self._base_dir

    def signal_label(self, name: str) -> str:
        """The signal's label, also for a signal only a segment's `use:` file defines."""
        spec = self.signals.get(name)
        for seg_wf in self._segment_files.values():
            spec = spec or seg_wf.signals.get(name)
        return spec.label if spec and spec.label else name

    def digest(self) -> str:
        """Fingerprint of the resolved weights: two runs with equal digests used equal
        weights, whatever files they came from."""
        import hashlib
        import json

        resolved = self.model_dump(mode="json", exclude_none=True)
        return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]

    def profiles(self):  # -> list[Profile]; imported lazily to keep the model module small
        from healthscore.weights.profiles import build_profiles

        return build_profiles(self)
