"""Planned drills of fallback options: stored, listed, cancelled, moved, and reminded to
the owner before and at their due moment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import (
    DrillCancelledPayload,
    DrillMovedPayload,
    DrillPlannedPayload,
)
from bot.errors import DrillChangeRefused, DrillPlanRefused, UnknownDrill, UnknownFallback
from bot.moments import calendar_days_from
from bot.scheduling.timers import Timers
from bot.situations.roles import Taskforce
from bot.storage.models import FallbackOptionRecord, FallbackTestRecord, PlannedDrillRecord
from bot.suppliers.fallbacks import FallbackService, may_act_for
from bot.suppliers.improvements import Improvements
from bot.suppliers.planned import upcoming_drills
from bot.suppliers.timers import DRILL_DUE, DRILL_REMINDER, DrillDue, ForDrill

log = logging.getLogger(__name__)

# The owner is reminded this many days before a planned drill.
REMINDER_DAYS = (7, 1)


def reminder_moments(due_at: datetime, now: datetime, timezone: str) -> list[tuple[int, datetime]]:
    """The reminders still to send for a drill at ``due_at``: (days before, moment, UTC).

    "Days before" are calendar days in ``timezone``: a reminder comes at the drill's time
    of day there, also when summer time starts or ends in between. A reminder whose
    moment has already passed when the drill is planned is left out.
    """
    zone = ZoneInfo(timezone)
    moments = [(days, calendar_days_from(due_at, -days, zone)) for days in REMINDER_DAYS]
    return [(days, moment) for days, moment in moments if moment > now]


def reminder_key(drill_id: int, days: int) -> str:
    """The timer key of the reminder ``days`` before drill ``drill_id``."""
    return f"drill:{drill_id}:{days}"


def due_key(drill_id: int) -> str:
    """The timer key of drill ``drill_id``'s due moment."""
    return f"drill:{drill_id}:due"


def timers_prefix(drill_id: int) -> str:
    """The prefix of every timer key of drill ``drill_id`` (its reminders and due moment)."""
    return f"drill:{drill_id}:"


class DrillNotifier(Protocol):
    """Tells a fallback option's owner that its planned drill is coming up."""

    async def drill_reminder(self, drill: PlannedDrillRecord, owner: str | None, days: int) -> None:
        """Drill ``drill`` is ``days`` days away; ``owner`` is mentioned when it is a user."""
        ...

    async def drill_due(self, drill: PlannedDrillRecord, owner: str | None) -> None:
        """Drill ``drill`` is due now: the owner is told how to start it."""
        ...

    async def improvement_due(self, test: FallbackTestRecord) -> None:
        """The improvement action kept on ``test`` is due; its owner is mentioned."""
        ...


@dataclass(frozen=True)
class Planned:
    """A drill planned, moved or cancelled and, when that was typed in a situation's
    incident room, its entry in that log."""

    drill: PlannedDrillRecord
    log_seq: int | None


