"""Every store test runs twice: on a SQLite file and on a real PostgreSQL server
(HEALTHSCORE_TEST_PG_URL), each test in its own fresh schema so parallel runs never meet."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("HEALTHSCORE_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path):
    """Where a fresh store lives: a SQLite path, or a PostgreSQL URL whose search_path is a
    schema created for this test (dropped afterwards)."""
    if request.param == "sqlite":
        yield str(tmp_path / "store" / "healthscore.db")
        return
    if not PG_URL:
        pytest.skip("HEALTHSCORE_TEST_PG_URL is not set")
    schema = f"hs_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
