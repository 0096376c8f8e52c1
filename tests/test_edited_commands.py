"""An edited command (``m.replace``) is never run, neither again nor corrected: the bot
says so once, in the command's language, so a typo fixed by editing is typed anew."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from bot.decisionlog.kinds import EntryKind
from bot.storage.models import SituationRecord
from tests.support.chat import ChatHarness, chat_harness
from tests.support.factories import ALICE, COORDINATION

MALLORY = "@mallory:test"


@pytest_asyncio.fixture(loop_scope="session")
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    async with chat_harness(tmp_path) as harness:
        yield harness


def edit(original: str, new_body: str, fallback: str) -> dict[str, Any]:
    """The content of an edit of ``original`` to ``new_body``, with ``fallback`` as body."""
    return {
        "msgtype": "m.text",
        "body": fallback,
        "m.new_content": {"msgtype": "m.text", "body": new_body},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }


async def test_an_edit_whose_fallback_is_the_command_does_not_run_it_twice(
    chat: ChatHarness,
) -> None:
    room, situation_id = await chat.escalated()
    (answer,) = await chat.say(ALICE, room, "!note power is back")
    assert answer.reply_to is not None
    # Not every client marks the fallback of an edit with "* ".
    text = "!note power is back at 12:00"
    posted = await chat.say_content(ALICE, room, edit(answer.reply_to, text, text))
    async with chat.factory.transaction() as services:
        notes = await services.log.of_kind(situation_id, EntryKind.NOTE)
    assert [note.payload["text"] for note in notes] == ["power is back"]
    assert [(m.body, m.reply_to) for m in posted] == [
        (
            "Edits are not read: your message counts as first sent. "
            "To run !note, send it as a new message.",
            answer.reply_to,
        )
    ]


async def test_a_command_corrected_by_an_edit_is_answered_once_not_left_unanswered(
    chat: ChatHarness,
) -> None:
    alert_id = await chat.alert()
    (unknown,) = await chat.say(ALICE, COORDINATION, f"!escaleer {alert_id}x")
    assert unknown.reply_to is not None
    corrected = edit(unknown.reply_to, f"!escaleer {alert_id}", f" * !escaleer {alert_id}")
    posted = await chat.say_content(ALICE, COORDINATION, corrected)
    assert [m.body for m in posted] == [
        "Bewerkingen leest Weerbaar niet: je bericht telt zoals je het eerst stuurde. "
        "Stuur !escaleer als nieuw bericht om het uit te voeren."
    ]
    async with chat.factory.transaction() as services:
        situations = await services.session.scalar(select(func.count(SituationRecord.id)))
    assert situations == 0
    # Edits of plain text, and edits by someone outside the taskforce, get no answer.
    assert await chat.say_content(ALICE, COORDINATION, edit("$x", "hello", "* hello")) == []
    assert await chat.say_content(MALLORY, COORDINATION, corrected) == []
