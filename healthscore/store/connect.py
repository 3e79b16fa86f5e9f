"""Opening a store: a SQLite file by default, any PostgreSQL database by URL, one code path.

Writes take the store's write lock first (SQLite `BEGIN IMMEDIATE`, a PostgreSQL transaction
advisory lock), so two runs recording at once queue up instead of interleaving; readers never
wait for the lock. A read-only open of a SQLite file that does not exist fails instead of
creating an empty store.
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
BUSY_SECONDS = 600     # how long a SQLite writer waits for another one to finish
CACHE_KIB = 131_072    # SQLite page cache: dirty pages of a big run spill to disk less


@dataclass
class Store:
    """An open store: its engine and where it is (for messages)."""

    engine: sa.Engine
    where: str
    read_only: bool = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One transaction holding the write lock: committed on success, rolled back on any
        error or interruption (and by the database itself when the process is killed)."""
        if self.read_only:
            raise DataError(Problem("the store was opened read-only", file=self.where))
        with self.engine.connect().execution_options(healthscore_write=True) as conn, \
                conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.text(
                    "SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                    {"k": LOCK_KEY})
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def resolve_target(target: str | Path | None, out_dir: str | Path | None = None) -> str:
    """`target` as given, else `HEALTHSCORE_STORE`, else `healthscore.db` in `out_dir` (the
    outputs' folder) or the working directory."""
    if target is not None and str(target) != "":
        return str(target)
    if os.environ.get(ENV):
        return os.environ[ENV]
    return str(Path(out_dir or ".") / DEFAULT_NAME)


def _url(target: str, read_only: bool) -> tuple[sa.URL, str]:
    if "://" in target:
        url = sa.make_url(target)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url, url.render_as_string(hide_password=True)
    path = Path(target).expanduser().absolute()
    if read_only:
        if not path.is_file():
            raise DataError(Problem("no run store here (run `healthscore run` or `healthscore "
                                    "demo` first, or pass --store)", file=str(target)))
        return sa.make_url(f"sqlite:///file:{path}?mode=ro&uri=true"), str(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sa.make_url(f"sqlite:///{path}"), str(target)


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


def open_store(target: str | Path | None = None, *, read_only: bool = False,
               out_dir: str | Path | None = None) -> Store:
    """Open (and, unless read-only, create or upgrade) the store at `target`: a SQLite file
    path, a `postgresql://` URL, or None for `HEALTHSCORE_STORE` / `healthscore.db`."""
    where = resolve_target(target, out_dir)
    url, shown = _url(where, read_only)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS},
                                  poolclass=sa.pool.NullPool)
        _sqlite_events(engine)
    elif url.get_backend_name() == "postgresql":
        engine = sa.create_engine(url, pool_pre_ping=True)
    else:
        raise DataError(Problem(f"a store is a SQLite file or a postgresql:// URL; found "
                                f"{url.get_backend_name()}://", file=shown))
    store = Store(engine=engine, where=shown, read_only=read_only)
    try:
        if read_only:
            with store.reading() as conn:
                migrate.check_readable(conn, shown)
        else:
            with store.writing() as conn:
                if migrate.current(conn) != migrate.head():
                    migrate.upgrade(conn)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise DataError(Problem(f"cannot open the run store: {exc.orig}", file=shown)) from None
    except DataError:
        engine.dispose()
        raise
    return store
