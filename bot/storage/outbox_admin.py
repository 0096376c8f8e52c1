"""Operator actions on the outbox: list what is undelivered, retry or drop a dead row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.storage.cascade import delete_cascading, table_of
from bot.storage.db import Database
from bot.storage.models import OutboxRecord


@dataclass(frozen=True)
class Undelivered:
    """One outbox row not (yet) confirmed by the homeserver."""

    id: int
    room_id: str
    created_at: datetime
    attempts: int
    dead_at: datetime | None
    last_error: str | None


async def undelivered(db: Database) -> list[Undelivered]:
    """Every row not delivered: the dead ones and those still being tried, oldest first."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxRecord).where(OutboxRecord.sent_at.is_(None)).order_by(OutboxRecord.id)
        )
        return [
            Undelivered(
                row.id, row.room_id, row.created_at, row.attempts, row.dead_at, row.last_error
            )
            for row in rows
        ]


async def retry(db: Database, outbox_id: int) -> bool:
    """Put a dead row back in the queue (the running bot picks it up within its poll
    interval); False if there is no dead row with that id."""
    async with db.transaction() as session:
        row = await session.get(OutboxRecord, outbox_id)
        if row is None or row.dead_at is None:
            return False
        row.dead_at = None
        return True


async def drop(db: Database, outbox_id: int) -> Counter[str] | None:
    """Delete a dead row and what refers to it; the deleted rows per table, or None if
    there is no dead row with that id."""
    counts: Counter[str] = Counter()
    async with db.transaction() as session:
        row = await session.get(OutboxRecord, outbox_id)
        if row is None or row.dead_at is None:
            return None
        await delete_cascading(
            session, table_of(OutboxRecord), OutboxRecord.id == outbox_id, counts
        )
    return counts
