"""Decisions typed in a real incident room: who was present (the room's members), and the
guided form in a thread, across a restart. What the other log commands answer is in
test_chat_commands.py.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from bot.storage.models import LogEntryRecord, TimerRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.incidents import escalate_new_alert
from tests.support.matrix_user import MatrixUser, answer_in_thread, body_of, thread_message


async def _incident_room(bot: Weerbaar, world: SandboxWorld, *members: MatrixUser) -> str:
    """A new incident room escalated by the first of ``members``, all of whom join it."""
    room, _ = await escalate_new_alert(bot, world, members[0], "Acme Cloud", "Payroll down")
    # The escalation's reply is the only announcement: nothing more arrives in a later test.
    for member in members:
        await member.join(room)
    return room


async def test_inline_decision_records_options_information_presence_and_review(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, bob: MatrixUser
) -> None:
    room = await _incident_room(bot, world, alice, bob)
    reply = await bob.command(
        room,
        "!decide Manual payroll --why SaaS down 6h "
        '--options "wait for the supplier: no ETA; Manual payroll" '
        "--info status page and supplier call 08:40 --review in 2h",
    )
    text = body_of(reply)
    assert "Decision recorded" in text and "Manual payroll" in text
    assert alice.user_id in text and bob.user_id in text  # who was present
    assert "Review at" in text
    async with bot.db.transaction() as session:
        decision = await session.scalar(
            select(LogEntryRecord)
            .where(LogEntryRecord.kind == "decision")
            .order_by(LogEntryRecord.id.desc())
        )
        assert decision is not None
        timer = await session.scalar(
            select(TimerRecord).where(TimerRecord.key.endswith(f"decision-review:{decision.seq}"))
        )
    payload = decision.payload
    assert decision.actor == bob.user_id
    assert payload["options"] == [
        {"option": "wait for the supplier", "chosen": False, "why_not": "no ETA"},
        {"option": "Manual payroll", "chosen": True, "why_not": None},
    ]
    assert payload["information"] == "status page and supplier call 08:40"
    assert payload["present"] == sorted([alice.user_id, bob.user_id])
    assert timer is not None and timer.key is not None
    assert timer.key.startswith(f"situation:{decision.situation_id}:")
    assert payload["review_at"] == timer.due_at.isoformat()

    refused = await bob.command(room, "!decide Something --why x --review yesterday")
    assert "Cannot read the time 'yesterday'" in body_of(refused)


async def test_guided_decision_in_a_thread_survives_a_restart(
    world: SandboxWorld, tmp_path: Path, alice: MatrixUser, bob: MatrixUser
) -> None:
    settings = bot_settings(world, tmp_path / "bot")
    async with running_bot(settings) as first:
        room = await _incident_room(first, world, alice, bob)
        root = await alice.send(room, "!besluit")
        question = await alice.wait_for(
            room, lambda e: e["content"].get("m.relates_to", {}).get("event_id") == root
        )
        assert question["content"]["m.relates_to"]["rel_type"] == "m.thread"
        assert body_of(question).startswith("Wat is het besluit?")
        asked = await answer_in_thread(alice, room, root, "Uitwijken naar handmatige verwerking")
        assert body_of(asked).startswith("Welke opties")
        # someone else talking in the thread does not fill in alice's decision
        await bob.client.room_send(room, "m.room.message", thread_message("+1", root, root))

    async with running_bot(settings) as second:
        asked = await answer_in_thread(alice, room, root, "wachten: geen hersteltijd; uitwijken")
        assert body_of(asked).startswith("Waarom?")
        asked = await answer_in_thread(alice, room, root, "Salarisrun morgen 06:00")
        assert body_of(asked).startswith("Op welke informatie")
        asked = await answer_in_thread(alice, room, root, "-")
        assert body_of(asked).startswith("Wanneer herzien?")
        wrong = await answer_in_thread(alice, room, root, "ooit")
        assert "niet begrepen" in body_of(wrong)
        done = await answer_in_thread(alice, room, root, "-")
        assert body_of(done).startswith("Besluit vastgelegd")
        async with second.db.transaction() as session:
            decision = await session.scalar(
                select(LogEntryRecord).where(LogEntryRecord.kind == "decision")
            )
        assert decision is not None and decision.actor == alice.user_id
        assert decision.payload["decision"] == "Uitwijken naar handmatige verwerking"
        assert decision.payload["rationale"] == "Salarisrun morgen 06:00"
        assert decision.payload["information"] is None and decision.payload["review_at"] is None
        assert [o["option"] for o in decision.payload["options"]] == ["wachten", "uitwijken"]
