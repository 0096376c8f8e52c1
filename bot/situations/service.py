"""Escalating alerts into situations with an incident room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.decisionlog.log import EntryKind, SituationLog
from bot.errors import (
    AlertAlreadyTracked,
    AlreadyEscalated,
    InvalidTransition,
    NotAnIncidentRoom,
    SituationNotFound,
    SupplierHasOpenSituation,
)
from bot.i18n import Language, Term
from bot.scheduling.timers import Timers
from bot.situations.phases import QUIET_PHASES, TRANSITIONS, Phase, allowed_moves, timer_key_prefix
from bot.situations.sitreps import SitrepService
from bot.storage.models import AlertRecord, SituationRecord


class IncidentRoomOpener(Protocol):
    """Opens the room in which an escalated situation is worked on."""

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        """Create the room for ``situation`` (opened from ``alert``), invite ``invitees``.

        At most one room per alert: called again for the same alert (a re-run of an
        escalation whose transaction never committed) it returns the room created before.
        """
        ...


@dataclass(frozen=True)
class CommandOrigin:
    """Where a command was typed, so an announcement there can double as its reply."""

    room_id: str
    event_id: str
    lang: Language


class SituationNotifier(Protocol):
    """Tells the taskforce about changes to situations, within the same transaction."""

    async def incident_room_opened(
        self, situation: SituationRecord, alert: AlertRecord, origin: CommandOrigin | None
    ) -> bool:
        """Announce that ``situation`` now has an incident room (and is in crisis).

        Returns True when the announcement also answered the command at ``origin``
        (typed in the room the announcement goes to), so no separate reply is needed.
        """
        ...

    async def phase_changed(
        self, situation: SituationRecord, previous: Phase, actor: str, reason: str
    ) -> None:
        """Announce that ``situation`` moved from ``previous`` to its current phase."""
        ...


class PhaseObserver(Protocol):
    """Reacts to a phase change inside the same transaction (e.g. starts check-ins)."""

    async def phase_changed(self, situation: SituationRecord, previous: Phase, actor: str) -> None:
        """``situation`` moved from ``previous`` to its current phase."""
        ...


class SituationService:
    """Opens situations from alerts and finds them again."""

    def __init__(
        self,
        session: AsyncSession,
        alerts: AlertService,
        log: SituationLog,
        rooms: IncidentRoomOpener,
        notifier: SituationNotifier,
        timers: Timers,
        taskforce: Sequence[str],
        clock: Clock,
        sitreps: SitrepService | None = None,
        *,
        phase_observers: Sequence[PhaseObserver] = (),
    ) -> None:
        self._session = session
        self._sitreps = sitreps
        self._alerts = alerts
        self._log = log
        self._rooms = rooms
        self._notifier = notifier
        self._timers = timers
        self._taskforce = taskforce
        self._clock = clock
        self._phase_observers = tuple(phase_observers)

    async def open_for_alert(self, alert: AlertRecord, actor: str) -> SituationRecord:
        """A new situation in the signal phase, started by ``alert`` (which is attached)."""
        situation = SituationRecord(
            supplier=alert.supplier,
            title=alert.title,
            phase=Phase.SIGNAL.value,
            opened_at=self._clock.now(),
            opened_by=actor,
            is_exercise=alert.exercise,
        )
        self._session.add(situation)
        await self._session.flush()
        alert.situation_id = situation.id
        await self._log.append(
            situation.id,
            EntryKind.SITUATION_OPENED,
            actor,
            {"alert_id": alert.id, "supplier": alert.supplier, "title": alert.title},
        )
        return situation

    async def change_phase(
        self, situation_id: int, to: Phase, actor: str, reason: str, *, announce: bool = True
    ) -> SituationRecord:
        """Move the situation to ``to`` if allowed; records who, when and why.

        Raises InvalidTransition naming the allowed moves. Entering evaluation or closed
        cancels the situation's timers. ``announce=False`` leaves the announcement to the
        caller (an escalation says the new phase in its own single message).
        """
        situation = await self.get(situation_id)
        current = Phase(situation.phase)
        if to not in TRANSITIONS[current]:
            raise InvalidTransition(
                situation_id=situation_id,
                current=Term("phase", current.value),
                to=Term("phase", to.value),
                allowed=[Term("phase", phase.value) for phase in allowed_moves(current)],
            )
        situation.phase = to.value
        await self._log.append(
            situation.id,
            EntryKind.PHASE_CHANGED,
            actor,
            {"from": current.value, "to": to.value, "reason": reason},
        )
        if to in QUIET_PHASES:
            await self._timers.cancel_prefix(timer_key_prefix(situation.id))
        if announce:
            await self._notifier.phase_changed(situation, current, actor, reason)
        for observer in self._phase_observers:
            await observer.phase_changed(situation, current, actor)
        return situation

    async def track_alert(self, alert_id: int, actor: str) -> SituationRecord:
        """Open a situation (phase signal) for an alert that has none, to watch it."""
        alert = await self._alerts.get(alert_id)
        if alert.situation_id is not None:
            raise AlertAlreadyTracked(alert_id=alert.id, situation_id=alert.situation_id)
        existing = await self._alerts.open_situation_of(alert.supplier, alert.exercise)
        if existing is not None:
            raise SupplierHasOpenSituation(supplier=alert.supplier, situation_id=existing.id)
        return await self.open_for_alert(alert, actor)

    async def escalate_alert(
        self, alert_id: int, actor: str, origin: CommandOrigin | None = None
    ) -> tuple[SituationRecord, bool]:
        """Move the alert's situation (a new one if it has none) to crisis with an incident room.

        One announcement covers both the phase change and the room. Returns the situation
        and whether that announcement already answered the command typed at ``origin``.
        """
        alert = await self._alerts.get(alert_id)
        if alert.situation_id is None:
            situation = await self.open_for_alert(alert, actor)
        else:
            situation = await self.get(alert.situation_id)
            if situation.incident_room_id is not None:
                raise AlreadyEscalated(
                    alert_id=alert_id, situation_id=situation.id, room_id=situation.incident_room_id
                )
        if situation.phase != Phase.CRISIS.value:
            await self.change_phase(
                situation.id, Phase.CRISIS, actor, f"escalated alert {alert.id}", announce=False
            )
        # Runs inside the command's transaction, but the alert and its room key were
        # committed earlier, so a re-run after a crash gets the same room back.
        situation.incident_room_id = await self._rooms.open_incident_room(
            situation, alert, self._taskforce
        )
        await self._log.append(
            situation.id,
            EntryKind.INCIDENT_ROOM_OPENED,
            actor,
            {"room_id": situation.incident_room_id, "invited": list(self._taskforce)},
        )
        answered = await self._notifier.incident_room_opened(situation, alert, origin)
        if self._sitreps is not None:
            await self._sitreps.start_cadence(situation.id)
        return situation, answered

    async def get(self, situation_id: int) -> SituationRecord:
        """The situation with ``situation_id``; raises SituationNotFound."""
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        return situation

    async def by_incident_room(self, room_id: str) -> SituationRecord:
        """The situation whose incident room is ``room_id``; raises NotAnIncidentRoom."""
        situation = await self._session.scalar(
            select(SituationRecord).where(SituationRecord.incident_room_id == room_id)
        )
        if situation is None:
            raise NotAnIncidentRoom(room_id=room_id)
        return situation
