"""Escalating alerts into situations with an incident room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import (
    IncidentRoomOpenedPayload,
    PhaseChangedPayload,
    SituationOpenedPayload,
)
from bot.errors import (
    AlertAlreadyTracked,
    AlreadyEscalated,
    IncidentRoomBeingOpened,
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
    thread_root: str | None = None  # the thread it was typed in: the answer goes there too


class IncidentRoomRequests(Protocol):
    """Asks for an incident room to be opened once the asking transaction has committed.

    Opening it is a homeserver call, and no transaction stays open across one: the
    request is stored with the escalation, and whoever performs it calls
    ``SituationService.attach_incident_room`` with the room it opened.
    """

    async def request_incident_room(
        self, situation_id: int, alert_id: int, actor: str, origin: CommandOrigin | None
    ) -> None:
        """Queue opening the room of ``situation_id`` (escalated from ``alert_id``)."""
        ...


@dataclass(frozen=True)
class RoomRequest:
    """What opening a requested incident room needs: for whom, from which alert, whom to invite."""

    situation: SituationRecord
    alert: AlertRecord
    invitees: tuple[str, ...]


class SituationNotifier(Protocol):
    """Tells the taskforce about changes to situations, within the same transaction."""

    async def incident_room_opened(
        self, situation: SituationRecord, alert: AlertRecord, origin: CommandOrigin | None
    ) -> None:
        """Announce that ``situation`` now has an incident room (and is in crisis).

        The announcement answers the command typed at ``origin``: as a reply when typed in
        the room the announcement goes to, else with a reply of its own there.
        """
        ...

    async def incident_room_failed(
        self,
        situation: SituationRecord,
        alert: AlertRecord,
        origin: CommandOrigin | None,
        reason: str,
    ) -> None:
        """Say that the homeserver refused to open the incident room of ``situation``,
        answering the command typed at ``origin`` as ``incident_room_opened`` would."""
        ...

    async def phase_changed(
        self,
        situation: SituationRecord,
        previous: Phase,
        actor: str,
        reason: str,
        answered_in: str | None = None,
    ) -> None:
        """Announce that ``situation`` moved from ``previous`` to its current phase, except
        in ``answered_in``: the room where the command's own reply says so."""
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
        room_requests: IncidentRoomRequests,
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
        self._room_requests = room_requests
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
            SituationOpenedPayload(alert_id=alert.id, supplier=alert.supplier, title=alert.title),
        )
        return situation

    async def change_phase(
        self,
        situation_id: int,
        to: Phase,
        actor: str,
        reason: str,
        *,
        announce: bool = True,
        answered_in: str | None = None,
    ) -> SituationRecord:
        """Move the situation to ``to`` if allowed; records who, when and why.

        Raises InvalidTransition naming the allowed moves. Entering evaluation or closed
        cancels the situation's timers. ``announce=False`` leaves the announcement to the
        caller (an escalation says the new phase in its own single message); a command
        whose reply says it passes its room as ``answered_in``, which gets no second notice.
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
        change: PhaseChangedPayload = {"from": current.value, "to": to.value, "reason": reason}
        await self._log.append(situation.id, EntryKind.PHASE_CHANGED, actor, change)
        if to in QUIET_PHASES:
            await self._timers.cancel_prefix(timer_key_prefix(situation.id))
        if announce:
            await self._notifier.phase_changed(situation, current, actor, reason, answered_in)
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
    ) -> SituationRecord:
        """Move the alert's situation (a new one if it has none) to crisis, and ask for its
        incident room.

        The room is opened after this transaction commits; one announcement, made then,
        covers both the phase change and the room and answers the command at ``origin``.
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
            if situation.incident_room_requested_at is not None:
                raise IncidentRoomBeingOpened(alert_id=alert_id, situation_id=situation.id)
        if situation.phase != Phase.CRISIS.value:
            await self.change_phase(
                situation.id, Phase.CRISIS, actor, f"escalated alert {alert.id}", announce=False
            )
        situation.incident_room_requested_at = self._clock.now()
        await self._room_requests.request_incident_room(situation.id, alert.id, actor, origin)
        return situation

    async def room_request(self, situation_id: int, alert_id: int) -> RoomRequest | None:
        """What opening the requested room of ``situation_id`` needs; None once it is open."""
        situation = await self.get(situation_id)
        if situation.incident_room_id is not None:
            return None
        return RoomRequest(situation, await self._alerts.get(alert_id), tuple(self._taskforce))

    async def attach_incident_room(
        self,
        situation_id: int,
        alert_id: int,
        room_id: str,
        actor: str,
        origin: CommandOrigin | None,
    ) -> SituationRecord | None:
        """Record the room opened for ``situation_id`` and announce it; None (and nothing
        done) if a room was recorded already.

        The situation is read for update, so of two performers of one request (a re-run
        after a crash, or two instances) exactly one records and announces the room; the
        homeserver gave both the same room, as its address comes from the alert.
        """
        situation = await self._session.get(SituationRecord, situation_id, with_for_update=True)
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        if situation.incident_room_id is not None:
            return None
        situation.incident_room_id = room_id
        await self._log.append(
            situation.id,
            EntryKind.INCIDENT_ROOM_OPENED,
            actor,
            IncidentRoomOpenedPayload(room_id=room_id, invited=list(self._taskforce)),
        )
        await self._notifier.incident_room_opened(
            situation, await self._alerts.get(alert_id), origin
        )
        if self._sitreps is not None:
            await self._sitreps.start_cadence(situation.id)
        return situation

    async def abandon_incident_room(
        self, situation_id: int, alert_id: int, origin: CommandOrigin | None, reason: str
    ) -> bool:
        """Forget the request for the room of ``situation_id`` that the homeserver refused
        for good, and say so; a later ``!escalate`` may ask again. False (nothing done) if
        no such request is pending, so running this twice reports once."""
        situation = await self._session.get(SituationRecord, situation_id, with_for_update=True)
        if (
            situation is None
            or situation.incident_room_id is not None
            or situation.incident_room_requested_at is None
        ):
            return False
        situation.incident_room_requested_at = None
        await self._notifier.incident_room_failed(
            situation, await self._alerts.get(alert_id), origin, reason
        )
        return True

    async def get(self, situation_id: int) -> SituationRecord:
        """The situation with ``situation_id``; raises SituationNotFound."""
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        return situation

    async def by_incident_room(self, room_id: str) -> SituationRecord:
        """The situation whose incident room is ``room_id``; raises NotAnIncidentRoom."""
        situation = await self.in_room(room_id)
        if situation is None:
            raise NotAnIncidentRoom(room_id=room_id)
        return situation

    async def in_room(self, room_id: str) -> SituationRecord | None:
        """The situation whose incident room is ``room_id``; None for any other room."""
        return await self._session.scalar(
            select(SituationRecord).where(SituationRecord.incident_room_id == room_id)
        )
