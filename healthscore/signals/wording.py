"""A computed signal's method in plain words, for scorecards and `validate` summaries.

The issue asks that e.g. the CES method (mean effort or share of low-effort answers) is stated
wherever the value is shown; this is the one text every output uses.
"""

from __future__ import annotations

from healthscore.spec.sources import MetricSpec


def _num(x: float) -> str:
    return f"{x:g}"


def describe(spec: MetricSpec) -> str:
    """E.g. `% of ratings 4-5 on a 1-5 scale, from `surveys`, where kind = csat, last 90d, at
    least 3 responses`. It is always shown next to the signal's own name, so it does not
    start with one ("CSAT: CSAT: …" on a scorecard)."""
    m = spec.metric
    col = spec.value_column()
    if m in ("csat", "ces"):
        lo, hi = spec.rating_scale()
        thr = spec.rating_threshold()
        scale = f"on a {_num(lo)}-{_num(hi)} scale"
        if m == "csat":
            what = (f"mean rating {scale}" if spec.rating_method() == "mean" else
                    f"% of ratings {_num(thr)}-{_num(hi)} {scale}")
        else:
            what = (f"mean effort {scale} (lower is better)"
                    if spec.rating_method() == "mean" else
                    f"% of low-effort answers ({_num(lo)}-{_num(thr)}) {scale}")
    elif m == "nps":
        what = "% promoters (9-10) minus % detractors (0-6)"
    elif m == "count":
        what = "number of rows"
    elif m == "distinct":
        what = f"number of distinct `{col}`"
    elif m in ("sum", "mean", "min", "max"):
        what = f"{m} of `{col}`"
    elif m == "last":
        what = f"latest `{col}`"
    elif m == "days_since":
        what = f"days since the {'first' if spec.since == 'first' else 'latest'} row"
    elif m == "days_until":
        what = "days until the next date"
    elif m == "duration":
        what = f"mean {spec.unit or 'hours'} from `{spec.start}` to `{spec.end}`"
    elif m == "trend":
        base = spec.of or "count"
        what = (f"change of {base}" + (f" of `{col}`" if col else "")
                + " against the previous window, as a fraction")
    else:  # share
        what = "share of rows matching " + _filter(spec.match)
    parts = [what, f"from `{spec.table}`"]
    if spec.filter:
        parts.append("where " + _filter(spec.filter))
    if spec.open:
        parts.append(f"open at the as-of date (`{spec.open.from_}` passed, "
                     f"`{spec.open.until}` not yet)")
    parts.append(f"last {spec.window}" if spec.window else "all history up to the as-of date"
                 if m != "days_until" else "from the as-of date on")
    if spec.responses_needed() > 1:
        parts.append(f"at least {spec.responses_needed()} responses")
    if spec.per:
        parts.append(f"divided by `{spec.per}`")
    return ", ".join(parts)


def _filter(filt: dict | None) -> str:
    out = []
    for col, value in (filt or {}).items():
        if isinstance(value, list):
            out.append(f"{col} in {', '.join(map(str, value))}")
        elif hasattr(value, "model_dump"):
            ops = value.model_dump(by_alias=True, exclude_unset=True)
            out.append(" and ".join(
                f"{col} {'not in' if isinstance(v, list) else k.replace('_', ' ')} {_value(v)}"
                for k, v in ops.items()))
        else:
            out.append(f"{col} = {_value(value)}")
    return " and ".join(out)


def _value(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
