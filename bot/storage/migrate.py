"""Schema migrations with Alembic, run on the bot's own async engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.storage.db import Database
from bot.storage.models import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""

    def _upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def new_revision(db: Database, message: str, revision_id: str) -> None:
    """Write a migration for the difference between the models and ``db`` at head.

    For developers: run it against an empty throwaway database, then review the file.
    """
    await upgrade(db)

    def _revision(connection: Connection) -> None:
        command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=revision_id
        )

    async with db.engine.begin() as connection:
        await connection.run_sync(_revision)


async def pending_model_changes(db: Database) -> list[Any]:
    """Differences between the models and the migrated schema (empty when in step)."""

    def _compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as connection:
        return await connection.run_sync(_compare)


async def is_current(db: Database) -> bool:
    """Whether the schema is at the newest migration."""

    def _check(connection: Connection) -> bool:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return MigrationContext.configure(connection).get_current_revision() == head

    async with db.engine.connect() as connection:
        return await connection.run_sync(_check)
