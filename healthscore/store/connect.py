"""Opening a store: a SQLite file by default, any PostgreSQL database by URL, one code path.

Writes take the store's write lock first (SQLite `BEGIN IMMEDIATE`, a PostgreSQL transaction
advisory lock), so two runs recording at once queue up instead of interleaving; readers never
wait for the lock. A read-only open of a SQLite file that does not exist fails instead of
creating an empty store.

Opening checks, before anything is read or written, that the target is a healthscore store
this version can use: a file that is not a SQLite database, another application's database
(tables but no `alembic_version`), a store written by a newer healthscore (a schema revision
this version does not know) and, when opened for writing, a store this process cannot write
(a read-only file or folder, a read-only database user) are each one `DataError`. Waiting for
another process's lock is bounded (`wait` seconds), and a database error while reading or
writing (a damaged file, a full disk at commit) is a `DataError` naming the store, never a
traceback; the transaction is rolled back, so nothing is half-recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from healthscore.errors import DataError, Problem
from healthscore.store import migrate

ENV = "HEALTHSCORE_STORE"
DEFAULT_NAME = "healthscore.db"
LOCK_KEY = 0x6865616C  # with the schema's hash: the advisory lock a store's writers take
BUSY_SECONDS = 600     # how long a writer waits for another one to finish (queued runs)
READ_WAIT = 30         # how long a reader (history, render --run) waits for a writer's lock
SQLITE_MAGIC = b"SQLite format 3\x00"
CACHE_KIB = 131_072    # SQLite page cache: dirty pages of a big run spill to disk less


@dataclass
class Store:
    """An open store: its engine and where it is (for messages)."""

    engine: sa.Engine
    where: str
    read_only: bool = False
    wait: float = BUSY_SECONDS  # seconds to wait for another process's lock
    path: Path | None = None    # the SQLite file (None for PostgreSQL)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        with self._errors("read"), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One transaction holding the write lock: committed on success, rolled back on any
        error or interruption (and by the database itself when the process is killed)."""
        if self.read_only:
            raise DataError(Problem("the store was opened read-only", file=self.where))
        with self._errors("write"), \
                self.engine.connect().execution_options(healthscore_write=True) as conn, \
                conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.text(
                    "SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                    {"k": LOCK_KEY})
            yield conn

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """The database's own errors (a lock held too long, a full disk, a damaged file) as a
        `DataError` naming the store; the transaction has been rolled back by then. Errors of
        our own SQL (`ProgrammingError`, `IntegrityError`) stay bugs and are not caught."""
        dbapi = self.engine.dialect.dbapi
        try:
            yield
        except (sa.exc.DBAPIError, dbapi.Error) as exc:
            # rows fetched from the driver's cursor directly raise the driver's own errors
            orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
            if not _is_database_fault(orig, dbapi):
                raise
            raise DataError(self._problem(orig, doing)) from None

    def _problem(self, orig: BaseException, doing: str) -> Problem:
        text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        if _locked(orig):
            holders = lock_holders(self)
            return Problem(
                f"the store is locked by another process ({holders or 'not identified'}); "
                f"waited {self.wait:g} s. Try again when it has finished, or wait longer "
                "(--wait SECONDS)", file=self.where)
        if doing == "write":
            return Problem(f"cannot write the run store: {text}; nothing was recorded "
                           "(the store is as it was)", file=self.where)
        return Problem(f"cannot read the run store: {text}", file=self.where)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_database_fault(orig: BaseException, dbapi) -> bool:
    """An error of the database or its file, not of the SQL we send: SQLite's `file is not a
    database`, `database disk image is malformed`, `database or disk is full`, `database is
    locked`, `attempt to write a readonly database`; PostgreSQL's lost connections, full
    disks, lock timeouts, read-only transactions."""
    if isinstance(orig, dbapi.OperationalError):
        return True
    if type(orig) is dbapi.DatabaseError:  # sqlite3.DatabaseError itself: a damaged file
        return True
    return type(orig).__name__ in ("ReadOnlySqlTransaction", "InsufficientPrivilege")


def _locked(orig: BaseException) -> bool:
    return type(orig).__name__ == "LockNotAvailable" or "database is locked" in str(orig)


def lock_holders(store: Store) -> str:
    """Who else has the store open, when the system says: for a SQLite file the processes
    holding it open (Linux /proc), for PostgreSQL the sessions holding its advisory lock."""
    if store.path is not None:
        found = []
        proc = Path("/proc")
        if not proc.is_dir():
            return ""
        target = str(store.path.resolve())
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if any(os.readlink(fd) == target for fd in (entry / "fd").iterdir()):
                    cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                        errors="replace").strip()
                    found.append(f"pid {entry.name}: {cmd[:120]}")
            except OSError:  # gone meanwhile, or another user's process: not ours to read
                continue
        return "; ".join(found[:3])
    engine = sa.create_engine(store.engine.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT a.pid, a.usename, a.application_name, a.client_addr, a.xact_start "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :k"),
                {"k": LOCK_KEY}).fetchall()
    except sa.exc.DBAPIError:
        return ""
    finally:
        engine.dispose()
    return "; ".join(f"PostgreSQL backend {r.pid} of user {r.usename}"
                     f"{' from ' + str(r.client_addr) if r.client_addr else ''}, since "
                     f"{r.xact_start:%Y-%m-%d %H:%M:%S}" for r in rows[:3])


