"""Durations such as `180d`, `6M` or `1y` as written in weight files."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
from pydantic import AfterValidator

_DURATION = re.compile(r"^\s*(\d+)\s*([dwMy])\s*$")
UNITS = {"d": "days", "w": "weeks", "M": "months", "y": "years"}
DAYS = {"d": 1, "w": 7, "M": 31, "y": 366}
MAX_DAYS = 100 * 365  # beyond that a date before the as-of date is not a real date


def parse_duration(text: str) -> pd.DateOffset:
    """`90d` → 90 days, `6M` → 6 calendar months; raises ValueError with the valid forms."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(
            f"`{text}` is not a duration; write a whole number and a unit: "
            "d (days), w (weeks), M (months) or y (years), e.g. `90d` or `6M`")
    count, unit = int(match.group(1)), match.group(2)
    if count <= 0:
        raise ValueError(f"`{text}`: a duration must be longer than zero")
    if count * DAYS[unit] > MAX_DAYS:
        raise ValueError(f"`{text}` is longer than the {MAX_DAYS // 365} years a window or an "
                         "age limit may span")
    return pd.DateOffset(**{UNITS[unit]: count})


def _check(text: str) -> str:
    parse_duration(text)
    return str(text).strip()


Duration = Annotated[str, AfterValidator(_check)]
