"""What parsed of a weight file that did not, so its logic is checked in the same pass.

A file with a format error (an unknown key, a wrong type) used to get its rule errors (a group
naming a signal that does not exist) only on the next run, once the format was fixed. Here the
parts pydantic rejected are taken out (an unknown key alone when that is all that is wrong
with its entry, else the whole signal, group, segment or source; else the top-level key, whose
default then applies) and the rest validated again, so the rules can check it. The names
taken out are kept: a reference to an entry that did not parse is not an unknown name, and
the rules say nothing more about it.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from healthscore.weights.model import WeightFile

SECTIONS = ("signals", "groups", "segments", "sources")  # mappings of named entries
ROUNDS = 5  # taking a part out can uncover another (a required key now missing): a few rounds

Unparsed = dict[str, set[str]]  # section → names of its entries taken out


def parsed_part(data: Any, error: ValidationError) -> tuple[WeightFile | None, Unparsed]:
    """The file's valid part as a `WeightFile` (None when too little parsed, e.g. a required
    top-level key is wrong) and the entries taken out, per section."""
    unparsed: Unparsed = {}
    if not isinstance(data, dict):
        return None, unparsed
    data = copy.deepcopy(data)
    for _ in range(ROUNDS):
        if not any([_take_out(data, err, unparsed) for err in error.errors()]):
            return None, unparsed  # nothing more could be taken out
        try:
            return WeightFile.model_validate(data), unparsed
        except ValidationError as exc:
            error = exc
    return None, unparsed


def _take_out(data: dict, err: dict, unparsed: Unparsed) -> bool:
    """Remove the part `err` is about; whether anything was removed."""
    loc = tuple(err["loc"])
    if not loc or loc[0] not in data:
        return False
    section = loc[0]
    if err["type"] == "extra_forbidden" and _delete(data, loc):
        return True  # the unknown key alone: the entry keeps what it said right
    entries = data.get(section)
    if section in SECTIONS and len(loc) > 1 and isinstance(entries, dict) and loc[1] in entries:
        del entries[loc[1]]
        unparsed.setdefault(section, set()).add(str(loc[1]))
        return True
    del data[section]
    return True


def _delete(data: dict, loc: tuple) -> bool:
    """Delete the mapping key at `loc`, when every step of it exists."""
    node: Any = data
    for step in loc[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):  # a step pydantic added (a union's tag)
            return False
    if isinstance(node, dict) and loc[-1] in node:
        del node[loc[-1]]
        return True
    return False
