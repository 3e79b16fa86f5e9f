"""Schema versions: the Alembic migrations shipped in `healthscore/store/migrations`, applied
when a store is opened for writing, so an old store file upgrades itself and a new one is
created by the same code path (as MLflow's tracking store does)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from healthscore.errors import DataError, Problem

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest schema revision this version of healthscore knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(conn: sa.Connection) -> str | None:
    """The schema revision of the store behind `conn` (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: sa.Connection) -> None:
    """Bring the schema to the newest revision, inside the caller's transaction (which holds
    the write lock, so two processes opening a new store at once do not both create it)."""
    config = _config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def known() -> set[str]:
    """Every schema revision this version of healthscore ships."""
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


STORE_TABLES = ("runs", "results", "signal_values", "account_fields")


def check_store(conn: sa.Connection, where: str) -> None:
    """Refuse, before anything is written, a database that is not a healthscore store this
    version can use: another application's tables (no `alembic_version`), or a schema revision
    this version does not know (a newer healthscore wrote it)."""
    tables = set(sa.inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            listed = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise DataError(Problem(
                f"not a healthscore run store: it holds other tables ({listed}) and no "
                "`alembic_version` table; healthscore adds its tables only to an empty "
                "database. Give a new file name (or an empty database or schema)",
                file=where))
        return
    found = current(conn)
    if found is not None and found not in known():
        if STORE_TABLES[0] in tables:
            raise DataError(Problem(
                f"this store was written by a newer healthscore: its schema revision is "
                f"{found}, this healthscore knows revisions up to {head()}. Upgrade "
                "healthscore to read or write it", file=where))
        raise DataError(Problem(
            f"not a healthscore run store: its `alembic_version` is {found}, a revision "
            f"healthscore does not know (another application's database?); expected "
            f"{head()} or older", file=where))


def probe_write(conn: sa.Connection) -> None:
    """A write that changes nothing, so a store this process cannot write (a read-only file
    or folder, a read-only user) fails when it is opened, before a run's files are written,
    instead of at the end of the run."""
    conn.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))


def check_readable(conn: sa.Connection, where: str) -> None:
    """A read-only store must already be at the schema this version reads."""
    found, wanted = current(conn), head()
    if found != wanted:
        raise DataError(Problem(
            f"the store has schema revision {found or 'none'}; this healthscore reads revision "
            f"{wanted}. Open it once for writing (e.g. record a run) to upgrade it", file=where))