class DrillPlanner:
    """Plans drills and reminds owners of drills and of improvement actions due."""

    def __init__(
        self,
        session: AsyncSession,
        timers: Timers,
        clock: Clock,
        fallbacks: FallbackService,
        taskforce: Taskforce,
        notifier: DrillNotifier,
        improvements: Improvements,
        log: SituationLog,
        timezone: str,
    ) -> None:
        self._session = session
        self._timers = timers
        self._clock = clock
        self._fallbacks = fallbacks
        self._taskforce = taskforce
        self._notifier = notifier
        self._improvements = improvements
        self._log = log
        self._timezone = timezone

    async def plan(
        self,
        key: str,
        due_at: datetime,
        scenario: str | None,
        actor: str,
        situation_id: int | None = None,
    ) -> Planned:
        """Plan a drill of fallback ``key`` at ``due_at`` by ``actor`` (its owner or a
        coordinator), with reminders a week and a day before that have not passed.

        Planned in a situation's incident room (an exercise's, typically), the plan joins
        that situation's hash-chained log; elsewhere the stored row is its record.
        """
        option = await self._fallbacks.find(key)
        if option is None:
            raise UnknownFallback(fallback=key)
        if not may_act_for(option, actor, self._taskforce):
            raise DrillPlanRefused(fallback=option.key, owner=option.owner or "-")
        now = self._clock.now()
        drill = PlannedDrillRecord(
            fallback_key=option.key,
            due_at=due_at,
            scenario=scenario,
            planned_by=actor,
            planned_at=now,
        )
        self._session.add(drill)
        await self._session.flush()
        await self._schedule(drill, now)
        log.info(
            "drill %d of %s planned at %s by %s (scenario %s)",
            drill.id,
            option.key,
            due_at.isoformat(),
            actor,
            scenario or "-",
        )
        if situation_id is None:
            return Planned(drill, None)
        entry = await self._log.append(
            situation_id,
            EntryKind.DRILL_PLANNED,
            actor,
            DrillPlannedPayload(
                drill_id=drill.id,
                fallback=option.key,
                due_at=due_at.isoformat(),
                scenario=scenario,
            ),
        )
        return Planned(drill, entry.seq)

    async def cancel(self, drill_id: int, actor: str, situation_id: int | None = None) -> Planned:
        """Cancel upcoming drill ``drill_id`` by ``actor`` (the option's owner or a
        coordinator): its pending timers go, the row stays marked cancelled; typed in a
        situation's incident room, the cancellation joins that log."""
        drill = await self._changeable(drill_id, actor)
        await self._timers.cancel_prefix(timers_prefix(drill.id))
        drill.cancelled_at = self._clock.now()
        drill.cancelled_by = actor
        await self._session.flush()
        log.info("drill %d of %s cancelled by %s", drill.id, drill.fallback_key, actor)
        if situation_id is None:
            return Planned(drill, None)
        entry = await self._log.append(
            situation_id,
            EntryKind.DRILL_CANCELLED,
            actor,
            DrillCancelledPayload(
                drill_id=drill.id, fallback=drill.fallback_key, due_at=drill.due_at.isoformat()
            ),
        )
        return Planned(drill, entry.seq)

    async def move(
        self, drill_id: int, due_at: datetime, actor: str, situation_id: int | None = None
    ) -> Planned:
        """Move upcoming drill ``drill_id`` to ``due_at`` by ``actor`` (the option's owner
        or a coordinator), rescheduling its timers as planning does; typed in a situation's
        incident room, the move joins that log."""
        drill = await self._changeable(drill_id, actor)
        previous = drill.due_at
        drill.due_at = due_at
        await self._session.flush()
        await self._timers.cancel_prefix(timers_prefix(drill.id))
        await self._schedule(drill, self._clock.now())
        log.info("drill %d of %s moved to %s by %s", drill.id, drill.fallback_key, due_at, actor)
        if situation_id is None:
            return Planned(drill, None)
        entry = await self._log.append(
            situation_id,
            EntryKind.DRILL_MOVED,
            actor,
            DrillMovedPayload(
                drill_id=drill.id,
                fallback=drill.fallback_key,
                previous_due_at=previous.isoformat(),
                due_at=due_at.isoformat(),
            ),
        )
        return Planned(drill, entry.seq)

    async def _changeable(self, drill_id: int, actor: str) -> PlannedDrillRecord:
        """Upcoming drill ``drill_id`` when ``actor`` may change it; a past or cancelled
        one is history.

        The row is locked until the transaction ends and read afresh: of two changes at
        once (two cancellations, a move and a cancellation), the second waits and then
        sees the first's result, so a drill is cancelled once and never moved after.
        """
        drill = await self._session.get(
            PlannedDrillRecord, drill_id, with_for_update=True, populate_existing=True
        )
        if drill is None or drill.cancelled_at is not None or drill.due_at < self._clock.now():
            raise UnknownDrill(drill=drill_id)
        option = await self._fallbacks.find(drill.fallback_key)
        # An option that left the registry has no owner left: coordinators only.
        if not (
            self._taskforce.is_coordinator(actor)
            or (option is not None and may_act_for(option, actor, self._taskforce))
        ):
            owner = option.owner if option is not None else None
            raise DrillChangeRefused(fallback=drill.fallback_key, owner=owner or "-")
        return drill

    async def _schedule(self, drill: PlannedDrillRecord, now: datetime) -> None:
        """Arm the reminders still ahead of ``drill`` and its due moment."""
        for days, moment in reminder_moments(drill.due_at, now, self._timezone):
            await DRILL_REMINDER.schedule(
                self._timers,
                moment,
                ForDrill(drill_id=drill.id, days=days),
                key=reminder_key(drill.id, days),
            )
        await DRILL_DUE.schedule(
            self._timers, drill.due_at, DrillDue(drill_id=drill.id), key=due_key(drill.id)
        )

    async def upcoming(self) -> Sequence[PlannedDrillRecord]:
        """Drills planned for now or later, soonest first."""
        return await upcoming_drills(self._session, self._clock.now())

    async def remind(self, drill_id: int, days: int) -> None:
        """Remind the owner of drill ``drill_id`` that it is ``days`` days away."""
        drill = await self._session.get(PlannedDrillRecord, drill_id)
        if drill is None or drill.cancelled_at is not None:
            return
        option: FallbackOptionRecord | None = await self._fallbacks.find(drill.fallback_key)
        if option is None:
            log.info("drill %d: fallback %s left the registry", drill_id, drill.fallback_key)
            return
        await self._notifier.drill_reminder(drill, option.owner, days)

    async def due(self, drill_id: int) -> None:
        """Tell the owner of drill ``drill_id`` that it is due now, and how to start it."""
        drill = await self._session.get(PlannedDrillRecord, drill_id)
        if drill is None or drill.cancelled_at is not None:
            return
        option = await self._fallbacks.find(drill.fallback_key)
        if option is None:
            log.info("drill %d: fallback %s left the registry", drill_id, drill.fallback_key)
            return
        await self._notifier.drill_due(drill, option.owner)

    async def remind_improvement(self, test_id: int) -> None:
        """Remind the owner of test ``test_id``'s improvement action unless it is done."""
        test = await self._improvements.due(test_id)
        if test is not None:
            await self._notifier.improvement_due(test)
