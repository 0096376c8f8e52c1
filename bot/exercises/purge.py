"""Removing exercise data: situations marked as exercise with everything that hangs off them.

Real situations are never touched; the database itself only lets log entries of exercise
situations be deleted (migration 0070), so a mistake here cannot remove a real record.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.situations.phases import timer_key_prefix
from bot.storage.cascade import delete_cascading, table_of
from bot.storage.models import (
    AlertRecord,
    HandledEventRecord,
    OutboxRecord,
    SituationRecord,
    TimerRecord,
)


async def purge_exercises(session: AsyncSession) -> Counter[str]:
    """Delete every exercise situation, its log, runs, timers and the exercise alerts.

    Returns the number of deleted rows per table. Rows referring to a situation are found
    through the foreign keys, so tables added later are covered without changes here.
    """
    ids = list(await session.scalars(select(SituationRecord.id).where(SituationRecord.is_exercise)))
    counts: Counter[str] = Counter()
    rooms = select(SituationRecord.incident_room_id).where(SituationRecord.id.in_(ids))
    notices = select(AlertRecord.notice_outbox_id).where(AlertRecord.exercise.is_(True))
    # The messages: those of the incident rooms, the alert notices and their edits.
    messages = or_(
        OutboxRecord.room_id.in_(rooms),
        OutboxRecord.id.in_(notices),
        OutboxRecord.replaces_outbox_id.in_(notices),
    )
    await delete_cascading(session, table_of(OutboxRecord), messages, counts)
    await delete_cascading(
        session, table_of(HandledEventRecord), HandledEventRecord.room_id.in_(rooms), counts
    )
    if ids:
        timers = [TimerRecord.key.startswith(timer_key_prefix(i), autoescape=True) for i in ids]
        await delete_cascading(session, table_of(TimerRecord), or_(*timers), counts)
    await delete_cascading(session, table_of(AlertRecord), AlertRecord.exercise.is_(True), counts)
    if ids:
        await delete_cascading(
            session, table_of(SituationRecord), SituationRecord.id.in_(ids), counts
        )
    session.expunge_all()  # the ORM must not hold on to rows deleted behind its back
    return counts
