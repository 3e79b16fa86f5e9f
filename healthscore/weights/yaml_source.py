"""Read YAML while remembering where every key came from.

Weight files are edited by hand; an error is only useful if it points at the line. We compose
the YAML node graph (which carries marks) and build plain Python data plus a map from key path
to (file, line), so pydantic errors (which report a key path) can be located afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct(node: yaml.Node, loader: _Loader, path: KeyPath, file: str,
               lines: dict[KeyPath, tuple[str, int]], problems: list[Problem]) -> Any:
    lines.setdefault(path, (file, node.start_mark.line + 1))
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
            out[key] = _construct(value_node, loader, child, file, lines, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loader, (*path, i), file, lines, problems)
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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem("file not found", file=file)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(f"cannot read the file: {exc}", file=file)]
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
        return None, [Problem(f"not valid YAML: {exc.problem or exc}", file=file, line=line)]
    except yaml.YAMLError as exc:
        return None, [Problem(f"not valid YAML: {exc}", file=file)]
    lines.setdefault((), (file, 1))
    return Located(data, file, lines), problems
