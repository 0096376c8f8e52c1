"""Removing exercise data: situations marked as exercise with everything that hangs off them.

Real situations are never touched; the database itself only lets log entries of exercise
situations be deleted (migration 0070), so a mistake here cannot remove a real record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.integrity import chain_state_of
from bot.scheduling.timers import Timers
from bot.situations.phases import timer_key_prefix
from bot.storage.cascade import delete_cascading, table_of
from bot.storage.models import (
    AlertRecord,
    HandledEventRecord,
    OutboxRecord,
    SituationRecord,
    StateRecord,
    TimerRecord,
)
from bot.suppliers.improvements import Improvements


async def purge_exercises(
    session: AsyncSession, situation_ids: Sequence[int] | None = None, *, clock: Clock
) -> Counter[str]:
    """Delete exercise situations with their log, runs, timers and exercise alerts.

    Every exercise (and every exercise alert, also one that joined no situation) when
    ``situation_ids`` is None; else only those of ``situation_ids`` that are exercises.
    Returns the number of deleted rows per table. Rows referring to a situation are found
    through the foreign keys, so tables added later are covered without changes here.
    Improvement actions of fallback tests held in their logs first move onto those tests
    (``Improvements.keep_logged``); ``clock`` is the time of the reminders of open ones.
    """
    # Only exercises are ever chosen, whatever ids the caller passes.
    chosen: ColumnElement[bool] = SituationRecord.is_exercise.is_(True)
    alerts: ColumnElement[bool] = AlertRecord.exercise.is_(True)
    if situation_ids is not None:
        chosen = and_(chosen, SituationRecord.id.in_(situation_ids))
        alerts = and_(alerts, AlertRecord.situation_id.in_(situation_ids))
    ids = list(await session.scalars(select(SituationRecord.id).where(chosen)))
    counts: Counter[str] = Counter()
    # Drills are where fallbacks fail: their improvement actions outlive the exercise log.
    await Improvements(session, Timers(session, clock), clock).keep_logged(ids)
    rooms = select(SituationRecord.incident_room_id).where(SituationRecord.id.in_(ids))
    notices = select(AlertRecord.notice_outbox_id).where(alerts)
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
    await delete_cascading(session, table_of(AlertRecord), alerts, counts)
    if ids:
        await delete_cascading(
            session, table_of(SituationRecord), SituationRecord.id.in_(ids), counts
        )
        await delete_cascading(session, table_of(StateRecord), chain_state_of(ids), counts)
    session.expunge_all()  # the ORM must not hold on to rows deleted behind its back
    return counts
