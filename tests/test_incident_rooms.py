"""An escalation re-run after a crash reuses the incident room the first attempt created.

The bot is killed (SIGKILL) right after the homeserver created the room and before the
command's transaction commits; the restarted bot handles the command again.
"""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import nio

from bot.faults import INCIDENT_ROOM_CREATED, KILL_AT_ENV
from bot.intake.client import send_alert
from bot.sandbox.world import SandboxWorld
from tests.bot_process import BotProcess, free_port, write_config
from tests.matrix_user import MatrixUser, body_of, replies_to


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
