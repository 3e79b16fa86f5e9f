"""All-or-nothing output folders.

Pages are written into a fresh temporary folder next to the target (same file system, so the
final rename is atomic) and swapped in only when every page rendered. A failure removes the
temporary folder and leaves the previous output untouched. A marker file identifies folders
healthscore wrote, so `--out ~/Documents` can never replace a folder of someone's files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healthscore.errors import HealthscoreError, Problem

MARKER = ".healthscore-render"


def check_target(out_dir: Path) -> None:
    """The target must be absent, empty, or a folder this renderer wrote before."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise HealthscoreError(Problem("output path exists and is not a folder",
                                       file=str(out_dir)))
    if (out_dir / MARKER).exists() or not any(out_dir.iterdir()):
        return
    raise HealthscoreError(Problem(
        "output folder is not empty and was not written by `healthscore render`; "
        "choose a new or empty folder (its contents would be replaced)", file=str(out_dir)))


@contextmanager
def staged_dir(out_dir: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `out_dir`, on failure it vanishes."""
    target = Path(out_dir).absolute()
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)
        (tmp / MARKER).write_text("written by healthscore render; replaced on each render\n")
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(tmp, target)


def _swap(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_file(path: str | Path, text: str) -> None:
    """Write a page with the fewest system calls (open, write, close).

    Creating 20,000 files is a large share of a render on a slow disk; `open()` in text mode
    adds a stat and a terminal check to every file.
    """
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
