"""Situation reports (sitreps) in an incident, and the cadence that asks for them.

A sitrep is a log entry, so the report and the audit trail show every one. When an incident
room opens, a durable timer is set one interval ahead; when it fires, the bot asks the
scribe (or, without one, the coordinator) for a sitrep and sets the next reminder one
interval later. Recording a sitrep moves the pending reminder to one interval after it, so
a room that reports on its own is never nagged. The timer's key is under the situation's
prefix, so entering evaluation or closed stops the cadence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import ReminderSentPayload, TextPayload
from bot.scheduling.timers import Timers
from bot.situations.phases import QUIET_PHASES, Phase, timer_key_prefix
from bot.situations.roles import COORDINATOR, Holders
from bot.situations.timers import SITREP_TIMER, ForSituation
from bot.storage.models import LogEntryRecord, SituationRecord

SCRIBE = "scribe"


def sitrep_timer_key(situation_id: int) -> str:
    """The key of the situation's one pending sitrep reminder."""
    return f"{timer_key_prefix(situation_id)}sitrep"


def sitrep_owners(holders: Holders) -> list[str]:
    """Who is asked for a sitrep: the scribe if there is one, else the coordinator."""
    return holders.get(SCRIBE) or holders.get(COORDINATOR, [])


class SitrepService:
    """Records sitreps and keeps the reminder cadence; ``interval`` None means no reminders."""

    def __init__(
        self, log: SituationLog, timers: Timers, clock: Clock, interval: timedelta | None
    ) -> None:
        self.interval = interval
        self._log = log
        self._timers = timers
        self._clock = clock

    async def start_cadence(self, situation_id: int) -> datetime | None:
        """Ask for the first sitrep one interval from now; returns when (None: no cadence)."""
        return await self._schedule(situation_id, self._clock.now())

    async def record(self, situation: SituationRecord, actor: str, text: str) -> LogEntryRecord:
        """Log a sitrep and move the next reminder to one interval after it."""
        entry = await self._log.append(
            situation.id, EntryKind.SITREP, actor, TextPayload(text=text)
        )
        # After the incident is closed a late sitrep is still recorded, but must not
        # restart reminders the phase change stopped.
        if Phase(situation.phase) not in QUIET_PHASES:
            await self._schedule(situation.id, entry.recorded_at)
        return entry

    async def latest(self, situation_id: int) -> LogEntryRecord | None:
        """The most recent sitrep of the situation, if any."""
        sitreps = await self._log.of_kind(situation_id, EntryKind.SITREP)
        return sitreps[-1] if sitreps else None

    async def next_due(self, situation_id: int) -> datetime | None:
        """When the bot will next ask for a sitrep (None: it will not)."""
        timer = await self._timers.pending(sitrep_timer_key(situation_id))
        return None if timer is None else timer.due_at

    async def reminded(self, situation_id: int, mentioned: list[str], at: datetime) -> None:
        """Log that the bot asked for a sitrep and set the next reminder an interval later."""
        await self._log.append(
            situation_id,
            EntryKind.REMINDER_SENT,
            "weerbaar",
            ReminderSentPayload(
                subject="sitrep", subject_id=situation_id, stage="reminder", mentioned=mentioned
            ),
        )
        await self._schedule(situation_id, at)

    async def _schedule(self, situation_id: int, after: datetime) -> datetime | None:
        if self.interval is None:
            return None
        due = after + self.interval
        await SITREP_TIMER.schedule(
            self._timers,
            due,
            ForSituation(situation_id=situation_id),
            key=sitrep_timer_key(situation_id),
        )
        return due
