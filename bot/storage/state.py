"""Small named values kept across restarts (such as the sync token)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database, dialect_insert
from bot.storage.models import StateRecord


async def put_state(session: AsyncSession, key: str, value: str) -> None:
    """Store ``value`` under ``key`` in one statement, so two transactions storing the
    same new key do not collide (PostgreSQL makes the second wait; the last one wins)."""
    await session.execute(
        dialect_insert(session)(StateRecord)
        .values(key=key, value=value)
        .on_conflict_do_update(index_elements=["key"], set_={"value": value})
    )


async def change_state(session: AsyncSession, key: str, value: str) -> bool:
    """Store ``value`` under ``key`` unless it is there already; True when this changed it.

    One statement, so of two transactions storing the same value at once exactly one is
    told it changed it: on PostgreSQL the second waits for the first's row and then finds
    the value there; SQLite runs one writer at a time.
    """
    result = await session.execute(
        dialect_insert(session)(StateRecord)
        .values(key=key, value=value)
        .on_conflict_do_update(
            index_elements=["key"], set_={"value": value}, where=StateRecord.value != value
        )
        .returning(StateRecord.key)
    )
    return result.first() is not None


class BotState:
    """Reads and writes named values, each in its own short transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """The stored value, or None."""
        async with self._db.transaction() as session:
            record = await session.get(StateRecord, key)
            return None if record is None else record.value

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        async with self._db.transaction() as session:
            record = await session.get(StateRecord, key)
            if record is None:
                session.add(StateRecord(key=key, value=value))
            else:
                record.value = value
