"""Stand-ins shared by tests: a clock the test moves, rooms without a homeserver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.matrix.outbox import OPERATION_PREFIX
from bot.matrix.room_operations import OPEN_INCIDENT_ROOM
from bot.matrix.room_performers import IncidentRoomOpening
from bot.services import ServiceFactory
from bot.situations.service import IncidentRoomOpener
from bot.storage.models import AlertRecord, OutboxRecord, SituationRecord


class FixedClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class FakeRooms:
    """Stands in for the homeserver when opening incident rooms."""

    def __init__(self) -> None:
        self.opened: list[tuple[int, Sequence[str]]] = []

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        self.opened.append((situation.id, invitees))
        return f"!incident-{situation.id}:test"


async def open_requested_rooms(
    factory: ServiceFactory, opener: IncidentRoomOpener | None = None
) -> list[str]:
    """Perform the queued incident-room requests as the outbox sender would, with
    ``opener`` (FakeRooms by default) standing in for the homeserver; the rooms' ids."""
    opening = IncidentRoomOpening(factory, opener or FakeRooms())
    async with factory.db.transaction() as session:
        requests = list(
            await session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.event_type == OPERATION_PREFIX + OPEN_INCIDENT_ROOM,
                    OutboxRecord.sent_at.is_(None),
                )
                .order_by(OutboxRecord.id)
            )
        )
    for request in requests:
        await opening(request.room_id, dict(request.content))
        async with factory.db.transaction() as session:
            stored = await session.get(OutboxRecord, request.id)
            assert stored is not None
            stored.sent_at = factory.clock.now()
    async with factory.db.transaction() as session:
        ids = [
            await session.scalar(
                select(SituationRecord.incident_room_id).where(
                    SituationRecord.id == int(request.content["situation_id"])
                )
            )
            for request in requests
        ]
    return [room for room in ids if room is not None]


async def escalate_with_room(factory: ServiceFactory, alert_id: int, actor: str) -> SituationRecord:
    """Escalate ``alert_id`` and open its incident room (FakeRooms): the situation after."""
    async with factory.transaction() as services:
        situation_id = (await services.situations.escalate_alert(alert_id, actor)).id
    await open_requested_rooms(factory)
    async with factory.transaction() as services:
        return await services.situations.get(situation_id)
