"""Purging closed situations past the retention period, only once they were exported.

A situation is purged with everything that belongs to it, in one transaction: every row
that refers to it through a foreign key (log entries, alerts, playbook runs and their
definitions, incident summary, exports, and any table added later), the messages of its
incident room and its alert notices in the outbox, its timers and the handled events of
its incident room; improvement actions of fallback tests held in its log first move onto
those tests, so their fallback keeps them. If any candidate was not exported since it was
closed, nothing at all is purged and the refusal lists each one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import StoppedClock
from bot.decisionlog.erasure import log_deletion_allowed
from bot.decisionlog.integrity import chain_state_of
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import PHASE_CHANGED
from bot.retention.exports import last_export_since
from bot.scheduling.timers import Timers
from bot.situations.phases import Phase, timer_key_prefix
from bot.storage.cascade import delete_cascading, table_of
from bot.storage.models import (
    AlertRecord,
    HandledEventRecord,
    LogEntryRecord,
    OutboxRecord,
    SituationRecord,
    StateRecord,
    TimerRecord,
)
from bot.suppliers.improvements import Improvements


@dataclass(frozen=True)
class Candidate:
    """A situation past its retention period: a closed one, or an exercise.

    A closed situation's period runs from when it was closed, an exercise's from when it
    was opened; ``since`` is that moment, and only an export after it counts. A closed
    situation's room still takes entries: ``last_entry_at`` is when its log last grew, and
    only an export after that holds the whole log.
    """

    situation_id: int
    supplier: str
    title: str
    since: datetime
    exported_at: datetime | None
    exercise: bool = False
    last_entry_at: datetime | None = None

    def describe(self) -> str:
        """One line for people: id, supplier, title, when closed or opened (and exported)."""
        noun, event = ("exercise situation", "opened") if self.exercise else ("situation", "closed")
        line = (
            f"{noun} {self.situation_id} ({self.supplier}: {self.title}), "
            f"{event} {self.since:%Y-%m-%d}"
        )
        if self.exported_at is None and self.last_entry_at and self.last_entry_at > self.since:
            return f"{line}: not exported since its last entry, {self.last_entry_at:%Y-%m-%d}"
        if self.exported_at is None:
            return f"{line}: not exported since it was {event}"
        return f"{line}, exported {self.exported_at:%Y-%m-%d}"


@dataclass
class PurgeOutcome:
    """What a purge did, or would do (dry run), or why it refused."""

    candidates: list[Candidate]
    deleted_rows: Counter[str] = field(default_factory=Counter)
    # Why unexported candidates go anyway (only exercises can be forced).
    forced_reason: str | None = None

    @property
    def unexported(self) -> list[Candidate]:
        """Candidates without an export after closing (or opening, for an exercise)."""
        return [c for c in self.candidates if c.exported_at is None]

    @property
    def refused(self) -> bool:
        """Unexported candidates block the purge unless it was forced."""
        return bool(self.unexported) and self.forced_reason is None


async def purge_closed(
    session: AsyncSession, now: datetime, closed_after: timedelta, *, dry_run: bool = False
) -> PurgeOutcome:
    """Delete real situations closed before ``now - closed_after``, all or none.

    Exercises are left to ``purge_old_exercises``, whatever their phase.

    Refuses (deletes nothing, ``outcome.unexported`` non-empty) when any of them was not
    exported after it was closed.
    """
    outcome = PurgeOutcome(candidates=await _candidates(session, now - closed_after))
    if dry_run or outcome.unexported:
        return outcome
    if not outcome.candidates:
        return outcome
    chosen = [candidate.situation_id for candidate in outcome.candidates]
    clock = StoppedClock(now)
    await Improvements(session, Timers(session, clock), clock).keep_logged(chosen)
    async with log_deletion_allowed(session):
        for candidate in outcome.candidates:
            await _purge_one(session, candidate.situation_id, outcome.deleted_rows)
    return outcome


async def _candidates(session: AsyncSession, closed_before: datetime) -> list[Candidate]:
    # Real situations only: exercises have their own period (bot/retention/exercises.py),
    # so one of them can neither hold back this policy nor be purged by it.
    situations = await session.scalars(
        select(SituationRecord)
        .where(SituationRecord.phase == Phase.CLOSED.value, SituationRecord.is_exercise.is_(False))
        .order_by(SituationRecord.id)
    )
    found = []
    for situation in situations:
        closed_at = await _closed_at(session, situation.id)
        if closed_at is None or closed_at > closed_before:
            continue
        last_entry_at = await _last_entry_at(session, situation.id)
        # Entries written after closing (a late lesson, a correction) must be in the export.
        exported_at = await last_export_since(session, situation.id, last_entry_at or closed_at)
        found.append(
            Candidate(
                situation.id,
                situation.supplier,
                situation.title,
                closed_at,
                exported_at,
                last_entry_at=last_entry_at,
            )
        )
    return found


async def _last_entry_at(session: AsyncSession, situation_id: int) -> datetime | None:
    """When the situation's newest log entry was written (entries are stamped in order)."""
    return await session.scalar(
        select(LogEntryRecord.recorded_at)
        .where(LogEntryRecord.situation_id == situation_id)
        .order_by(LogEntryRecord.seq.desc())
        .limit(1)
    )


async def _closed_at(session: AsyncSession, situation_id: int) -> datetime | None:
    """When the situation entered the closed phase, from its log."""
    changes = await session.scalars(
        select(LogEntryRecord)
        .where(
            LogEntryRecord.situation_id == situation_id,
            LogEntryRecord.kind == EntryKind.PHASE_CHANGED.value,
        )
        .order_by(LogEntryRecord.seq.desc())
    )
    for change in changes:
        if PHASE_CHANGED.of(change)["to"] == Phase.CLOSED.value:
            return change.recorded_at
    return None


async def _purge_one(session: AsyncSession, situation_id: int, counts: Counter[str]) -> None:
    situation = await session.get(SituationRecord, situation_id)
    if situation is None:
        return
    notices = select(AlertRecord.notice_outbox_id).where(
        AlertRecord.situation_id == situation_id, AlertRecord.notice_outbox_id.is_not(None)
    )
    notice_ids = [row for row in await session.scalars(notices) if row is not None]
    # Its messages: the incident room's, the alert notices and the edits of those notices.
    messages: list[ColumnElement[bool]] = [
        OutboxRecord.id.in_(notice_ids),
        OutboxRecord.replaces_outbox_id.in_(notice_ids),
    ]
    if situation.incident_room_id is not None:
        messages.append(OutboxRecord.room_id == situation.incident_room_id)
        await delete_cascading(
            session,
            table_of(HandledEventRecord),
            HandledEventRecord.room_id == situation.incident_room_id,
            counts,
        )
    await delete_cascading(
        session, table_of(SituationRecord), SituationRecord.id == situation_id, counts
    )
    await delete_cascading(session, table_of(StateRecord), chain_state_of([situation_id]), counts)
    await delete_cascading(session, table_of(OutboxRecord), or_(*messages), counts)
    await delete_cascading(
        session,
        table_of(TimerRecord),
        TimerRecord.key.startswith(timer_key_prefix(situation_id), autoescape=True),
        counts,
    )
    session.expunge_all()  # the ORM must not hold on to rows deleted behind its back
