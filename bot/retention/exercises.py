"""Purging exercises past ``retention.exercise_after_days``, once their report was exported.

An exercise's period runs from when its situation was opened. Like closed situations,
exercises are purged all or none: one whose report was never exported blocks the purge,
unless the operator forces it with a reason, which is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import StoppedClock
from bot.exercises.purge import purge_exercises
from bot.retention.exports import last_export_since
from bot.retention.purge import Candidate, PurgeOutcome
from bot.storage.models import SituationRecord

log = logging.getLogger(__name__)


async def purge_old_exercises(
    session: AsyncSession,
    now: datetime,
    opened_after: timedelta,
    *,
    dry_run: bool = False,
    force_reason: str | None = None,
) -> PurgeOutcome:
    """Delete exercise situations opened before ``now - opened_after``, all or none.

    Refuses (deletes nothing, ``outcome.unexported`` non-empty) when the report of any of
    them was never exported, unless ``force_reason`` says why they may go anyway.
    """
    outcome = PurgeOutcome(candidates=await _candidates(session, now - opened_after))
    if outcome.unexported:
        outcome.forced_reason = force_reason
    if dry_run or outcome.refused or not outcome.candidates:
        return outcome
    if outcome.unexported:
        ids = ", ".join(str(c.situation_id) for c in outcome.unexported)
        log.warning("purging exercise(s) %s whose report was never exported: %s", ids, force_reason)
    chosen = [candidate.situation_id for candidate in outcome.candidates]
    outcome.deleted_rows = await purge_exercises(session, chosen, clock=StoppedClock(now))
    return outcome


async def _candidates(session: AsyncSession, opened_before: datetime) -> list[Candidate]:
    situations = await session.scalars(
        select(SituationRecord)
        .where(SituationRecord.is_exercise.is_(True), SituationRecord.opened_at <= opened_before)
        .order_by(SituationRecord.id)
    )
    return [
        Candidate(
            situation.id,
            situation.supplier,
            situation.title,
            situation.opened_at,
            await last_export_since(session, situation.id, situation.opened_at),
            exercise=True,
        )
        for situation in situations
    ]
