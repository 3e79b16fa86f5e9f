"""Turn pydantic validation errors into located, plain-language problems.

pydantic reports a key path (`loc`) and an error type; we add the file and line from the YAML
source map, say what was expected and what was found, and suggest the nearest valid key for
typos ("did you mean").
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from healthscore.errors import Problem
from healthscore.weights.yaml_source import Located, dotted


def _model_at(root: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    """The model class that holds the last key of `path` (to list its valid keys)."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list, tuple):
            args = typing.get_args(current)
            current = args[-1] if args else Any
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Optional[X] → X; Annotated[X, ...] → X."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return _unwrap(models[0] if models else args[0]) if args else tp
    return tp


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _found(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"`{value}`"
    return text if len(text) <= 60 else text[:57] + "..."


def _message(err: dict, root: type[BaseModel]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    loc = err["loc"]
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        valid = [n for n in (model.model_fields if model else {})]
        key = str(loc[-1])
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        choices = f" Valid keys here: {', '.join(valid)}." if valid else ""
        return f"unknown key `{key}`{hint}{choices}"
    if kind == "invalid_key":
        return ("a key here was read as true/false, not text: YAML turns unquoted on, off, "
                "yes and no into booleans. Quote it, or use the documented key (a segment "
                "switches signals off with `disable:`)")
    if kind == "missing":
        return "this key is required but missing"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"must be one of {expected}; found {_found(value)}"
    if kind == "greater_than":
        return f"must be greater than {_num(ctx.get('gt'))}; found {_found(value)}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = f">= {_num(ctx['ge'])}" if "ge" in ctx else f"<= {_num(ctx.get('le'))}"
        return f"must be {bound}; found {_found(value)}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"must be a number; found {_found(value)}"
    if kind in ("string_type",):
        return f"must be text; found {_found(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys; found {_found(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list; found {_found(value)}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg']}; found {_found(value)}"


def translate(exc: ValidationError, located: Located, root: type[BaseModel] | None = None
              ) -> list[Problem]:
    """One `Problem` per pydantic error, with file, line and key path."""
    from healthscore.weights.model import WeightFile

    root = root or WeightFile
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"]
                    if not (isinstance(p, str) and p.startswith(("function-", "tag:"))))
        if err["type"] == "invalid_key" and loc:  # pydantic reports the key False as 0
            loc = (*loc[:-1], err.get("input"))
        file, line = located.where(loc)
        problems.append(Problem(_message(err, root), file=file, line=line,
                                key=dotted(loc) or None))
    return problems
