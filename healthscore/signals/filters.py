"""Row filters from a weight file (`filter:` / `match:`) as DuckDB conditions.

Values are written as SQL literals with quotes escaped, never pasted as text, so a filter cannot
change the query. A filter naming a column the table does not have is a configuration mistake:
it is reported with the signal's key path and the columns that exist.
"""

from __future__ import annotations

from healthscore.errors import Problem
from healthscore.signals.sources import Table, lit, q
from healthscore.spec.sources import Condition, Filter, FilterValue, Scalar


def literal(value: Scalar, text: bool = False) -> str:
    """A SQL literal; for a text column, numbers are compared as the text they are written
    as (`{plan: 2}` on a CSV column read as text matches "2")."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float) and not text:
        return repr(value)
    return lit(value)


def _one(column: str, value: FilterValue, text: bool) -> str:
    col = q(column)
    if value is None:
        return f"{col} IS NULL"
    if isinstance(value, list):
        return f"{col} IN ({', '.join(literal(v, text) for v in value)})" if value else "FALSE"
    if isinstance(value, Condition):
        parts = []
        if value.not_given:
            neg = value.not_
            if neg is None:
                parts.append(f"{col} IS NOT NULL")
            elif isinstance(neg, list):
                parts.append(f"({col} IS NULL OR {col} NOT IN "
                             f"({', '.join(literal(v, text) for v in neg)}))" if neg else "TRUE")
            else:
                parts.append(f"({col} IS NULL OR {col} <> {literal(neg, text)})")
        for key, op in (("above", ">"), ("at_least", ">="), ("below", "<"), ("at_most", "<=")):
            bound = getattr(value, key)
            if bound is not None:
                parts.append(f"{col} {op} {literal(bound)}")
        return " AND ".join(parts)
    return f"{col} = {literal(value, text)}"


def condition(filt: Filter | None, table: Table, key: str, file: str | None,
              problems: list[Problem]) -> str:
    """`TRUE` for no filter; unknown columns are appended to `problems`."""
    if not filt:
        return "TRUE"
    parts = []
    for column, value in filt.items():
        if column not in table.types:
            have = ", ".join(c for c in table.types if not c.startswith("__"))
            problems.append(Problem(
                f"filter on column `{column}`, which source `{table.name}` does not have; its "
                f"columns are: {have}", file=file, key=f"{key}.{column}"))
            continue
        parts.append(f"({_one(column, value, table.types[column] == 'VARCHAR')})")
    return " AND ".join(parts) or "TRUE"


def filter_columns(filt: Filter | None) -> set[str]:
    return set(filt or {})
