"""Remembering accepted signatures, so a replayed request is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import WebhookReceiptRecord


async def record_receipt(
    session: AsyncSession, digest: str, now: datetime, keep_for: timedelta
) -> bool:
    """Record ``digest``; False when it was seen before (a replay).

    Receipts older than ``keep_for`` are dropped: by then the timestamp check refuses
    the request anyway.
    """
    await session.execute(
        delete(WebhookReceiptRecord).where(WebhookReceiptRecord.received_at < now - keep_for)
    )
    if await session.get(WebhookReceiptRecord, digest) is not None:
        return False
    session.add(WebhookReceiptRecord(signature=digest, received_at=now))
    await session.flush()
    return True
