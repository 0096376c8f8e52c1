"""Incident rooms are created once per alert, also when an escalation runs again.

The end-to-end test kills the bot (SIGKILL) right after the homeserver created the room
and before the command's transaction commits; the restarted bot handles the command again.
"""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import nio

from bot.faults import INCIDENT_ROOM_CREATED, KILL_AT_ENV
from bot.intake.client import send_alert
from bot.matrix.client import MatrixClient
from bot.matrix.rooms import MatrixIncidentRooms
from bot.sandbox.ports import free_port
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, SituationRecord, new_room_key
from tests.support.bot_process import BotProcess, write_config
from tests.support.matrix_user import MatrixUser, body_of, replies_to


async def rooms_named(user: MatrixUser, fragment: str) -> list[str]:
    """The rooms ``user`` is joined to whose name contains ``fragment``."""
    joined = await user.client.joined_rooms()
    assert isinstance(joined, nio.JoinedRoomsResponse), joined
    named = []
    for room_id in joined.rooms:
        state = await user.client.room_get_state_event(room_id, "m.room.name")
        if isinstance(state, nio.RoomGetStateEventResponse) and fragment in str(
            state.content.get("name", "")
        ):
            named.append(room_id)
    return named


async def test_escalation_killed_after_the_room_was_created_opens_one_room(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    port = free_port()
    config = write_config(world, tmp_path, port)
    crashing = BotProcess(config, port, env={KILL_AT_ENV: INCIDENT_ROOM_CREATED})
    await crashing.start()
    restarted = BotProcess(config, port)
    try:
        await crashing.wait_for_role("active")
        supplier = f"crash-{uuid.uuid4().hex[:8]}"
        status, answer = await send_alert(
            crashing.url + "/alerts",
            world.hmac_secret.encode(),
            {"supplier": supplier, "title": "down"},
        )
        assert status == 202, answer
        command = await alice.send(room, f"!escalate {answer['id']}")
        assert crashing.process is not None
        assert await crashing.process.wait() == -signal.SIGKILL

        await restarted.start()
        await restarted.wait_for_role("active")
        reply = await alice.wait_for(room, replies_to(command), 60)
        # per-room order: everything the command caused comes before this answer
        await alice.command(room, "!help", timeout=60)
    finally:
        await restarted.stop()

    answers = [event for event in alice.seen[room] if replies_to(command)(event)]
    assert [body_of(event) for event in answers] == [body_of(reply)]
    bot_account = MatrixUser(world.homeserver_url, world.bot)
    try:
        incident_rooms = await rooms_named(bot_account, supplier)
        assert len(incident_rooms) == 1, incident_rooms
        membership = await bot_account.client.room_get_state_event(
            incident_rooms[0], "m.room.member", alice.user_id
        )
    finally:
        await bot_account.close()
    assert incident_rooms[0] in body_of(reply)
    assert isinstance(membership, nio.RoomGetStateEventResponse), membership
    assert membership.content["membership"] == "invite"


def situation_record(situation_id: int, supplier: str, actor: str) -> SituationRecord:
    return SituationRecord(
        id=situation_id, supplier=supplier, title="down", opened_by=actor, is_exercise=False
    )


async def test_opening_again_for_the_same_alert_returns_the_room_created_before(
    world: SandboxWorld, alice: MatrixUser
) -> None:
    client = MatrixClient(world.homeserver_url, world.bot.user_id, world.bot.device_id)
    await client.authenticate(access_token=world.bot.access_token, password=None)
    rooms = MatrixIncidentRooms(client, "en")
    supplier = f"reuse-{uuid.uuid4().hex[:8]}"
    alert = AlertRecord(id=7, room_key=new_room_key())
    try:
        first = await rooms.open_incident_room(
            situation_record(1, supplier, alice.user_id), alert, [alice.user_id]
        )
        # the re-run after a crash: on PostgreSQL the situation may get another id
        again = await rooms.open_incident_room(
            situation_record(2, supplier, alice.user_id), alert, [alice.user_id]
        )
        other = await rooms.open_incident_room(
            situation_record(3, supplier, alice.user_id),
            AlertRecord(id=8, room_key=new_room_key()),
            [alice.user_id],
        )
        topic = await client.state(first, "m.room.topic")
    finally:
        await client.close()
    assert again == first
    assert other != first
    assert topic["topic"].startswith("Situation #2,")
