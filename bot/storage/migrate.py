"""Schema migrations with Alembic, run on the bot's own async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.storage.db import Database

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


async def is_current(db: Database) -> bool:
    """Whether the schema is at the newest migration."""

    def _check(connection: Connection) -> bool:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return MigrationContext.configure(connection).get_current_revision() == head

    async with db.engine.connect() as connection:
        return await connection.run_sync(_check)
