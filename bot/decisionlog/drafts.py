"""Decisions being put together in the guided form, kept until they are complete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import PendingDecisionRecord

# The order in which the guided form asks; judgement (options) before the decision's why.
GUIDED_FIELDS = ("decision", "options", "rationale", "information", "review")
REQUIRED_FIELDS = frozenset({"decision", "rationale"})


class DecisionDrafts:
    """Stores guided decisions in progress, one per thread, so they survive restarts."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def start(
        self,
        situation_id: int,
        room_id: str,
        thread_root: str,
        sender: str,
        lang: str,
        given: dict[str, Any],
    ) -> PendingDecisionRecord:
        """A draft holding the fields ``given`` so far; ``asking`` names the next one."""
        draft = PendingDecisionRecord(
            situation_id=situation_id,
            room_id=room_id,
            thread_root=thread_root,
            sender=sender,
            lang=lang,
            fields=dict(given),
            asking=next_field(given) or "",
            started_at=self._clock.now(),
        )
        self._session.add(draft)
        await self._session.flush()
        return draft

    async def find(self, room_id: str, thread_root: str) -> PendingDecisionRecord | None:
        """The draft being filled in the thread of ``thread_root``, if any."""
        return await self._session.scalar(
            select(PendingDecisionRecord).where(
                PendingDecisionRecord.room_id == room_id,
                PendingDecisionRecord.thread_root == thread_root,
            )
        )

    async def fill(self, draft: PendingDecisionRecord, field: str, value: Any) -> str | None:
        """Store the answer for ``field``; returns the next field to ask, None when complete."""
        draft.fields = {**draft.fields, field: value}
        draft.asking = next_field(draft.fields) or ""
        await self._session.flush()
        return draft.asking or None

    async def discard(self, draft: PendingDecisionRecord) -> None:
        """Forget the draft (recorded or cancelled)."""
        await self._session.delete(draft)
        await self._session.flush()


def next_field(given: dict[str, Any]) -> str | None:
    """The first field of the guided form not answered yet."""
    return next((field for field in GUIDED_FIELDS if field not in given), None)
