"""Asking for something to happen later, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import TimerRecord


class Timers:
    """Schedules and cancels timers; they fire only if the transaction commits."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def schedule(
        self, kind: str, due_at: datetime, payload: dict[str, Any], key: str | None = None
    ) -> TimerRecord:
        """Fire handler ``kind`` with ``payload`` at ``due_at``.

        With a ``key`` (e.g. ``checkin:situation:5``) there is at most one timer per key:
        scheduling again moves the pending one, or re-arms one that fired or was cancelled.
        """
        timer = None
        if key is not None:
            timer = await self._session.scalar(select(TimerRecord).where(TimerRecord.key == key))
        if timer is None:
            timer = TimerRecord(kind=kind, key=key, created_at=self._clock.now())
            self._session.add(timer)
        timer.kind = kind
        timer.due_at = due_at
        timer.payload = payload
        timer.fired_at = None
        timer.cancelled_at = None
        timer.last_error = None
        await self._session.flush()
        return timer

    async def cancel(self, key: str) -> bool:
        """Cancel the pending timer with ``key``; False when there was none."""
        return await self._cancel_where(TimerRecord.key == key) > 0

    async def cancel_prefix(self, prefix: str) -> int:
        """Cancel every pending timer whose key starts with ``prefix``; returns how many."""
        return await self._cancel_where(TimerRecord.key.startswith(prefix, autoescape=True))

    async def pending(self, key: str, *, lock: bool = False) -> TimerRecord | None:
        """The pending timer with ``key``, if any; with ``lock`` its row is locked until
        the transaction ends (for a payload that is read, changed and written back).

        With ``lock`` the key's row is locked whether or not it is pending: an answer of
        None then also holds until the transaction ends, since a concurrent transaction
        re-arming the row (``schedule``) waits for it, or this one for that one and then
        sees its result.
        """
        return (await self.pending_of([key], lock=lock)).get(key)

    async def pending_of(
        self, keys: Sequence[str], *, lock: bool = False
    ) -> dict[str, TimerRecord]:
        """The pending timers with ``keys``, by key (as ``pending``, for many at once).

        Locked (every row with one of ``keys``, pending or not, as ``pending`` says) in key
        order, so two transactions locking overlapping sets cannot deadlock.
        """
        if lock:
            query = select(TimerRecord).where(TimerRecord.key.in_(keys))
            found = await self._session.scalars(query.order_by(TimerRecord.key).with_for_update())
            return {
                timer.key: timer
                for timer in found
                if timer.key is not None and timer.fired_at is None and timer.cancelled_at is None
            }
        query = select(TimerRecord).where(TimerRecord.key.in_(keys), *_PENDING)
        found = await self._session.scalars(query.order_by(TimerRecord.key))
        return {timer.key: timer for timer in found if timer.key is not None}

    async def _cancel_where(self, condition: Any) -> int:
        result = await self._session.execute(
            update(TimerRecord).where(condition, *_PENDING).values(cancelled_at=self._clock.now())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


_PENDING = (TimerRecord.fired_at.is_(None), TimerRecord.cancelled_at.is_(None))
