"""Outputs appear whole or not at all.

Files are written under a temporary name in the target folder and renamed into place (a rename
within one file system is atomic), so a failed run leaves no partial file and the previous
output stays as it was. Temporaries carry the process id, so a run that was killed leaves
nothing the next run does not clean up; files healthscore did not write are never replaced
(healthscore.io.guard).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from healthscore.errors import HealthscoreError, Problem
from healthscore.io.guard import (
    Manifest,
    refuse_replacing,
    remove_stale,
    tmp_prefix,
    uninterrupted,
)

DIR_PREFIX = ".healthscore-"


def _make_folder(folder: Path) -> None:
    """Create the output folder, or say plainly why it cannot be one."""
    if folder.exists() and not folder.is_dir():
        raise HealthscoreError(Problem(
            "the output folder is an existing file; give a folder (it is created if needed)",
            file=str(folder)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HealthscoreError(Problem(f"cannot create the output folder: {exc.strerror}",
                                       file=str(folder))) from None


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    _make_folder(path.parent)
    remove_stale(path.parent, f".{path.name}.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(f".{path.name}."), suffix=".tmp",
                                   dir=path.parent)
    except OSError as exc:
        raise HealthscoreError(Problem(f"cannot write into the folder: {exc.strerror}",
                                       file=str(path.parent))) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | Path, owns: tuple[str, ...] = (),
               inputs: tuple[str | Path | None, ...] = (),
               record: tuple[str, frozenset[str]] | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success its files replace those in `target`.

    Each produced file is moved in with an atomic rename only after the whole run succeeded.
    Files named in `owns` (this writer's outputs) that the run did not produce are removed
    then, so an old `parents.csv` cannot outlive the roll-up that made it; anything else in
    `target` is the user's and is kept. A file named in `owns` that healthscore did not write
    (the user's own `run.json`) stops the run before anything is written, and so does one
    that is an input of the run (`inputs`). `record`: how a folder written before the outputs
    list existed shows the files are ours (a JSON file and its keys; default `run.json`).
    """
    target = Path(target)
    refuse_replacing(target, owns, inputs)
    created = not target.exists()
    _make_folder(target)
    manifest = Manifest(target, legacy=owns) if record is None else \
        Manifest(target, legacy=owns, record=record)
    manifest.refuse_foreign(target, owns)
    remove_stale(target, DIR_PREFIX)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(DIR_PREFIX), dir=target))
    except OSError as exc:
        raise HealthscoreError(Problem(f"cannot write into the output folder: {exc.strerror}",
                                       file=str(target))) from None
    done = False
    try:
        yield tmp
        with uninterrupted():
            _commit(tmp, target, owns, manifest)
        done = True
    except OSError as exc:  # a full disk: Arrow's errors name no file, so name the folder
        raise HealthscoreError(Problem(
            f"cannot write the outputs: {exc.strerror or exc}; nothing was changed",
            file=str(target))) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not done:
            with contextlib.suppress(OSError):
                target.rmdir()  # only when empty: a folder this run created for nothing


def _commit(tmp: Path, target: Path, owns: tuple[str, ...], manifest: Manifest) -> None:
    produced = set()
    for src in sorted(tmp.rglob("*")):
        if src.is_file():
            dest = target / src.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
            produced.add(str(src.relative_to(tmp)))
    for name in owns:
        if name not in produced and (target / name).is_file():
            (target / name).unlink()  # ours: refuse_foreign let it through
    # the names other writers recorded in a shared folder (backtest and diff) stay listed
    others = {n for n in manifest.names if n not in owns and (target / n).exists()}
    manifest.save(produced | others, tmp)
