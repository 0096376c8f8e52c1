"""Removing exercise data: situations marked as exercise with everything that hangs off them.

Real situations are never touched; the database itself only lets log entries of exercise
situations be deleted (migration 0070), so a mistake here cannot remove a real record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.situations.phases import timer_key_prefix
from bot.storage.models import (
    AlertRecord,
    IncidentSummaryRecord,
    LogEntryRecord,
    PendingDecisionRecord,
    PlaybookDefinitionRecord,
    PlaybookRunRecord,
    SituationRecord,
    TimerRecord,
)


@dataclass(frozen=True)
class Purged:
    """How many rows went."""

    situations: int
    log_entries: int
    alerts: int


async def purge_exercises(session: AsyncSession) -> Purged:
    """Delete every exercise situation, its log, runs, timers and the exercise alerts."""
    ids = list(await session.scalars(select(SituationRecord.id).where(SituationRecord.is_exercise)))
    entries = 0
    if ids:
        runs = select(PlaybookRunRecord.id).where(PlaybookRunRecord.situation_id.in_(ids))
        await session.execute(
            delete(PlaybookDefinitionRecord).where(PlaybookDefinitionRecord.run_id.in_(runs))
        )
        await session.execute(
            delete(PlaybookRunRecord).where(PlaybookRunRecord.situation_id.in_(ids))
        )
        await session.execute(
            delete(TimerRecord).where(
                or_(*(TimerRecord.key.startswith(timer_key_prefix(i)) for i in ids))
            )
        )
        for model in (IncidentSummaryRecord, PendingDecisionRecord):
            await session.execute(delete(model).where(model.situation_id.in_(ids)))
        result = await session.execute(
            delete(LogEntryRecord).where(LogEntryRecord.situation_id.in_(ids))
        )
        entries = int(getattr(result, "rowcount", 0) or 0)
    alerts = await session.execute(
        delete(AlertRecord).where(or_(AlertRecord.exercise, AlertRecord.situation_id.in_(ids)))
    )
    if ids:
        await session.execute(delete(SituationRecord).where(SituationRecord.id.in_(ids)))
    return Purged(len(ids), entries, int(getattr(alerts, "rowcount", 0) or 0))
