"""A command typed in a Matrix thread is answered in that thread.

Element shows threads apart from the main timeline: an answer that only replies to the
command (``m.in_reply_to``) lands in the main timeline, away from the question. Every
answer to a command typed in a thread carries the thread relation, as a real reply in
it (``is_falling_back`` false, the Matrix spec's "Replies within threads").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.commands.dispatcher import CommandDispatcher
from bot.matrix.events import IncomingMessage
from tests.support.chat import ChatHarness, Posted, chat_harness
from tests.support.factories import ALICE, COORDINATION

MALLORY = "@mallory:test"
ROOT = "$thread-root"


@pytest_asyncio.fixture(loop_scope="session")
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    async with chat_harness(tmp_path) as harness:
        yield harness


def in_thread_of(root: str, command: Posted) -> dict[str, Any]:
    """The relation an answer to ``command`` (its reply target) in the thread of ``root``
    must carry."""
    return {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": command.reply_to},
    }


async def test_every_answer_to_a_command_in_a_thread_stays_in_that_thread(
    chat: ChatHarness,
) -> None:
    room, _ = await chat.escalated()
    for sender, where, command, says in (
        (ALICE, room, "!note power is back", "Note recorded"),  # a reply
        (ALICE, room, "!log ²", "Usage: !log"),  # a usage error
        (ALICE, COORDINATION, "!frobnicate", "Unknown command !frobnicate"),
        (ALICE, COORDINATION, "!note x", ""),  # a command out of its scope
        (MALLORY, COORDINATION, "!status", "Refused"),
    ):
        (answer,) = await chat.say(sender, where, command, thread_root=ROOT)
        assert says in answer.body, (command, answer.body)
        assert answer.content["m.relates_to"] == in_thread_of(ROOT, answer), command
    # A file is an answer too.
    posted = await chat.say(ALICE, room, "!report csv", thread_root=ROOT)
    assert [m.content["msgtype"] for m in posted] == ["m.notice", "m.file"], posted
    assert all(m.content["m.relates_to"] == in_thread_of(ROOT, m) for m in posted)
    # Outside a thread an answer is a plain reply.
    (answer,) = await chat.say(ALICE, room, "!note power is back")
    assert answer.content["m.relates_to"] == {"m.in_reply_to": {"event_id": answer.reply_to}}


async def test_an_internal_error_is_answered_in_the_thread(
    chat: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(CommandDispatcher, "_run", fail)
    (answer,) = await chat.say(ALICE, COORDINATION, "!status", thread_root=ROOT)
    assert answer.body.startswith("Something went wrong"), answer.body
    assert answer.content["m.relates_to"] == in_thread_of(ROOT, answer)


async def test_an_escalation_typed_in_a_thread_is_answered_there(chat: ChatHarness) -> None:
    alert_id = await chat.alert()
    posted = await chat.say(ALICE, COORDINATION, f"!escalate {alert_id}", thread_root=ROOT)
    (answer,) = [message for message in posted if message.room_id == COORDINATION]
    assert answer.body.startswith("Incident room opened"), answer.body
    assert answer.content["m.relates_to"] == in_thread_of(ROOT, answer)


async def test_an_edited_command_in_a_thread_is_answered_there(chat: ChatHarness) -> None:
    # The sync loop hands on an edit in the thread of the message it edits.
    edit = IncomingMessage("$edit", COORDINATION, ALICE, "!status", ROOT, edits="$command")
    await chat.bot.dispatcher.handle(edit)
    (answer,) = await chat.posted()
    assert answer.body.startswith("Edits are not read"), answer.body
    assert answer.content["m.relates_to"] == in_thread_of(ROOT, answer)
    assert answer.reply_to == "$command"


async def test_a_guided_decision_typed_in_a_thread_asks_in_that_thread(
    chat: ChatHarness,
) -> None:
    # A thread cannot start at a message in a thread: the homeserver refuses the question
    # ("Cannot start threads from an event with a relation") and it is never seen.
    room, _ = await chat.escalated()
    posted = await chat.say(ALICE, room, "!decide", thread_root=ROOT)
    (question,) = posted
    assert question.body.startswith("What is the decision?"), question.body
    assert question.content["m.relates_to"]["rel_type"] == "m.thread"
    assert question.content["m.relates_to"]["event_id"] == ROOT
    # Answered in that thread, as any guided decision.
    (asked,) = await chat.say(ALICE, room, "Fail over", thread_root=ROOT)
    assert asked.body.startswith("Which options"), asked.body
    # A second form in the same thread would take the first one's answers: refused.
    (refused,) = await chat.say(ALICE, room, "!decide", thread_root=ROOT)
    assert "already" in refused.body, refused.body
    assert refused.content["m.relates_to"] == in_thread_of(ROOT, refused)
    (asked,) = await chat.say(ALICE, room, "-", thread_root=ROOT)
    assert asked.body.startswith("Why?"), asked.body
