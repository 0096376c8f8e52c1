"""Alembic environment: runs on the connection handed over by ``bot.storage.migrate``."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from bot.storage.models import Base, UTCDateTime

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `weerbaar db upgrade`, not the alembic CLI")


def _render_item(type_: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import the models; UTCDateTime is a plain timezone-aware column.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# render_as_batch lets ALTER TABLE migrations work on SQLite too.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
