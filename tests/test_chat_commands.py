"""What commands answer, through the production dispatcher without a homeserver.

The same paths against real Synapse (delivery, rooms, invites) are in
test_walking_skeleton.py and the other chat modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import func, select

from bot.commands import build_registry
from bot.storage.models import AlertRecord, LogEntryRecord, SituationRecord
from tests.support.chat import ChatHarness, chat_harness
from tests.support.factories import ALERT, ALICE, BOB, COORDINATION

MALLORY = "@mallory:test"


@pytest_asyncio.fixture(loop_scope="session")
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """A harness for taskforce alice and bob."""
    async with chat_harness(tmp_path) as harness:
        yield harness


async def test_one_escalation_posts_one_message_in_the_language_of_the_command(
    chat: ChatHarness,
) -> None:
    for command, opened in (
        ("!escaleer", "Crisisruimte geopend"),
        ("!escalate", "Incident room opened"),
    ):
        alert_id = await chat.alert(ALERT.model_copy(update={"supplier": f"Supplier {command}"}))
        posted = await chat.say(ALICE, COORDINATION, f"{command} {alert_id}")
        messages = [message for message in posted if message.room_id == COORDINATION]
        # one message there: the announcement, answering the command, saying the phase too
        assert len(messages) == 1, [message.body for message in messages]
        (announcement,) = messages
        assert announcement.reply_to is not None
        assert announcement.body.startswith(opened) and "crisis" in announcement.body


async def test_help_lists_every_command_in_both_languages(chat: ChatHarness) -> None:
    registry = build_registry()
    english = await chat.command(ALICE, COORDINATION, "!help")
    dutch = await chat.command(ALICE, COORDINATION, "!hulp")
    for command in registry.commands:
        assert command.usage_line("en") in english
        assert command.summary["en"] in english
        assert command.usage_line("nl") in dutch
        assert command.summary["nl"] in dutch
    assert english.startswith("Weerbaar commands:")
    assert dutch.startswith("Opdrachten van Weerbaar:")


async def test_non_member_is_refused_and_nothing_changes(chat: ChatHarness) -> None:
    alert_id = await chat.alert()
    reply = await chat.command(MALLORY, COORDINATION, f"!escalate {alert_id}")
    assert "Refused" in reply and MALLORY in reply
    async with chat.bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SituationRecord)) == 0
        alert = await session.get(AlertRecord, alert_id)
        assert alert is not None and alert.situation_id is None


async def test_bad_commands_get_usage_and_change_nothing(chat: ChatHarness) -> None:
    room = COORDINATION
    assert "Unknown command !frobnicate" in await chat.command(ALICE, room, "!frobnicate")
    assert (await chat.command(ALICE, room, "!escalate")).startswith("Usage: !escalate <alert-id>")
    # The usage, then which argument did not fit and why, in the command's language.
    assert await chat.command(ALICE, room, "!escaleer abc") == (
        "Gebruik: !escaleer <melding-id>\n<melding-id>: geen nummer: abc"
    )
    assert "does not exist" in await chat.command(ALICE, room, "!escalate 999")
    assert "only works in an incident room" in await chat.command(ALICE, room, "!decide x --why y")


async def open_incident_room(chat: ChatHarness) -> str:
    """The incident room of a new alert escalated by alice."""
    alert_id = await chat.alert()
    posted = await chat.say(ALICE, COORDINATION, f"!escalate {alert_id}")
    async with chat.bot.db.transaction() as session:
        situation = await session.scalar(select(SituationRecord))
    assert situation is not None and situation.incident_room_id, posted
    return situation.incident_room_id


async def test_unknown_playbook_lists_the_available_ones(chat: ChatHarness) -> None:
    room = await open_incident_room(chat)
    reply = await chat.command(ALICE, room, "!playbook start no-such-playbook")
    assert "Unknown playbook 'no-such-playbook'" in reply
    assert "example-supplier-outage" in reply
    # A subcommand is named in the command's language; its own usage says what is missing.
    assert await chat.command(ALICE, room, "!stap af 3") == (
        "Gebruik: !stap klaar <n> [notitie] | overslaan <n> <reden>\nkies klaar|overslaan"
    )
    assert await chat.command(ALICE, room, "!step skip 3") == (
        "Usage: !step skip <n> <reason>\n<reason>: missing"
    )
    async with chat.bot.db.transaction() as session:
        kinds = list(await session.scalars(select(LogEntryRecord.kind)))
    assert "playbook_started" not in kinds


async def test_an_observer_may_read_but_not_act(tmp_path: Path) -> None:
    # alice is only an observer for this bot
    async with chat_harness(tmp_path, taskforce=[BOB], observers=[ALICE]) as chat:
        room = COORDINATION
        assert (await chat.command(ALICE, room, "!help")).startswith("Weerbaar commands:")
        alert_id = await chat.alert()
        refused = await chat.command(ALICE, room, f"!escalate {alert_id}")
        assert refused == "Refused: !escalate needs the role member."
        refused = await chat.command(ALICE, room, "!exercise start supplier-outage")
        assert refused == "Refused: !exercise needs the role coordinator."
        async with chat.bot.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(SituationRecord)) == 0
