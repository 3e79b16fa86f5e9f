"""Outputs appear whole or not at all.

Files are written under a temporary name in the target folder and renamed into place (a rename
within one file system is atomic), so a failed run leaves no partial file and the previous
output stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success its files replace those in `target`.

    Files in `target` that this run does not produce are kept; each produced file is moved in
    with an atomic rename only after the whole run succeeded.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".healthscore-", dir=target))
    try:
        yield tmp
        for src in sorted(tmp.rglob("*")):
            if src.is_file():
                dest = target / src.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
