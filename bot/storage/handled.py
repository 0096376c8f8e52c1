"""Which Matrix events have been handled, so each command runs exactly once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import HandledEventRecord


class HandledEvents:
    """Records handled event ids within the caller's transaction."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def claim(self, event_id: str, room_id: str) -> bool:
        """Mark ``event_id`` handled; False when it already was (handle it no more)."""
        if await self._session.get(HandledEventRecord, event_id) is not None:
            return False
        self._session.add(
            HandledEventRecord(event_id=event_id, room_id=room_id, handled_at=self._clock.now())
        )
        await self._session.flush()
        return True
