"""Reading the drill plan: the drills planned for now or later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import PlannedDrillRecord


async def upcoming_drills(session: AsyncSession, now: datetime) -> Sequence[PlannedDrillRecord]:
    """Drills planned for ``now`` or later and not cancelled, soonest first."""
    return list(
        await session.scalars(
            select(PlannedDrillRecord)
            .where(PlannedDrillRecord.due_at >= now, PlannedDrillRecord.cancelled_at.is_(None))
            .order_by(PlannedDrillRecord.due_at, PlannedDrillRecord.id)
        )
    )
