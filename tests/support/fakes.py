"""Stand-ins shared by tests: a Matrix client that fails once, rooms without a homeserver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bot.matrix.client import MatrixError
from bot.matrix.outbox import OPERATION_PREFIX
from bot.matrix.room_operations import OPEN_INCIDENT_ROOM
from bot.matrix.room_performers import IncidentRoomOpening
from bot.services import ServiceFactory
from bot.situations.service import IncidentRoomOpener
from bot.storage.models import AlertRecord, OutboxRecord, SituationRecord


class FlakyClient:
    """Records sends; fails the first attempt for one room like an overloaded server."""

    def __init__(self, failing_room: str) -> None:
        self.failing_room = failing_room
        self.failures_left = 1
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.attempts: list[str] = []
        self.attached: list[bytes] = []

    async def upload(self, data: bytes, content_type: str, filename: str) -> str:
        return "mxc://test/file"

    async def attach(self, room_id: str, content: dict[str, Any], data: bytes) -> dict[str, Any]:
        """The file message as MatrixClient.attach makes it in a room without encryption."""
        self.attached.append(data)
        return {**content, "url": await self.upload(data, "", content["body"])}

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        self.attempts.append(txn_id)
        if room_id == self.failing_room and self.failures_left:
            self.failures_left -= 1
            raise MatrixError(
                "send", "busy", errcode="M_LIMIT_EXCEEDED", http_status=429, retry_after_ms=1
            )
        self.sent.append((room_id, txn_id, content))
        return f"$event{len(self.sent)}"


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
