"""Small named values kept across restarts (such as the sync token)."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.models import StateRecord


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
