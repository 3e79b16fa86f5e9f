"""Alembic environment of the run store: migrations run on the connection the store opened,
inside the transaction that holds the store's write lock (see healthscore/store/migrate.py)."""

from alembic import context

from healthscore.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
