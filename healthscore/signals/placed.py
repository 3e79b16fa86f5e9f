"""Where each source of a weight file is read from, checked before anything is opened.

A relative `path:` (or SQLite database in `url:`) starts from the data folder when the
operator gives one (`--data`, `base_dir=`), else from the folder of the weight file that
declares the source (a base file reached by `extends:` keeps its own relative paths). The
folder rule is checked on exactly that path, the one that is then read: inside the project
folder or the data folder, unless the operator trusts the file (`--allow-outside`). A
database host is checked against the operator's allow-list again, before any connection
(healthscore/spec/reach.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from healthscore.errors import Problem, WeightFileError
from healthscore.spec.reach import OPT_OUT, Reach, host_problem, sqlite_path, with_sqlite_path
from healthscore.spec.sources import SourceSpec

if TYPE_CHECKING:
    from healthscore.weights.model import WeightFile


def place_sources(weights: WeightFile, base_dir: Path | str | None, *,
                  skip: set[str] = frozenset()) -> dict[str, SourceSpec]:
    """The weight file's sources with every relative path made the one that will be read;
    raises `WeightFileError` when one lies outside what the operator allowed. Sources in
    `skip` are not read (a table in memory stands in for them): kept as they are."""
    data = Path(base_dir) if base_dir is not None else None
    declared = weights.source_dirs
    fallback = Path(weights.base_dir or ".")
    reach = weights.reach
    problems: list[Problem] = []
    placed: dict[str, SourceSpec] = {}
    for name, spec in (weights.sources or {}).items():
        if name in skip:
            placed[name] = spec
            continue
        folder = data if data is not None else Path(declared.get(name) or fallback)
        update: dict[str, str] = {}
        if spec.path:
            path = _joined(spec.path, folder)
            update["path"] = str(path)
            _check_file(reach, path, spec.path, folder, data, weights.path,
                        f"sources.{name}.path", problems)
        if spec.url:
            key = f"sources.{name}.url"
            why = host_problem(spec.url, reach) if reach is not None else None
            if why is not None:
                problems.append(Problem(why, file=weights.path, key=key))
                continue
            db = sqlite_path(spec.url)
            if db is not None:
                path = _joined(db, folder)
                update["url"] = with_sqlite_path(spec.url, path)
                _check_file(reach, path, db, folder, data, weights.path, key, problems)
        placed[name] = spec.model_copy(update=update) if update else spec
    if problems:
        raise WeightFileError(problems)
    return placed


def _joined(written: str, folder: Path) -> Path:
    """Absolute, so the reader does not join it to a folder again."""
    return (folder / written).absolute()


def _check_file(reach: Reach | None, path: Path, written: str, folder: Path,
                data: Path | None, file: str | None, key: str, problems: list[Problem]) -> None:
    if reach is None or reach.allows_file(path, data):
        return
    problems.append(Problem(
        f"`{written}` (read from {folder}) is {path.resolve()}, outside {reach.folders(data)}; "
        f"a weight file may only name files inside them (pass {OPT_OUT} to trust this file)",
        file=file, key=key))
