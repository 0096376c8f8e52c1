"""Improvement actions of fallback tests recorded outside a situation.

A failed or partly working test typed in an incident room opens its improvement action in
that situation's decision log. Typed elsewhere there is no log to hold it, so the action is
kept on the test itself and reminded in the coordination room when due.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.scheduling.timers import Timers
from bot.storage.models import FallbackTestRecord
from bot.suppliers.timers import IMPROVEMENT_DUE, ForTest


def improvement_key(test_id: int) -> str:
    """The timer key of the reminder of test ``test_id``'s improvement action."""
    return f"fallback-improvement:{test_id}"


class Improvements:
    """Opens, lists and closes improvement actions kept on fallback tests."""

    def __init__(self, session: AsyncSession, timers: Timers, clock: Clock) -> None:
        self._session = session
        self._timers = timers
        self._clock = clock

    async def open(self, test: FallbackTestRecord, owner: str, due_at: datetime) -> None:
        """Give ``test`` an improvement action for ``owner``, reminded at ``due_at``."""
        test.action_owner = owner
        test.action_due_at = due_at
        await self._session.flush()
        await IMPROVEMENT_DUE.schedule(
            self._timers, due_at, ForTest(test_id=test.id), key=improvement_key(test.id)
        )

    async def open_ones(self, key: str | None = None) -> list[FallbackTestRecord]:
        """The tests (of fallback ``key``, or all) whose improvement action is not done."""
        query = (
            select(FallbackTestRecord)
            .where(
                FallbackTestRecord.action_owner.is_not(None),
                FallbackTestRecord.action_done_at.is_(None),
            )
            .order_by(FallbackTestRecord.id)
        )
        if key is not None:
            query = query.where(FallbackTestRecord.fallback_key == key)
        return list(await self._session.scalars(query))

    async def complete(self, test: FallbackTestRecord, actor: str) -> None:
        """Mark ``test``'s improvement action done by ``actor`` and drop its reminder."""
        test.action_done_at = self._clock.now()
        test.action_done_by = actor
        await self._timers.cancel(improvement_key(test.id))

    async def due(self, test_id: int) -> FallbackTestRecord | None:
        """Test ``test_id`` when its improvement action is still open (to remind it)."""
        test = await self._session.get(FallbackTestRecord, test_id)
        if test is None or test.action_owner is None or test.action_done_at is not None:
            return None
        return test
