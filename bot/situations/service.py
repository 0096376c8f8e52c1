"""Escalating alerts into situations with an incident room."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.decisionlog.log import EntryKind, SituationLog
from bot.errors import AlreadyEscalated, NotAnIncidentRoom, SituationNotFound
from bot.storage.models import AlertRecord, SituationRecord


class Phase(StrEnum):
    """The phases a situation moves through."""

    SIGNAL = "signal"
    LAUWE_FASE = "lauwe_fase"
    CRISIS = "crisis"
    DE_ESCALATION = "de_escalation"
    EVALUATION = "evaluation"
    CLOSED = "closed"


class IncidentRoomOpener(Protocol):
    """Opens the room in which an escalated situation is worked on."""

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        """Create the room for ``situation`` (opened from ``alert``), invite ``invitees``."""
        ...


class SituationNotifier(Protocol):
    """Tells the taskforce about changes to situations, within the same transaction."""

    async def incident_room_opened(self, situation: SituationRecord, alert: AlertRecord) -> None:
        """Announce that ``situation`` now has an incident room."""
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
        taskforce: Sequence[str],
        clock: Clock,
    ) -> None:
        self._session = session
        self._alerts = alerts
        self._log = log
        self._rooms = rooms
        self._notifier = notifier
        self._taskforce = taskforce
        self._clock = clock

    async def escalate_alert(self, alert_id: int, actor: str) -> SituationRecord:
        """Open a crisis situation for the alert, with an incident room for the taskforce."""
        alert = await self._alerts.get(alert_id)
        if alert.situation_id is not None:
            existing = await self.get(alert.situation_id)
            raise AlreadyEscalated(
                alert_id=alert_id, situation_id=existing.id, room_id=existing.incident_room_id
            )
        situation = SituationRecord(
            supplier=alert.supplier,
            title=alert.title,
            phase=Phase.CRISIS.value,
            opened_at=self._clock.now(),
            opened_by=actor,
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
        await self._log.append(
            situation.id,
            EntryKind.PHASE_CHANGED,
            actor,
            {"from": None, "to": Phase.CRISIS.value, "reason": f"escalated alert {alert.id}"},
        )
        situation.incident_room_id = await self._rooms.open_incident_room(
            situation, alert, self._taskforce
        )
        await self._log.append(
            situation.id,
            EntryKind.INCIDENT_ROOM_OPENED,
            actor,
            {"room_id": situation.incident_room_id, "invited": list(self._taskforce)},
        )
        await self._notifier.incident_room_opened(situation, alert)
        return situation

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
