"""Load weight files: parse, resolve `extends:`, validate, check rules, report everything.

Problems are collected across all files and all stages and raised together, so an ops analyst
fixes a file in one pass instead of one error per run.

Weight files get shared, so what one may reach is confined (docs/security.md): every file it
names (`extends:`, `segments.*.use`, `sources: FILE`, `sources.*.path`) must lie inside the
project folder, which is the working directory, or the weight file's own folder when the file
is outside the working directory. The files it reads as weight files must end in `.yaml` or
`.yml`, so no message ever quotes another kind of file. A `kind: sql` source may connect
only to a database host on the operator's allow-list (`HEALTHSCORE_ALLOWED_HOSTS`, or the
`hosts=` argument), and a SQLite file it names follows the folder rule
(healthscore/spec/reach.py). `confine=False` (the CLI's `--allow-outside`) lifts these rules
for a file you trust.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from healthscore.errors import Problem, WeightFileError
from healthscore.spec.reach import (
    OPT_OUT,
    HostPattern,
    Reach,
    allowed_hosts_from_env,
    host_problem,
    parse_hosts,
    sqlite_path,
)
from healthscore.weights.model import WeightFile
from healthscore.weights.pydantic_errors import translate
from healthscore.weights.salvage import Unparsed, parsed_part
from healthscore.weights.yaml_source import KeyPath, Located, load_yaml


def _display(path: Path) -> str:
    """Paths relative to the working directory when possible: shorter and clickable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Scope:
    """The folder a weight file's paths must stay in and the database hosts it may name;
    None: anywhere (`confine=False`)."""

    root: Path | None
    hosts: tuple[HostPattern, ...] | None = None

    @classmethod
    def of(cls, path: Path, confine: bool,
           hosts: tuple[HostPattern, ...] | None = None) -> Scope:
        if not confine:
            return cls(None)
        here = Path.cwd().resolve()
        file = Path(path).resolve()
        return cls(here if _inside(file, here) else file.parent,
                   allowed_hosts_from_env() if hosts is None else hosts)

    @property
    def reach(self) -> Reach:
        return Reach(self.root, self.hosts if self.root is not None else None)

    def allows(self, target: Path) -> bool:
        return self.root is None or _inside(target.resolve(), self.root)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _reachable(target: Path, ref: str, key: str, file: str, line: int | None, scope: Scope,
               problems: list[Problem], yaml_only: bool = True) -> bool:
    """Whether a weight file may read `target` (named `ref` at `key`); says why not."""
    if yaml_only and target.suffix.lower() not in YAML_SUFFIXES:
        problems.append(Problem(f"`{ref}` is not a weight file: `{key}` takes a .yaml or .yml "
                                "file", file=file, line=line, key=key))
        return False
    if not scope.allows(target):
        problems.append(Problem(
            f"`{ref}` is outside the project folder {scope.root}; a weight file may "
            f"only name files inside it (pass {OPT_OUT} to trust this file)", file=file,
            line=line, key=key))
        return False
    return True


def _sql_reachable(name: str, url: str, located: Located, scope: Scope,
                   problems: list[Problem]) -> None:
    """A sql source's URL names a database host the operator allowed, or a SQLite file inside
    the project folder (relative to the file that names it)."""
    key = f"sources.{name}.url"
    file, line = located.where(("sources", name, "url"))
    why = host_problem(url, scope.reach)
    if why is not None:
        problems.append(Problem(why, file=file, line=line, key=key))
        return
    db = sqlite_path(url)
    if db is not None:
        _reachable(Path(file).parent / db, db, key, file, line, scope, problems,
                   yaml_only=False)


