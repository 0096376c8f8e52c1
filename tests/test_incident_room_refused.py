"""An incident room the homeserver refuses for good leaves nothing stuck (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.matrix.client import MatrixError
from bot.matrix.outbox import OPERATION_PREFIX, OutboxSender
from bot.matrix.room_operations import OPEN_INCIDENT_ROOM
from bot.matrix.room_performers import IncidentRoomOpening
from bot.situations.service import CommandOrigin
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord, SituationRecord
from tests.support.factories import ALERT, ALICE, COORDINATION, make_factory
from tests.support.fakes import FakeRooms, FlakyClient

ELSEWHERE = "!elsewhere:test"


class RefusingRooms:
    """A homeserver that refuses to create rooms (the bot may not, say)."""

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        raise MatrixError("create room", "not allowed", errcode="M_FORBIDDEN", http_status=403)


async def test_a_refused_room_is_reported_where_asked_and_escalate_may_ask_again(
    database: Database,
) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
        origin = CommandOrigin(ELSEWHERE, "$escalate", "nl")
        situation_id = (await services.situations.escalate_alert(alert.id, ALICE, origin)).id
    client = FlakyClient(failing_room="!none:test")
    opening = IncidentRoomOpening(factory, RefusingRooms())
    sender = OutboxSender(
        database,
        client,  # type: ignore[arg-type]
        factory.clock,
        coordination_room=COORDINATION,
        operations={OPEN_INCIDENT_ROOM: opening},
    )

    await sender.deliver_pending()
    await sender.deliver_pending()  # the failure notices queued by the first pass

    async with database.transaction() as session:
        situation = await session.get(SituationRecord, situation_id)
        request = await session.scalar(
            select(OutboxRecord).where(
                OutboxRecord.event_type == OPERATION_PREFIX + OPEN_INCIDENT_ROOM
            )
        )
    assert situation is not None and situation.incident_room_requested_at is None
    assert request is not None and request.dead_at is not None
    assert request.last_error is not None and "M_FORBIDDEN" in request.last_error
    notices = [(room, content) for room, _, content in client.sent]
    failures = [(room, c) for room, c in notices if "could not be opened" in c["body"]]
    failures += [(room, c) for room, c in notices if "kon niet worden geopend" in c["body"]]
    # Once in the coordination room, once as the answer where !escalate was typed (in
    # its language); not a second, generic dead-letter report about the queue.
    assert sorted(room for room, _ in failures) == sorted([ELSEWHERE, COORDINATION])
    answer = next(c for room, c in failures if room == ELSEWHERE)
    assert "kon niet worden geopend" in answer["body"]
    assert f"!escaleer {alert.id}" in answer["body"]
    assert answer["m.relates_to"]["m.in_reply_to"]["event_id"] == "$escalate"
    assert not [c for _, c in notices if "weerbaar outbox" in c["body"]]

    # Abandoning again (a crash before the row was set aside) reports nothing twice.
    refused = MatrixError("create room", "not allowed", errcode="M_FORBIDDEN", http_status=403)
    payload = dict(request.content)
    assert not await opening.abandon(request.room_id, payload, refused)

    # Nothing stuck: a second !escalate asks again, and this time the room opens.
    async with factory.transaction() as services:
        await services.situations.escalate_alert(alert.id, ALICE)
    rooms = FakeRooms()
    sender = OutboxSender(
        database,
        client,  # type: ignore[arg-type]
        factory.clock,
        coordination_room=COORDINATION,
        operations={OPEN_INCIDENT_ROOM: IncidentRoomOpening(factory, rooms)},
    )
    await sender.deliver_pending()
    async with database.transaction() as session:
        situation = await session.get(SituationRecord, situation_id)
    assert situation is not None and situation.incident_room_id == f"!incident-{situation_id}:test"
