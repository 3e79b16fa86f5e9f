"""One signal's value and rule in plain words, for scorecards and outreach lists.

The engine's `reasons` name the drivers; a CSM also wants to know *why* a value scored as it
did ("NPS of -20 is below the 0 floor") without reading YAML. The text is derived from the
same rule the engine applied (the customer's profile), so it cannot disagree with the score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def fmt_number(value: float) -> str:
    """`12` not `12.0`; two decimals under 10, one under 100, none above; thousands split.

    Formats without `round()`, which costs more than the rest of this function together.
    """
    a = abs(value)
    digits = 2 if a < 10 else 1 if a < 100 else 0
    text = f"{value:,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_raw(raw: Any, unit: str | None) -> str:
    """A raw value with its unit; `—` when missing."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "—"
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif unit == "ratio" and isinstance(raw, int | float):
        return f"{fmt_number(float(raw) * 100)}%"  # 0.45 reads as 45%
    elif isinstance(raw, int | float):
        text = fmt_number(float(raw))
    else:
        text = str(raw)
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰", "pp") else f"{text} {unit}"


def explain(label: str, unit: str | None, raw: Any, score: float | None, status: str,
            rule: Any = None, max_age: str | None = None) -> str:
    """The sentence shown next to a signal."""
    if status == "off":
        return f"{label} is not used for this segment"
    if status == "stale":
        age = f" than {max_age}" if max_age else ""
        return f"{label} data is older{age}, so it was not used"
    if status == "future":
        return f"{label} data is dated after the as-of date, so it was not used"
    value = fmt_raw(raw, unit)
    if status == "missing" or value == "—":
        return f"No {label} data"
    kind = getattr(rule, "kind", None) if rule is not None else None
    scored = "" if score is None else f" (score {_whole(score)})"
    if kind == "linear":
        return _linear(label, unit, raw, value, score, rule.linear)
    if kind == "bands" and isinstance(raw, int | float):
        return _bands(label, unit, float(raw), value, rule.bands) + scored
    if kind == "map":
        listed = raw in rule.map or str(raw) in {str(k) for k in rule.map}
        tail = "" if listed else ", not a listed value (default score)"
        return f"{label} is “{value}”{tail}{scored}"
    if kind == "percentile":
        where = "the segment" if rule.percentile == "segment" else "the portfolio"
        order = ", lower is better" if rule.lower_is_better else ""
        rank = "" if score is None else f" ranks at the {_ordinal(round(score))} percentile of"
        return f"{label} of {value}{rank or ' ranked within'} {where}{order}"
    return f"{label} of {value}{scored}"


def _linear(label: str, unit: str | None, raw: Any, value: str, score: float | None,
            bounds: tuple[float, float]) -> str:
    zero, full = float(bounds[0]), float(bounds[1])
    z, f = fmt_raw(zero, unit), fmt_raw(full, unit)
    if not isinstance(raw, int | float):
        return f"{label} is {value}"
    x = float(raw)
    higher_better = full > zero
    if (x <= zero) if higher_better else (x >= zero):
        word = "floor" if higher_better else "ceiling"
        side = "at" if x == zero else ("below" if higher_better else "above")
        return f"{label} of {value} is {side} the {z} {word}"
    if (x >= full) if higher_better else (x <= full):
        return f"{label} of {value} meets the {f} target"
    pct = "" if score is None else f"scores {_whole(score)}: "
    return f"{label} of {value} {pct}0 at {z}, 100 at {f}"


def _bands(label: str, unit: str | None, x: float, value: str, bands: list[Any]) -> str:
    lower = None
    for band in bands:
        if band.below is None or x < band.below:
            if band.below is None:
                if lower is None:
                    return f"{label} of {value}"
                return f"{label} of {value} is {fmt_raw(lower, unit)} or more"
            if lower is None:
                return f"{label} of {value} is under {fmt_raw(band.below, unit)}"
            return (f"{label} of {value} is between {fmt_raw(lower, unit)} "
                    f"and {fmt_raw(band.below, unit)}")
        lower = band.below
    return f"{label} of {value}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explainer(label: str, unit: str | None, rule: Any = None,
              max_age: str | None = None) -> Callable[[Any, float | None, str], str]:
    """`explain` with the rule's constant parts worked out once (a scorecard run calls it
    for every signal of every customer). Same sentences as `explain`."""
    if rule is None or getattr(rule, "kind", None) != "linear":
        return lambda raw, score, status: explain(label, unit, raw, score, status, rule,
                                                  max_age)
    zero, full = float(rule.linear[0]), float(rule.linear[1])
    z, f = fmt_raw(zero, unit), fmt_raw(full, unit)
    higher = full > zero
    word, beyond = ("floor", "below") if higher else ("ceiling", "above")

    def linear(raw: Any, score: float | None, status: str) -> str:
        if status != "ok" or not isinstance(raw, int | float) or raw != raw:
            return explain(label, unit, raw, score, status, rule, max_age)
        value = fmt_raw(raw, unit)
        x = float(raw)
        if (x <= zero) if higher else (x >= zero):
            return f"{label} of {value} is {'at' if x == zero else beyond} the {z} {word}"
        if (x >= full) if higher else (x <= full):
            return f"{label} of {value} meets the {f} target"
        scored = "" if score is None else f"scores {_whole(score)}: "
        return f"{label} of {value} {scored}0 at {z}, 100 at {f}"

    return linear


def _whole(score: float) -> int:
    """Whole points, truncated like every score on the pages (the bar and the sentence must
    show the same number)."""
    return math.floor(score + 1e-9)