def resolve_target(target: str | Path | None, out_dir: str | Path | None = None) -> str:
    """`target` as given, else `HEALTHSCORE_STORE`, else `healthscore.db` in `out_dir` (the
    outputs' folder) or the working directory."""
    if target is not None and str(target) != "":
        return str(target)
    if os.environ.get(ENV):
        return os.environ[ENV]
    return str(Path(out_dir or ".") / DEFAULT_NAME)


def _url(target: str, read_only: bool) -> tuple[sa.URL, str, Path | None]:
    if "://" in target:
        try:
            url = sa.make_url(target)
        except sa.exc.ArgumentError:
            raise DataError(Problem("not a database URL; expected a SQLite file or "
                                    "postgresql://user:password@host/database",
                                    file=target)) from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url, url.render_as_string(hide_password=True), None
    path = Path(target).expanduser().absolute()
    if path.is_dir():
        raise DataError(Problem("is a folder; a run store is a SQLite file (e.g. "
                                f"{Path(target) / DEFAULT_NAME})", file=str(target)))
    if read_only and not path.is_file():
        raise DataError(Problem("no run store here (run `healthscore run` or `healthscore "
                                "demo` first, or pass --store)", file=str(target)))
    if path.is_file():
        _check_sqlite_header(path, str(target))
    if read_only:
        return sa.make_url(f"sqlite:///file:{path}?mode=ro&uri=true"), str(target), path
    path.parent.mkdir(parents=True, exist_ok=True)
    return sa.make_url(f"sqlite:///{path}"), str(target), path


def _check_sqlite_header(path: Path, shown: str) -> None:
    """A file that is not SQLite at all (a CSV, a zip) is named as such before SQLite reads
    it; an empty file is a new store."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head and head != SQLITE_MAGIC:
        raise DataError(Problem(
            f"not a SQLite database (expected a file starting with \"SQLite format 3\", found "
            f"{head[:8]!r}...): give a run store, or a new file name to create one",
            file=shown))


def _sqlite_events(engine: sa.Engine) -> None:
    """pysqlite's own transaction handling is turned off, so SQLAlchemy's begin is the real
    BEGIN: IMMEDIATE for writers (the lock up front, no deadlock between two upgraders)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # a bulk load stays in memory

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("healthscore_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgres_events(engine: sa.Engine, wait: float) -> None:
    """Every lock wait (the writers' advisory lock, a migration's table lock) is bounded."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = {max(int(wait * 1000), 1)}")
        dbapi_conn.commit()


def _engine(url: sa.URL, shown: str, wait: float) -> sa.Engine:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DataError(Problem(f"a store is a SQLite file or a postgresql:// URL; found "
                                f"{backend}://", file=shown))
    try:
        if backend == "sqlite":
            engine = sa.create_engine(url, connect_args={"timeout": wait},
                                      poolclass=sa.pool.NullPool)
            _sqlite_events(engine)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
            _postgres_events(engine, wait)
    except sa.exc.NoSuchModuleError:
        raise DataError(Problem(
            f"unknown database driver `{url.drivername}`; give postgresql://… (psycopg)",
            file=shown)) from None
    except ModuleNotFoundError as exc:
        raise DataError(Problem(
            f"the PostgreSQL driver is not installed (no module `{exc.name}`): install "
            "healthscore[postgres] (pip install 'healthscore[postgres]')",
            file=shown)) from None
    return engine


def open_store(target: str | Path | None = None, *, read_only: bool = False,
               out_dir: str | Path | None = None, wait: float | None = None) -> Store:
    """Open (and, unless read-only, create or upgrade) the store at `target`: a SQLite file
    path, a `postgresql://` URL, or None for `HEALTHSCORE_STORE` / `healthscore.db`.

    `wait`: seconds to wait for another process's lock (default `READ_WAIT` read-only,
    `BUSY_SECONDS` for writing); then a `DataError` naming who holds it when known."""
    where = resolve_target(target, out_dir)
    url, shown, path = _url(where, read_only)
    wait = float(READ_WAIT if read_only else BUSY_SECONDS) if wait is None else float(wait)
    engine = _engine(url, shown, wait)
    store = Store(engine=engine, where=shown, read_only=read_only, wait=wait, path=path)
    try:
        if read_only:
            with store.reading() as conn:
                migrate.check_store(conn, shown)
                migrate.check_readable(conn, shown)
        else:
            with store.writing() as conn:
                migrate.check_store(conn, shown)
                if migrate.current(conn) != migrate.head():
                    migrate.upgrade(conn)
            with store.writing() as conn:
                migrate.probe_write(conn)
                conn.rollback()  # it proved the store writable; the file stays as it was
    except DataError:
        engine.dispose()
        raise
    return store
