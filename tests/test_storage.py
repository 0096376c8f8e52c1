"""Domain services and the outbox on a real database: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.errors import (
    AlreadyEscalated,
    IncidentRoomBeingOpened,
    NotAnIncidentRoom,
    UnknownPlaybook,
)
from bot.matrix.notices import ALERT_ID_FIELD
from bot.matrix.outbox import (
    MAX_CONTENT_BYTES,
    OPERATION_PREFIX,
    Outbox,
    OutboxSender,
    content_size,
)
from bot.matrix.room_performers import IncidentRoomOpening
from bot.storage.db import Database
from bot.storage.models import (
    AlertRecord,
    OutboxRecord,
)
from tests.support.clock import stepping_clock
from tests.support.factories import ALERT, COORDINATION, make_factory, stored_situation
from tests.support.fakes import FakeRooms, FlakyClient, open_requested_rooms


async def test_alert_is_stored_and_announced_in_one_transaction(database: Database) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
    async with database.transaction() as session:
        notices = list(await session.scalars(select(OutboxRecord)))
    assert [n.room_id for n in notices] == [COORDINATION]
    assert notices[0].content[ALERT_ID_FIELD] == alert.id
    assert notices[0].sent_at is None

    async def receive_then_crash() -> None:
        async with factory.transaction() as services:
            await services.alerts.receive(ALERT)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        await receive_then_crash()
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == 1
        assert await session.scalar(select(func.count()).select_from(OutboxRecord)) == 1


async def test_escalation_opens_one_situation_and_logs_it(database: Database) -> None:
    rooms = FakeRooms()
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
    async with factory.transaction() as services:
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
    assert situation.phase == "crisis"
    # The room is asked for with the escalation and opened only after it committed.
    assert situation.incident_room_id is None and rooms.opened == []
    with pytest.raises(IncidentRoomBeingOpened):
        async with factory.transaction() as services:
            await services.situations.escalate_alert(alert.id, "@bob:test")

    assert await open_requested_rooms(factory, rooms) == [f"!incident-{situation.id}:test"]
    assert rooms.opened == [(situation.id, ("@alice:test", "@bob:test"))]
    with pytest.raises(AlreadyEscalated):
        async with factory.transaction() as services:
            await services.situations.escalate_alert(alert.id, "@bob:test")
    async with factory.transaction() as services:
        found = await services.situations.by_incident_room(f"!incident-{situation.id}:test")
        assert found.id == situation.id
        with pytest.raises(NotAnIncidentRoom):
            await services.situations.by_incident_room(COORDINATION)
        kinds = [entry.kind for entry in await services.log.entries(situation.id)]
    assert kinds == ["situation_opened", "phase_changed", "incident_room_opened"]


async def test_a_room_request_performed_twice_is_recorded_and_announced_once(
    database: Database,
) -> None:
    """A crash after opening the room but before the request was marked done re-runs it."""
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
    async with database.transaction() as session:
        request = await session.scalar(
            select(OutboxRecord).where(OutboxRecord.event_type.startswith(OPERATION_PREFIX))
        )
    assert request is not None
    opening = IncidentRoomOpening(factory, FakeRooms())
    await opening(request.room_id, dict(request.content))
    await opening(request.room_id, dict(request.content))
    async with factory.transaction() as services:
        kinds = [entry.kind for entry in await services.log.entries(situation.id)]
        announcements = await services.session.scalar(
            select(func.count())
            .select_from(OutboxRecord)
            .where(OutboxRecord.room_id == COORDINATION)
            .where(OutboxRecord.content["body"].as_string().contains("!incident-"))
        )
    assert kinds.count("incident_room_opened") == 1
    assert announcements == 1


async def test_playbook_start_and_decision_are_logged(database: Database) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
        started = await services.playbook_runs.start(
            situation.id, "example-supplier-outage", "@alice:test"
        )
        with pytest.raises(UnknownPlaybook) as unknown:
            await services.playbook_runs.start(situation.id, "nope", "@alice:test")
        decision = await services.decisions.decide(
            situation.id, "@bob:test", "Use the fallback", "Outage > 4h"
        )
    assert "example-supplier-outage" in unknown.value.params["available"]
    first = started.playbook.main_line_steps()[0]
    assert started.number == 1
    assert started.state.step(first.id).due == started.record.started_at + first.deadline
    assert decision.actor == "@bob:test"
    assert decision.payload["decision"] == "Use the fallback"
    assert decision.payload["rationale"] == "Outage > 4h"
    async with factory.transaction() as services:
        report = await services.reports.gather(situation.id)
    assert report.chain.intact
    assert report.chain.entries == 4  # opened, phase, playbook, decision: no room yet
    assert report.chain.head_hash == decision.hash
    assert [run.playbook_id for run in report.runs] == ["example-supplier-outage"]


async def test_concurrent_appends_keep_one_unbroken_chain(database: Database) -> None:
    situation_id = await stored_situation(database)
    clock = stepping_clock()

    async def append(number: int) -> None:
        async with database.transaction() as session:
            await SituationLog(session, clock).append(
                situation_id, EntryKind.NOTE, "@bob:test", {"text": f"note {number}"}
            )

    await asyncio.gather(*(append(number) for number in range(10)))
    async with database.transaction() as session:
        log = SituationLog(session, clock)
        check = await log.verify(situation_id)
        seqs = [entry.seq for entry in await log.entries(situation_id)]
    assert check.intact
    assert seqs == list(range(1, 11))


async def test_outbox_delivers_in_room_order_and_retries_with_the_same_txn_id(
    database: Database,
) -> None:
    clock = stepping_clock()
    async with database.transaction() as session:
        outbox = Outbox(session, clock, lambda rows: None)
        for number in range(3):
            await outbox.post("!a:test", {"body": f"a{number}"})
            await outbox.post("!b:test", {"body": f"b{number}"})
    client = FlakyClient(failing_room="!a:test")
    sender = OutboxSender(database, client, clock)  # type: ignore[arg-type]

    delay = await sender.deliver_pending()
    assert delay is not None and delay <= 0.001  # the server's retry_after_ms is honoured
    # room b is not held up by room a; nothing of room a jumps the failed message
    assert [c["body"] for _, _, c in client.sent] == ["b0", "b1", "b2"]

    await asyncio.sleep(delay)  # room a is due again
    assert await sender.deliver_pending() is None
    assert [c["body"] for room, _, c in client.sent if room == "!a:test"] == ["a0", "a1", "a2"]
    failed_txn = client.attempts[0]
    assert client.attempts.count(failed_txn) == 2  # retried with the same transaction id
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
    assert all(row.sent_at is not None and row.event_id for row in rows)
    assert rows[0].attempts == 2
    assert rows[0].last_error is not None and "M_LIMIT_EXCEEDED" in rows[0].last_error


async def test_a_handled_event_is_claimed_only_once(database: Database) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        assert await services.handled_events.claim("$e1", "!r:test")
        assert not await services.handled_events.claim("$e1", "!r:test")
    async with factory.transaction() as services:
        assert not await services.handled_events.claim("$e1", "!r:test")
        assert await services.handled_events.claim("$e2", "!r:test")


async def test_an_oversized_message_becomes_a_preview_and_a_file(database: Database) -> None:
    huge = "regel\n" * 20_000  # 120 kB, twice what the homeserver accepts
    async with database.transaction() as session:
        outbox = Outbox(session, stepping_clock(), lambda rows: None)
        await outbox.post(
            "!a:test", {"msgtype": "m.notice", "body": huge, "m.relates_to": {"x": 1}}
        )
        await outbox.post("!a:test", {"msgtype": "m.notice", "body": "small"})
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
    preview, document, small = rows
    assert content_size(preview.content) < MAX_CONTENT_BYTES
    assert preview.content["body"].startswith("regel\nregel")
    assert preview.content["body"].endswith("full text attached)")
    assert document.content["msgtype"] == "m.file"
    assert document.content["m.relates_to"] == {"x": 1}
    assert document.attachment is not None
    assert document.attachment.decode() == huge  # nothing is dropped
    assert small.content["body"] == "small"
