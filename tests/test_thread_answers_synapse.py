"""A command typed in a thread, its edit and a guided form it starts, answered in that
thread by the bot on a real Synapse (what each answer carries is in test_thread_answers.py)."""

from __future__ import annotations

import nio

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from tests.support.incidents import escalate_new_alert
from tests.support.matrix_user import MatrixUser, body_of, replies_to, thread_message


async def test_a_command_and_its_edit_in_a_thread_are_answered_in_it(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room = world.coordination_room
    root = await alice.send(room, "Is the payroll run at risk?")
    sent = await alice.client.room_send(
        room, "m.room.message", thread_message("!status", root, root)
    )
    assert isinstance(sent, nio.RoomSendResponse), sent
    command = sent.event_id
    in_thread = {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": command},
    }
    answer = await alice.wait_for(room, replies_to(command))
    assert answer["content"]["m.relates_to"] == in_thread, answer

    # The edit says only which message it replaces, not the thread (as Element sends it).
    edit = {
        "msgtype": "m.text",
        "body": "* !help",
        "m.new_content": {"msgtype": "m.text", "body": "!help"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": command},
    }
    edited = await alice.client.room_send(room, "m.room.message", edit)
    assert isinstance(edited, nio.RoomSendResponse), edited
    refused = await alice.wait_for(
        room, lambda e: replies_to(command)(e) and body_of(e).startswith("Edits are not read")
    )
    assert refused["content"]["m.relates_to"] == in_thread, refused


async def test_a_guided_decision_typed_in_a_thread_is_asked_in_it(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    """A thread cannot start at a message in a thread: Synapse refuses such a question."""
    room, _ = await escalate_new_alert(bot, world, alice, "Acme Cloud", "Payroll down")
    await alice.join(room)
    root = await alice.send(room, "What do we do about payroll?")
    sent = await alice.client.room_send(
        room, "m.room.message", thread_message("!besluit", root, root)
    )
    assert isinstance(sent, nio.RoomSendResponse), sent
    question = await alice.wait_for(room, replies_to(sent.event_id))
    assert body_of(question).startswith("Wat is het besluit?")
    assert question["content"]["m.relates_to"]["rel_type"] == "m.thread"
    assert question["content"]["m.relates_to"]["event_id"] == root