def _merge(base: Located, child: Located) -> Located:
    """Deep-merge `child` over `base`: mappings merge, anything else is replaced;
    a key set to null in the child removes it."""

    def merge(a: Any, b: Any, path: KeyPath, lines: dict) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                sub = (*path, key)
                if value is None and key in out:
                    out.pop(key)
                    for k in [k for k in lines if k[: len(sub)] == sub]:
                        del lines[k]
                elif key in out:
                    out[key] = merge(out[key], value, sub, lines)
                else:
                    out[key] = value
                    _copy_lines(child, lines, sub)
            return out
        # replaced wholesale: the child's lines describe it
        for k in [k for k in lines if k[: len(path)] == path and len(k) > len(path)]:
            del lines[k]
        _copy_lines(child, lines, path)
        return copy.deepcopy(b)

    lines = dict(base.lines)
    data = merge(copy.deepcopy(base.data), child.data, (), lines)
    for key, where in child.lines.items():  # keys the child states point at the child
        if key in lines or not key:
            lines[key] = where
    return Located(data, child.file, lines)


def _copy_lines(src: Located, lines: dict, prefix: KeyPath) -> None:
    for key, where in src.lines.items():
        if key[: len(prefix)] == prefix:
            lines[key] = where


MAX_EXTENDS = 32  # files in one `extends:` chain (each read, merged; recursion is bounded)


def _read_chain(path: Path, problems: list[Problem], scope: Scope,
                stack: tuple[Path, ...] = ()) -> Located | None:
    """Read a file and everything it `extends`, merged."""
    path = path.resolve()
    display = _display(path)
    if path in stack:
        chain = " → ".join(_display(p) for p in (*stack, path))
        problems.append(Problem(f"`extends` goes round in a circle: {chain}", file=display,
                                key="extends"))
        return None
    located, parse_problems = load_yaml(path, display)
    problems.extend(parse_problems)
    if located is None:
        return None
    if not isinstance(located.data, dict):
        problems.append(Problem("a weight file is a mapping of keys (version:, name:, "
                                f"signals:, ...); found {type(located.data).__name__}",
                                file=display, line=1))
        return None
    parent = located.data.get("extends")
    if (parent is not None or stack) and "version" not in located.data:
        # merged data would inherit the version; every file must state its own
        problems.append(Problem("this key is required but missing (every file states its "
                                "format version, also one that extends another)",
                                file=display, line=1, key="version"))
    if parent is None:
        return located
    file, line = located.where(("extends",))
    if not isinstance(parent, str):
        problems.append(Problem(f"`extends` takes a file path; found {parent!r}", file=file,
                                line=line, key="extends"))
        return located
    base_path = path.parent / parent
    if not _reachable(base_path, parent, "extends", file, line, scope, problems):
        return located
    if not base_path.exists():
        problems.append(Problem(f"the file it extends, `{parent}`, does not exist "
                                f"(looked for {_display(base_path)})", file=file, line=line,
                                key="extends"))
        return located
    if len(stack) + 1 >= MAX_EXTENDS:  # checked here, where the key's line is known
        problems.append(Problem(
            f"`extends` goes more than {MAX_EXTENDS} files deep (from "
            f"{_display((*stack, path)[0])}); a base of a base of ... that long is a mistake: "
            "shorten the chain", file=file, line=line, key="extends"))
        return located
    base = _read_chain(base_path, problems, scope, (*stack, path))
    if base is None:
        return located
    return _merge(base, located)


def _inline_sources(located: Located, path: Path, problems: list[Problem], scope: Scope
                    ) -> None:
    """`sources: sources.yaml` names a separate file; read it in place."""
    ref = located.data.get("sources")
    if not isinstance(ref, str):
        return
    file, line = located.where(("sources",))
    src_path = Path(file).parent / ref  # relative to the file that names it
    if not _reachable(src_path, ref, "sources", file, line, scope, problems):
        located.data["sources"] = None
        return
    sub, sub_problems = load_yaml(src_path, _display(src_path))
    problems.extend(sub_problems)
    if sub is None:
        located.data["sources"] = None
        return
    data = sub.data.get("sources", sub.data) if isinstance(sub.data, dict) else sub.data
    prefix = ("sources",) if isinstance(sub.data, dict) and "sources" in sub.data else ()
    located.data["sources"] = data
    for key, where in sub.lines.items():
        if key[: len(prefix)] == prefix:
            located.lines[("sources", *key[len(prefix):])] = where


@dataclass
class Loaded:
    """One weight file as read: `wf` is None when too little parsed to check anything;
    with format problems it is the part that parsed (never used for a run: the file has
    errors), `unparsed` naming the entries taken out (weights/salvage.py)."""

    wf: WeightFile | None
    located: Located | None
    unparsed: Unparsed = field(default_factory=dict)


