"""Improvement actions of fallback tests recorded outside a situation.

A failed or partly working test typed in an incident room opens its improvement action in
that situation's decision log. Typed elsewhere there is no log to hold it, so the action is
kept on the test itself and reminded in the coordination room when due.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import ACTION, ACTION_DONE
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

    async def keep_logged(self, situation_ids: Collection[int]) -> None:
        """Move the improvement actions held in these situations' logs onto their tests.

        Called before those logs are purged: each action stays with its fallback (the
        board's overview, ``!fallback improved``), done or open, as if the test had been
        recorded outside a situation; an open one is reminded again when due.
        """
        log = SituationLog(self._session, self._clock)
        tests = await self._session.scalars(
            select(FallbackTestRecord).where(
                FallbackTestRecord.situation_id.in_(list(situation_ids)),
                FallbackTestRecord.action_seq.is_not(None),
            )
        )
        for test in list(tests):
            # Both set: the query asked for them.
            assert test.situation_id is not None
            assert test.action_seq is not None
            action = await log.entry(test.situation_id, test.action_seq)
            test.action_seq = None  # its log is about to go
            if action is None or action.kind != EntryKind.ACTION:
                continue
            done = next(
                (
                    entry
                    for entry in await log.of_kind(test.situation_id, EntryKind.ACTION_DONE)
                    if ACTION_DONE.of(entry)["action_seq"] == action.seq
                ),
                None,
            )
            due = ACTION.of(action)["due_at"]
            due_at = datetime.fromisoformat(due) if due else self._clock.now()
            if done is None:
                await self.open(test, ACTION.of(action)["owner"], due_at)
            else:
                test.action_owner, test.action_due_at = ACTION.of(action)["owner"], due_at
                test.action_done_at, test.action_done_by = done.occurred_at, done.actor
        await self._session.flush()

    async def due(self, test_id: int) -> FallbackTestRecord | None:
        """Test ``test_id`` when its improvement action is still open (to remind it)."""
        test = await self._session.get(FallbackTestRecord, test_id)
        if test is None or test.action_owner is None or test.action_done_at is not None:
            return None
        return test
