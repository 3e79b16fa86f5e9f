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


def check_readable(conn: sa.Connection, where: str) -> None:
    """A read-only store must already be at the schema this version reads."""
    found, wanted = current(conn), head()
    if found != wanted:
        raise DataError(Problem(
            f"the store has schema revision {found or 'none'}; this healthscore reads revision "
            f"{wanted}. Open it once for writing (e.g. record a run) to upgrade it", file=where))
