"""All-or-nothing output folders.

Pages are written into a fresh temporary folder next to the target (same file system, so the
final rename is atomic) and swapped in only when every page rendered. A failure removes the
temporary folder and leaves the previous output untouched. A marker file identifies folders
healthscore wrote, so `--out ~/Documents` can never replace a folder of someone's files, and a
folder that holds a file the renderer does not write (the weight file, a note) is refused too:
replacing the folder would delete it. Temporary folders carry the process id; those of a killed
render are removed by the next one (healthscore.io.guard).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healthscore.errors import HealthscoreError, Problem
from healthscore.io.guard import remove_stale, tmp_prefix, uninterrupted

MARKER = ".healthscore-render"
# what a render writes: the portfolio, scorecards and outreach lists (render/api.py layout)
_OURS = re.compile(r"^(index\.html|\.healthscore-render|customers/[^/]+\.(html|md)"
                   r"|outreach/[^/]+\.(html|md|csv))$")


def foreign_files(out_dir: Path, limit: int = 5) -> list[str]:
    """Files in an earlier render's folder that a render does not write (up to `limit`)."""
    found = []
    for root, _dirs, files in os.walk(out_dir):
        rel = Path(root).relative_to(out_dir)
        for name in files:
            path = (rel / name).as_posix()
            if not _OURS.match(path):
                found.append(path)
        if len(found) >= limit:
            break
    return found[:limit]


def check_target(out_dir: Path) -> None:
    """The target must be absent, empty, or a folder this renderer wrote before."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise HealthscoreError(Problem("output path exists and is not a folder",
                                       file=str(out_dir)))
    if not any(out_dir.iterdir()):
        return
    if (out_dir / MARKER).exists():
        theirs = foreign_files(out_dir)
        if theirs:
            raise HealthscoreError(Problem(
                f"output folder holds files `healthscore render` did not write "
                f"({', '.join(theirs)}); the folder is replaced as a whole, so they would be "
                "deleted: move them, or choose another folder", file=str(out_dir)))
        return
    raise HealthscoreError(Problem(
        "output folder is not empty and was not written by `healthscore render`; "
        "choose a new or empty folder (its contents would be replaced)", file=str(out_dir)))


@contextmanager
def staged_dir(out_dir: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `out_dir`, on failure it vanishes."""
    target = Path(out_dir).absolute()
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for kind in ("tmp", "old"):
            remove_stale(target.parent, f".{target.name}.{kind}-")
        tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(f".{target.name}.tmp-"),
                                    dir=target.parent))
    except OSError as exc:
        raise HealthscoreError(Problem(f"cannot create the output folder: {exc.strerror}",
                                       file=str(target))) from None
    try:
        tmp.chmod(0o755)
        (tmp / MARKER).write_text("written by healthscore render; replaced on each render\n")
        yield tmp
    except OSError as exc:  # a full disk: name the folder (the file may be unnamed)
        shutil.rmtree(tmp, ignore_errors=True)
        raise HealthscoreError(Problem(
            f"cannot write the pages: {exc.strerror or exc}; the previous output is unchanged",
            file=str(target))) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with uninterrupted():
        _swap(tmp, target)


def _swap(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f"{tmp_prefix(f'.{target.name}.old-')}{uuid.uuid4().hex[:8]}"
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