def _validate(located: Located, problems: list[Problem]) -> tuple[WeightFile | None, Unparsed]:
    """The model of the file; on format problems (all reported) the part that parsed, so the
    rules check it in the same pass."""
    try:
        return WeightFile.model_validate(located.data), {}
    except ValidationError as exc:
        problems.extend(translate(exc, located))
        return parsed_part(located.data, exc)


def _load_one(path: Path, problems: list[Problem], scope: Scope, *, for_segment: bool = False
              ) -> Loaded:
    located = _read_chain(Path(path), problems, scope)
    if located is None:
        return Loaded(None, None)
    _inline_sources(located, Path(path), problems, scope)
    if for_segment:
        located.data.pop("segments", None)  # a segment's file is one profile, not a family
    wf, unparsed = _validate(located, problems)
    if wf is None:
        return Loaded(None, located, unparsed)
    wf._path = _display(Path(path).resolve())
    wf._base_dir = str(Path(path).resolve().parent)
    for name, spec in (wf.sources or {}).items():  # where each source's `path:` was written
        file, line = located.where(("sources", name, "path"))
        wf._source_dirs[name] = str(Path(file).resolve().parent)
        if spec.path:
            _reachable(Path(file).parent / spec.path, spec.path, f"sources.{name}.path", file,
                       line, scope, problems, yaml_only=False)
        if spec.url:
            _sql_reachable(name, spec.url, located, scope, problems)
    wf._reach = scope.reach
    for seg_name, seg in wf.segments.items():
        if seg.use is None:
            continue
        file, line = located.where(("segments", seg_name, "use"))
        seg_path = Path(file).parent / seg.use  # relative to the file that names it
        if not _reachable(seg_path, seg.use, f"segments.{seg_name}.use", file, line, scope,
                          problems):
            continue
        if not seg_path.exists():
            problems.append(Problem(f"the file `{seg.use}` does not exist (looked for "
                                    f"{_display(seg_path)})", file=file, line=line,
                                    key=f"segments.{seg_name}.use"))
            continue
        seg = _load_one(seg_path, problems, scope, for_segment=True)
        if seg.wf is not None:
            wf._segment_files[seg_name] = seg.wf
    return Loaded(wf, located, unparsed)


def check_files(paths: Iterable[str | Path], *, confine: bool = True,
                hosts: str | Iterable[str] | None = None
                ) -> tuple[dict[str, WeightFile], list[Problem]]:
    """Validate weight files; returns the valid ones and every problem in every file.

    `confine=False` lets a file name files outside its project folder and any database host
    (module docstring); `hosts`: the database hosts its sql sources may name (`host[:port]`
    patterns; default: $HEALTHSCORE_ALLOWED_HOSTS)."""
    from healthscore.weights.rules import run_rules

    problems: list[Problem] = []
    loaded: dict[str, WeightFile] = {}
    allowed = None if hosts is None else parse_hosts(hosts, "hosts")
    for path in paths:
        file_problems: list[Problem] = []
        one = _load_one(Path(path), file_problems, Scope.of(Path(path), confine, allowed))
        if one.wf is not None and one.located is not None:  # what parsed, in the same pass
            file_problems.extend(run_rules(one.wf, one.located, one.unparsed))
        problems.extend(file_problems)
        if one.wf is not None and not any(p.severity == "error" for p in file_problems):
            loaded[str(path)] = one.wf
    return loaded, problems


def load_weights(path: str | Path | WeightFile, *, confine: bool = True,
                 hosts: str | Iterable[str] | None = None) -> WeightFile:
    """Load and validate one weight file; raises `WeightFileError` listing every problem.

    `confine=False` lets it name files outside its project folder and any database host;
    `hosts`: the database hosts it may name (default: $HEALTHSCORE_ALLOWED_HOSTS); see the
    module docstring."""
    if isinstance(path, WeightFile):
        return path
    loaded, problems = check_files([path], confine=confine, hosts=hosts)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise WeightFileError(errors)
    return loaded[str(path)]
