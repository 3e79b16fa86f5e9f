"""Read YAML while remembering where every key came from.

Weight files are edited by hand; an error is only useful if it points at the line. We compose
the YAML node graph (which carries marks) and build plain Python data plus a map from key path
to (file, line), so pydantic errors (which report a key path) can be located afterwards.

Weight files are shared, so reading one must be safe whatever it holds: only a regular file
is read, and at most `MAX_BYTES` of it; nesting is limited to `MAX_DEPTH` levels and the data
after expanding aliases to `MAX_NODES` values (a 425-byte "billion laughs" file would
otherwise expand to gigabytes); a tag other than YAML's own (`!!python/object/apply`, `!foo`)
is an error, never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from healthscore.errors import Problem

KeyPath = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML data and the line of every key path in it."""

    data: Any
    file: str
    lines: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)

    def where(self, path: KeyPath) -> tuple[str, int | None]:
        """The file and line of `path`, or of its closest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), (self.file, None))


MAX_BYTES = 1024 * 1024  # a weight file is a few kilobytes; a megabyte is far beyond any
MAX_DEPTH = 64           # keys nest a handful of levels deep
MAX_NODES = 100_000      # values after expanding aliases
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class TooLarge(Exception):
    """The data would expand beyond `MAX_NODES` values."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (see `_construct`) and deep nesting."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # recursive in PyYAML: bounded here
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct(node: yaml.Node, loader: _Loader, path: KeyPath, file: str,
               lines: dict[KeyPath, tuple[str, int]], problems: list[Problem],
               budget: list[int] | None = None) -> Any:
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge
    if len(path) > MAX_DEPTH:  # an alias can nest a node inside itself
        raise TooLarge
    lines.setdefault(path, (file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (_MAP, _SEQ):
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(f"unknown tag `{tag}`; a weight file holds plain "
                                "mappings, lists and values", file=file,
                                line=node.start_mark.line + 1, key=_dotted(path) or None))
        return None
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list):
                key = tuple(key)
            key_str = key if isinstance(key, str) else key
            child = (*path, key_str)
            if key in out:
                problems.append(Problem(
                    f"duplicate key `{key}` (first defined on line {lines[child][1]}); "
                    "remove one of them", file=file, line=key_node.start_mark.line + 1,
                    key=_dotted(child)))
                continue
            lines[child] = (file, key_node.start_mark.line + 1)
            out[key] = _construct(value_node, loader, child, file, lines, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loader, (*path, i), file, lines, problems, budget)
                for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, bool):  # an unquoted on/off/yes/no key
            part = str(part).lower()
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def load_yaml(path: Path, display: str | None = None) -> tuple[Located | None, list[Problem]]:
    """Parse one YAML file; returns (None, problems) when it cannot be parsed at all."""
    file = display or str(path)
    text, problem = read_text(Path(path), file)
    if text is None:
        return None, [problem]
    problems: list[Problem] = []
    lines: dict[KeyPath, tuple[str, int]] = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = {} if node is None else _construct(node, loader, (), file, lines, problems)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        # the problem only: PyYAML's full message quotes the offending line of the file
        return None, [Problem(f"not valid YAML: {exc.problem or type(exc).__name__}",
                              file=file, line=line)]
    except yaml.YAMLError as exc:
        return None, [Problem(f"not valid YAML: {type(exc).__name__}", file=file)]
    except TooLarge:
        return None, [Problem(f"too large once its aliases (`*name`) are expanded (over "
                              f"{MAX_NODES:,} values or {MAX_DEPTH} levels); write the values "
                              "out or use fewer aliases", file=file)]
    lines.setdefault((), (file, 1))
    if any(p.message.startswith("unknown tag") for p in problems):
        return None, problems  # what the tag meant is unknown: nothing more can be said
    return Located(data, file, lines), problems


def read_text(path: Path, file: str) -> tuple[str | None, Problem | None]:
    """The text of a regular file of at most `MAX_BYTES`; (None, why not) otherwise. The
    messages never quote the file: it may not be a weight file at all."""
    try:
        if not path.is_file():  # a device (/dev/zero), a FIFO, a folder
            if not path.exists():
                return None, Problem("file not found", file=file)
            return None, Problem("not a regular file; a weight file is a YAML file", file=file)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, Problem(f"cannot read the file: {exc.strerror}", file=file)
    if len(data) > MAX_BYTES:
        return None, Problem(f"larger than {MAX_BYTES // 1024:,} KiB; a weight file is a few "
                             "kilobytes of YAML", file=file)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, Problem("not UTF-8 text; a weight file is YAML saved as UTF-8", file=file)
