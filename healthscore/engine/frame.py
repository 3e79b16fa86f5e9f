"""The scored frame's schema: its columns, their suffixes and dtypes, declared once.

The kernel writes this frame; the store, trends, evidence and the pages read it. Each of them
used to find the signals and groups by splitting column names on "." and checking suffixes
itself; now they ask this module (`items`, `column`, `split`), so a change to the frame's
shape is made here and `validate` holds every producer to it (the store refuses a frame
that does not match, before writing anything). docs/architecture.md has the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

from healthscore.errors import Problem

ID = "customer_id"
CARRIED = ("name", "segment", "arr", "owner")  # account columns carried through when present
STATUSES = ("ok", "missing", "stale", "future", "off")  # a signal's `.status`, kernel code order
# the columns the kernel always writes besides the id: name → "number" (float) or "text"
RESULTS = {"profile": "text", "score": "number", "tier": "text", "coverage": "number",
           "priority": "number"}
REASONS = "reasons"  # text; only when the run explains
DRIVER = "driver_"   # driver_1 .. driver_k: signal names (category), k from the weight file
SIGNAL_PARTS = ("raw", "score", "weight", "points", "status")
GROUP_PARTS = ("score", "weight", "points")
# each part's dtype: "number" (float), "status" (one of STATUSES), "raw" (a number or text)
PART_KINDS = {"raw": "raw", "score": "number", "weight": "number", "points": "number",
              "status": "status"}
_DRIVER = re.compile(rf"^{DRIVER}[1-9][0-9]*$")


def column(item: str, part: str) -> str:
    """The column of one part of a signal or group: `nps.points`."""
    return f"{item}.{part}"


def item_columns(name: str, kind: str = "signal") -> list[str]:
    """Every column a signal (or a group) has, in the kernel's order."""
    return [column(name, p) for p in (SIGNAL_PARTS if kind == "signal" else GROUP_PARTS)]


def split(col: object) -> tuple[str, str] | None:
    """`nps.points` → (`nps`, `points`); None when the name has no known part suffix. The
    part is the text after the last ".", so an item name may itself hold dots."""
    base, _, part = str(col).rpartition(".")
    return (base, part) if base and part in PART_KINDS else None


def items(columns: Iterable[object]) -> dict[str, str]:
    """Signal and group names of a scored frame → "signal" or "group", in column order: a
    signal has all its parts' columns with `.status` among them, a group its three."""
    columns = list(columns)
    cols = set(map(str, columns))
    found: dict[str, str] = {}
    for col in columns:
        parsed = split(col)
        if parsed is None or parsed[0] in found:
            continue
        base = parsed[0]
        if all(c in cols for c in item_columns(base, "signal")):
            found[base] = "signal"
        elif all(c in cols for c in item_columns(base, "group")):
            found[base] = "group"
    return found


def signals(columns: Iterable[object]) -> list[str]:
    """The signal names of a scored frame, in column order."""
    return [name for name, kind in items(columns).items() if kind == "signal"]


def driver_column(j: int) -> str:
    """The column of the j-th driver, counted from 1."""
    return f"{DRIVER}{j}"


def is_driver(col: object) -> bool:
    return bool(_DRIVER.match(str(col)))


def account_columns(columns: Sequence[object]) -> list[str]:
    """The columns that describe the account, not its score: the id, the carried columns and
    any other the run kept (everything but results, drivers, reasons and item parts)."""
    kinds = items(columns)
    scored = {c for name, kind in kinds.items() for c in item_columns(name, kind)}
    return [str(c) for c in columns if str(c) not in RESULTS and str(c) != REASONS
            and not is_driver(c) and str(c) not in scored]


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series) \
        and not isinstance(series.dtype, pd.CategoricalDtype)


def validate(frame: pd.DataFrame) -> list[Problem]:
    """What keeps `frame` from being a scored frame, every problem at once (empty: it is
    one). Cheap on any size: dtypes are read, and only a text `.status` is scanned."""
    problems: list[Problem] = []
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        twice = sorted({c for c in columns if columns.count(c) > 1})
        return [Problem(f"the scored frame names columns more than once: {', '.join(twice)}")]
    if ID not in columns:
        problems.append(Problem(f"the scored frame has no `{ID}` column", key=ID))
    elif frame[ID].isna().any() or frame[ID].astype(str).duplicated().any():
        problems.append(Problem(f"every {ID} must be present and unique in a scored frame",
                                key=ID))
    for name, kind in RESULTS.items():
        if name not in columns:
            problems.append(Problem(f"the scored frame has no `{name}` column", key=name))
        elif (kind == "number") != _is_number(frame[name]):
            problems.append(_dtype(name, kind, frame[name]))
    for name in [REASONS, *filter(is_driver, columns)]:
        if name in columns and _is_number(frame[name]):
            problems.append(_dtype(name, "text", frame[name]))
    parts: dict[str, list[str]] = {}
    for col in columns:
        parsed = split(col)
        if parsed is not None:
            parts.setdefault(parsed[0], []).append(col)
    for base, have in parts.items():
        kind = next((k for k in ("signal", "group") if set(have) == set(item_columns(base, k))),
                    None)
        if kind is None:
            problems.append(Problem(
                f"`{base}` has the columns {', '.join(have)} but is neither a signal "
                f"({', '.join(item_columns(base, 'signal'))}) nor a group "
                f"({', '.join(item_columns(base, 'group'))})", key=base))
            continue
        for col in have:
            problems += _part_problems(frame[col], col, PART_KINDS[col.rpartition(".")[2]])
    return problems


def _part_problems(series: pd.Series, col: str, kind: str) -> list[Problem]:
    if kind == "number" and not _is_number(series):
        return [_dtype(col, "number", series)]
    if kind == "status":
        dtype = series.dtype
        found = dtype.categories if isinstance(dtype, pd.CategoricalDtype) else \
            pd.unique(series.dropna().astype(str))
        odd = sorted(set(map(str, found)) - set(STATUSES))
        if odd:
            return [Problem(f"`{col}` holds {', '.join(odd)}; a status is one of "
                            f"{', '.join(STATUSES)}", key=col)]
    return []


def _dtype(col: str, kind: str, series: pd.Series) -> Problem:
    want = "numbers (float)" if kind == "number" else "text"
    return Problem(f"`{col}` must hold {want}; found dtype {series.dtype}", key=col)
