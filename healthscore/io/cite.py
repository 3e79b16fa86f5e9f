"""Point at the rows of a table the way its user finds them.

Every check that rejects values (text in a number column, a bad date, a duplicate id) names
where they are: `line 7 ("n/a")` in a CSV or Excel file (the header is line 1), `row 7` where
line numbers mean nothing (Parquet, a DataFrame). One helper, so every message reads alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthscore.errors import Problem
from healthscore.io.tables import SOURCE_ATTR


def cite_rows(df: pd.DataFrame, where: np.ndarray | pd.Series, column: str,
              limit: int = 5) -> str:
    """`line 7 ("n/a"), line 12 ("high") and 3 more` for the rows `where` selects (a boolean
    mask or row positions), quoting `column`."""
    positions = np.flatnonzero(np.asarray(where)) if np.asarray(where).dtype == bool \
        else np.asarray(where)
    src = df.attrs.get(SOURCE_ATTR) or {}
    first, offset = src.get("first_line"), src.get("row_offset", 0)
    values = df[column].iloc[positions[:limit]].tolist()
    shown = [f'{"line" if first else "row"} {pos + offset + (first or 1)} ("{value}")'
             for pos, value in zip(positions[:limit], values, strict=True)]
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return ", ".join(shown) + more


def duplicate_ids(values: Sequence, file: str | None, key: str) -> Problem:
    """The one wording of "these ids appear more than once"."""
    shown = ", ".join(map(str, values[:10]))
    more = f" and {len(values) - 10} more" if len(values) > 10 else ""
    return Problem(f"duplicate customer ids: {shown}{more}; each customer must appear once",
                   file=file, key=key)
