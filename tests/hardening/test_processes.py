"""No hang and no traceback: a lost render worker fails the run; Ctrl-C says `Aborted!`;
system errors and out-of-range options are one-line messages (issue 11 item 9 and the
tracebacks list). Processes are really killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import healthscore
from healthscore.errors import HealthscoreError, TemplateError
from healthscore.io.guard import MANIFEST
from healthscore.render import render_run
from healthscore.render.pool import WorkerLost
from tests.conftest import ROOT, write_weights
from tests.render import render_sample
from tests.render.conftest import WEIGHTS as RENDER_WEIGHTS

SIGNALS = {"csat": {"column": "csat_pct", "score": {"linear": [60, 95]}},
           "nps": {"score": {"linear": [-20, 60]}}}


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.fixture(scope="module")
def big_run():
    return healthscore.score_run(render_sample.customers(900), RENDER_WEIGHTS,
                                 as_of=render_sample.AS_OF)


def test_a_worker_that_dies_fails_the_render_instead_of_hanging(tmp_path, big_run,
                                                                 monkeypatch):
    """Item 9: `kill -9` of one worker left `render` idle for minutes."""
    from healthscore.render import pool

    real = pool.ScorecardJob.render_range
    parent = os.getpid()

    def render_range(self, start, stop):
        if start >= 450 and os.getpid() != parent:  # a worker, half way through
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, start, stop)

    monkeypatch.setattr(pool.ScorecardJob, "render_range", render_range)
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="a render worker process ended unexpectedly"):
        render_run(big_run, tmp_path / "report", jobs=2)
    assert time.monotonic() - started < 60
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left
    # and the pool is gone: no worker outlives the run
    assert _children(os.getpid()) == []


def test_killing_a_render_worker_from_outside_ends_the_command(tmp_path):
    render_sample.customers(4000).to_csv(tmp_path / "c.csv", index=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "healthscore", "render", "-w", RENDER_WEIGHTS, "-c", "c.csv",
         "-o", "rep", "-q", "-j", "2", "--as-of", "2026-11-01"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not _children(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.01)
    time.sleep(0.3)  # let the workers start on their scorecards
    os.kill(_children(proc.pid)[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "a render worker process ended unexpectedly" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status and "\nState:\tX" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes: Linux")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_render_itself_ends_its_workers(tmp_path, sig):
    """Issue 20: SIGKILL (or SIGTERM) to `render`'s main process left its workers rendering
    forever. The real command is killed mid-run; no worker may survive it."""
    render_sample.customers(6000).to_csv(tmp_path / "c.csv", index=False)
    with (tmp_path / "err.txt").open("w") as err:  # not a pipe: a survivor would hold it open
        proc = subprocess.Popen(
            [sys.executable, "-m", "healthscore", "render", "-w", RENDER_WEIGHTS, "-c", "c.csv",
             "-o", "rep", "-q", "-j", "3", "--as-of", "2026-11-01"], cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=err)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "err.txt").read_text()
            time.sleep(0.01)
        time.sleep(0.3)  # the workers are rendering
        workers = _children(proc.pid)
        assert workers and all(_alive(w) for w in workers)
        os.kill(proc.pid, sig)
        assert proc.wait(timeout=60) == -sig
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        survivors = [w for w in workers if _alive(w)]
        for w in survivors:  # never leave them running, whatever failed
            os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert survivors == [], f"render workers {survivors} outlived their parent"


def test_ctrl_c_prints_aborted_and_exits_130_as_documented(tmp_path):
    """docs/cli.md and the CLI agree: `Aborted!`, exit 130, no output."""
    import numpy as np
    import pandas as pd

    n = 1_000_000
    rng = np.random.default_rng(1)
    pd.DataFrame({"customer_id": np.arange(n).astype(str), "csat_pct": rng.uniform(50, 99, n),
                  "nps": rng.uniform(-40, 80, n)}).to_parquet(tmp_path / "c.parquet",
                                                             row_group_size=50_000)
    weights = write_weights(tmp_path / "w.yaml", {"signals": SIGNALS})
    proc = subprocess.Popen(
        [sys.executable, "-m", "healthscore", "score", "-w", weights, "-c", "c.parquet", "-o",
         "out", "-q"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out").glob(".healthscore-*")) if (tmp_path / "out").exists() \
            else True:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Aborted!" and "Traceback" not in err, err
    out = tmp_path / "out"  # created by this run: removed with it when interrupted
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    # interrupted while scoring (nearly always): nothing; after the last chunk: all of it
    assert left in ([], [MANIFEST, "outreach.csv", "outreach.parquet", "run.json",
                         "scores.csv", "scores.parquet"]), left
    assert "prints `Aborted!` and exits\n130" in \
        (Path(__file__).parents[2] / "docs" / "cli.md").read_text()


@pytest.fixture
def small(tmp_path):
    (tmp_path / "c.csv").write_text("customer_id,csat_pct,nps\na,80,10\n")
    return write_weights(tmp_path / "w.yaml", {"signals": SIGNALS})


@pytest.mark.parametrize("args, message", [
    (["score", "-c", "c.csv", "-o", "/proc/nope/out"], "/proc/nope/out: cannot create the "
                                                       "output folder"),
    (["render", "-c", "c.csv", "-o", "afile/sub"], "afile/sub: cannot create the output "
                                                   "folder"),
    (["score", "-c", "c.csv", "-o", "out", "--as-of", "9999-12-31"],
     "9999-12-31 is out of range; give a date between 1900-01-01 and 2199-12-31"),
    (["score", "-c", "c.csv", "-o", "out", "--as-of", "0001-01-01"], "is out of range"),
])
def test_system_refusals_and_absurd_options_are_one_line_messages(tmp_path, cli, small,
                                                                  args, message):
    (tmp_path / "afile").write_text("a file, not a folder")
    proc = cli(*args[:1], "-w", small, *args[1:])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert message in " ".join(proc.stderr.replace("│", " ").split())  # Rich's box, unwrapped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "c.csv", "w.yaml"]


def test_a_full_disk_is_a_message_and_leaves_nothing(tmp_path, small, monkeypatch):
    """A full disk while writing: simulated at the writer (a real tmpfs needs root mounts)."""
    import errno

    from healthscore.cli.app import main
    from healthscore.io import writers

    def full(self, frame):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "out"))

    monkeypatch.setattr(writers.TableWriter, "write", full)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["healthscore", "score", "-w", str(small), "-c", "c.csv",
                                      "-o", "out", "-q"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    assert not (tmp_path / "out").exists()  # created for this run, removed with it


def test_demo_with_absurd_sizes_or_a_bad_out_writes_nothing(tmp_path, cli):
    (tmp_path / "afile").write_text("x")
    for args in (["--history-months", "30000"], ["--out", "afile/x"], ["--customers", "0"]):
        proc = cli("demo", *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_user_templates_run_in_the_sandbox(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "scorecard.md.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    run = healthscore.score_run(render_sample.customers(5), RENDER_WEIGHTS,
                                as_of=render_sample.AS_OF)
    with pytest.raises(TemplateError) as info:
        render_run(run, tmp_path / "report", template_dir=tmp_path / "tpl")
    assert "SecurityError" in str(info.value) and "scorecard.md.j2:1" in str(info.value)
    assert not (tmp_path / "report").exists()


NESTED = ("{% for a in range(100000) %}{% for b in range(100000) %}{{ '' }}"
          "{% endfor %}{% endfor %}\n")


@pytest.mark.parametrize("jobs, n", [(1, 5), (2, 900)], ids=["in-process", "workers"])
def test_a_user_template_that_never_ends_is_stopped(tmp_path, monkeypatch, jobs, n):
    """Issue 20: a user template with a loop inside a loop rendered forever. Each page of the
    user's templates gets PAGE_SECONDS (here 1), in the CLI's process and in each worker."""
    from healthscore.render import env

    monkeypatch.setattr(env, "PAGE_SECONDS", 1.0)
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "scorecard.md.j2").write_text("# {{ customer.name }}\n" + NESTED)
    run = healthscore.score_run(render_sample.customers(n), RENDER_WEIGHTS,
                                as_of=render_sample.AS_OF)
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        render_run(run, tmp_path / "report", template_dir=tmp_path / "tpl", jobs=jobs)
    assert time.monotonic() - started < 60
    text = str(info.value)
    assert "scorecard.md.j2:2: PageTimeLimit: the page took longer than 1 s to render" in text
    assert not (tmp_path / "report").exists()
    assert _children(os.getpid()) == []


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_absurd_as_of_with_raw_exports_is_a_message_in_the_api_too(tmp_path, day):
    from healthscore.errors import DataError
    from healthscore.sample.raw import generate_raw
    from tests.conftest import ROOT

    generate_raw(tmp_path / "raw", n_customers=5)
    wf = healthscore.load_weights(ROOT / "weights" / "from-exports.yaml")
    with pytest.raises(DataError, match=f"as-of date {day} is out of range"):
        healthscore.compute_signals(wf, day, base_dir=tmp_path)


def test_a_full_disk_in_a_render_worker_is_a_message(tmp_path, big_run, monkeypatch, capsys):
    """A worker's OSError fails the render with a message naming the output folder."""
    import errno

    from healthscore.render import pool

    parent = os.getpid()
    real = pool.ScorecardJob.render_range

    def render_range(self, start, stop):
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.folder / "x.html"))
        return real(self, start, stop)

    monkeypatch.setattr(pool.ScorecardJob, "render_range", render_range)
    with pytest.raises(HealthscoreError) as info:
        render_run(big_run, tmp_path / "report", jobs=2)
    assert str(info.value) == (f"{tmp_path / 'report'}: cannot write the pages: No space left "
                               "on device; the previous output is unchanged")
    assert list(tmp_path.iterdir()) == []
