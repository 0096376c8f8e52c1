"""Recording that a situation's decision log was written out (the archive copy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import SituationExportRecord


async def last_export_since(
    session: AsyncSession, situation_id: int, since: datetime
) -> datetime | None:
    """When ``situation_id`` was last exported at or after ``since``; None if it was not."""
    return await session.scalar(
        select(func.max(SituationExportRecord.exported_at)).where(
            SituationExportRecord.situation_id == situation_id,
            SituationExportRecord.exported_at >= since,
        )
    )


class Exports:
    """Notes exports in the caller's transaction; retention purges only exported situations."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def record(self, situation_id: int, exported_by: str, format: str) -> None:
        """``situation_id`` was exported now by ``exported_by`` in ``format``."""
        self._session.add(
            SituationExportRecord(
                situation_id=situation_id,
                exported_at=self._clock.now(),
                exported_by=exported_by,
                format=format,
            )
        )
        await self._session.flush()
