"""Output folders never cost the user a file.

Three rules, each one call for the writers (io.atomic, render.output):

- `refuse_inputs`: an output folder must not hold (or be inside) one of the run's inputs:
  replacing the folder would delete the weight file or the customer table that made it.
- `Manifest`: a folder `score` writes into keeps a list of the files healthscore wrote there
  (`.healthscore-outputs`); a file of the same name that is not on the list is the user's,
  and is never overwritten or removed.
- `remove_stale`: temporary files and folders carry the id of the process that made them
  (`.healthscore-<pid>-…`); a later run removes those whose process no longer exists (a killed
  run), and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from healthscore.errors import HealthscoreError, Problem

MANIFEST = ".healthscore-outputs"
RUN_RECORD = frozenset({"run_id", "resolved_weights"})  # the keys that make a run.json ours


def _resolved(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def refuse_inputs(out_dir: str | Path, inputs: Iterable[str | Path | None],
                  folders: Iterable[str | Path | None] = ()) -> None:
    """Raise when the output folder is or contains one of `inputs`, or lies inside one of
    `folders` (input folders a run reads everything from: a folder of Parquet files, the
    templates). Names that are not on disk ("<DataFrame>") are skipped."""
    out = _resolved(out_dir)
    checks = [(given, False) for given in inputs] + [(given, True) for given in folders]
    for given, whole in checks:
        if given is None or not Path(given).exists():
            continue
        src = _resolved(given)
        if src == out or out in src.parents:
            what = "holds"
        elif whole and src in out.parents:
            what = "is inside"
        else:
            continue
        raise HealthscoreError(Problem(
            f"the output folder {what} an input of this run ({given}); choose an output "
            "folder apart from the inputs: the folder is replaced as a whole",
            file=str(out_dir)))


def refuse_replacing(folder: str | Path, owns: Iterable[str],
                     inputs: Iterable[str | Path | None]) -> None:
    """Raise when one of the files a writer puts in `folder` (`owns`) is one of the run's
    `inputs`: `score -c out/scores.csv -o out` would replace the table it is reading, even
    though an earlier `score` wrote it."""
    out = _resolved(folder)
    targets = {out / name: name for name in owns}
    for given in inputs:
        if given is None or not Path(given).is_file():
            continue
        name = targets.get(_resolved(given))
        if name is not None:
            raise HealthscoreError(Problem(
                f"this run reads {given} and would replace it with its own {name}; write the "
                "outputs into another folder (--out), or move the input", file=str(folder)))


class Manifest:
    """Which files in a folder healthscore wrote (one name a line)."""

    def __init__(self, folder: Path, legacy: Iterable[str] = (),
                 record: tuple[str, frozenset[str]] = ("run.json", RUN_RECORD)):
        """`legacy`: names to count as ours in a folder written before the list existed,
        recognised by its record: a JSON file (`run.json`) holding our keys (`run_id` and
        `resolved_weights`; a backtest's or a diff's report keys for those)."""
        self.path = folder / MANIFEST
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = "\n".join(legacy) if _is_run_record(folder / record[0], record[1]) else ""
        except OSError:
            text = ""
        self.names = {line for line in text.splitlines() if line}

    def foreign(self, folder: Path, names: Iterable[str]) -> list[str]:
        """Of `names`, those present in `folder` that healthscore did not write."""
        return sorted(n for n in names if (folder / n).exists() and n not in self.names)

    def refuse_foreign(self, folder: Path, names: Iterable[str]) -> None:
        theirs = self.foreign(folder, names)
        if theirs:
            raise HealthscoreError(Problem(
                f"the output folder holds {', '.join(theirs)}, not written by healthscore; "
                "the run would replace "
                + ("it" if len(theirs) == 1 else "them")
                + ". Move " + ("it" if len(theirs) == 1 else "them")
                + " or choose another output folder", file=str(folder)))

    def save(self, names: Iterable[str], tmp_dir: Path) -> None:
        """Record `names` atomically (written in `tmp_dir`, renamed into place)."""
        tmp = tmp_dir / MANIFEST
        tmp.write_text("".join(f"{n}\n" for n in sorted(set(names))), encoding="utf-8")
        os.replace(tmp, self.path)


def _is_run_record(path: Path, keys: frozenset[str] = RUN_RECORD) -> bool:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and keys <= set(data)


@contextlib.contextmanager
def uninterrupted():
    """Hold Ctrl-C back while outputs are moved into place, so an interrupted run leaves the
    previous outputs or the complete new ones, never a mix; the interrupt is delivered when
    the block ends. (Only the main thread receives signals, so elsewhere this does nothing.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def tmp_prefix(base: str) -> str:
    """`base` + this process's id: whose temporary it is, for `remove_stale`."""
    return f"{base}{os.getpid()}-"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale(folder: Path, base: str) -> list[Path]:
    """Remove `<base><pid>-*` files and folders in `folder` left by processes that are gone."""
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(base) + r"(\d+)-")
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or pid_alive(int(match.group(1))):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed
