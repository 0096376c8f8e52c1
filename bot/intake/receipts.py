"""Remembering accepted signatures, so a replayed request is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import dialect_insert
from bot.storage.models import WebhookReceiptRecord


async def record_receipt(
    session: AsyncSession,
    digest: str,
    now: datetime,
    keep_for: timedelta,
    *,
    purge: bool = True,
) -> bool:
    """Record ``digest``; False when it was seen before (a replay).

    With ``purge``, receipts older than ``keep_for`` are dropped first: by then the
    timestamp check refuses the request anyway, so purging only now and then (as the
    intake does, to save a statement per request) keeps some a little longer, harmlessly.
    """
    # Receipts depend on nothing pending in the session: without autoflush a batch's
    # new alerts are inserted together when it settles, not one per request here.
    if purge:
        await session.execute(
            delete(WebhookReceiptRecord)
            .where(WebhookReceiptRecord.received_at < now - keep_for)
            .execution_options(autoflush=False)
        )
    # One statement instead of a look-up and an insert. A concurrent first use of the
    # same signature (PostgreSQL) makes this wait for its commit and then insert nothing.
    insert = dialect_insert(session)
    result = await session.execute(
        insert(WebhookReceiptRecord)
        .values(signature=digest, received_at=now)
        .on_conflict_do_nothing(index_elements=["signature"])
        .execution_options(autoflush=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]
