"""Tabletop drills walked through in a thread: the checklist's answers, kept until complete."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import TabletopDraftRecord

# The checklist, in the order asked; the result last, so the answers are recorded with it.
QUESTIONS = ("switches", "duration", "data", "informed", "result")


class TabletopDrafts:
    """Stores tabletop checklists in progress, one per thread, so they survive restarts."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def start(
        self, fallback_key: str, room_id: str, thread_root: str, sender: str, lang: str
    ) -> TabletopDraftRecord:
        """A checklist of ``fallback_key`` answered by ``sender``, asking the first question."""
        draft = TabletopDraftRecord(
            fallback_key=fallback_key,
            room_id=room_id,
            thread_root=thread_root,
            sender=sender,
            lang=lang,
            answers={},
            asking=QUESTIONS[0],
            started_at=self._clock.now(),
        )
        self._session.add(draft)
        await self._session.flush()
        return draft

    async def find(self, room_id: str, thread_root: str) -> TabletopDraftRecord | None:
        """The checklist being answered in the thread of ``thread_root``, if any."""
        return await self._session.scalar(
            select(TabletopDraftRecord).where(
                TabletopDraftRecord.room_id == room_id,
                TabletopDraftRecord.thread_root == thread_root,
            )
        )

    async def fill(self, draft: TabletopDraftRecord, answer: str) -> str | None:
        """Store ``answer`` to the question asked; the next question, None when complete."""
        draft.answers = {**draft.answers, draft.asking: answer}
        draft.asking = next((each for each in QUESTIONS if each not in draft.answers), "")
        await self._session.flush()
        return draft.asking or None

    async def discard(self, draft: TabletopDraftRecord) -> None:
        """Forget the checklist (recorded or cancelled)."""
        await self._session.delete(draft)
        await self._session.flush()
