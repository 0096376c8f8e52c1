"""Editing the decision log behind the bot's back, as an attacker with database rights."""

from __future__ import annotations

from sqlalchemy import text

from bot.storage.db import Database


async def tamper(database: Database, *statements: str) -> None:
    """What an attacker with database rights does: switch the guard off, then edit rows."""
    async with database.engine.begin() as connection:
        if database.is_sqlite:
            await connection.execute(text("DROP TRIGGER IF EXISTS log_entries_no_update"))
            await connection.execute(text("DROP TRIGGER IF EXISTS log_entries_no_delete"))
        else:
            await connection.execute(text("ALTER TABLE log_entries DISABLE TRIGGER USER"))
        for statement in statements:
            await connection.execute(text(statement))
