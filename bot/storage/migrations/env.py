"""Alembic environment: runs on the connection handed over by ``bot.storage.migrate``."""

from alembic import context

from bot.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `weerbaar db upgrade`, not the alembic CLI")

# render_as_batch lets ALTER TABLE migrations work on SQLite too.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
