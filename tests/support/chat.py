"""Chat commands without a homeserver: the production dispatcher, its replies read from the outbox.

``ChatHarness`` builds the bot exactly as ``weerbaar run`` does (``Weerbaar(settings)``: the
same registry, services, access policy and notifier) but never starts it, so nothing
connects to Matrix. A message goes straight to ``Weerbaar.dispatcher``; what the bot
would post is read back from the outbox, where every reply is queued in the command's
transaction. Queued incident rooms are opened as the outbox sender would, with FakeRooms.

It shows what a command answers (usage, refusals, replies, languages, scopes) in
milliseconds. Delivery, rooms, invites, encryption, sync and restarts need real Synapse.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.alerts.model import IncomingAlert
from bot.app import Weerbaar
from bot.config import EncryptionSettings, IntakeSettings, MatrixSettings, Settings, StorageSettings
from bot.matrix.events import IncomingMessage, incoming_message
from bot.matrix.outbox import MESSAGE_EVENT
from bot.services import ServiceFactory
from bot.storage.models import OutboxRecord
from tests.support.clock import ManualClock
from tests.support.databases import prepare_bot_database
from tests.support.factories import ALERT, ALICE, BOB, COORDINATION
from tests.support.fakes import open_requested_rooms
from tests.support.paths import PLAYBOOKS

BOT = "@weerbaar:test"


@dataclass(frozen=True)
class Posted:
    """A message the bot queued: its room and Matrix content."""

    room_id: str
    content: dict[str, Any]
    attachment: bytes | None = None  # a file's bytes, uploaded by the sender before posting

    @property
    def body(self) -> str:
        """The plain-text body."""
        return str(self.content.get("body", ""))

    @property
    def reply_to(self) -> str | None:
        """The event this message replies to, if any."""
        relates = self.content.get("m.relates_to") or {}
        return (relates.get("m.in_reply_to") or {}).get("event_id")


def harness_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings of an unstarted bot for taskforce alice and bob, on SQLite in ``data_dir``.

    Sections are passed as models, so no WEERBAAR_* variable or config file changes them.
    """
    values: dict[str, Any] = {
        "matrix": MatrixSettings(
            homeserver="http://127.0.0.1:1",  # never contacted: the bot is not started
            user_id=BOT,
            access_token="unused",
            coordination_room=COORDINATION,
        ),
        "intake": IntakeSettings(hmac_secret="unused"),
        "encryption": EncryptionSettings(enabled=False),
        "storage": StorageSettings(),
        "taskforce": [ALICE, BOB],
        "data_dir": data_dir,
        "playbooks_dir": PLAYBOOKS,
    }
    return Settings(**{**values, **overrides})


def number_after(prefix: str, text: str) -> int:
    """The number right after ``prefix`` in ``text`` (an id the bot answered with)."""
    found = re.search(re.escape(prefix) + r"(\d+)", text)
    assert found, f"{prefix!r} not in {text!r}"
    return int(found.group(1))


class ChatHarness:
    """Sends messages to the real dispatcher and answers with what the bot queued."""

    def __init__(self, bot: Weerbaar, clock: ManualClock) -> None:
        self.bot = bot
        self.clock = clock
        self._event_ids = itertools.count(1)
        # Per harness: a second harness on the same database (a restart) must not send
        # event ids the dispatcher already claimed, or it would ignore them as handled.
        self._event_prefix = f"$harness-{uuid.uuid4().hex[:8]}-"
        self._seen = 0  # the last outbox row already returned

    @property
    def factory(self) -> ServiceFactory:
        """The bot's service factory, to set up or inspect state directly."""
        return self.bot.factory

    async def say(
        self, sender: str, room_id: str, body: str, thread_root: str | None = None
    ) -> list[Posted]:
        """Handle ``body`` from ``sender`` in ``room_id``; every message queued since."""
        return (await self._send(sender, room_id, body, thread_root))[1]

    async def say_content(self, sender: str, room_id: str, content: dict[str, Any]) -> list[Posted]:
        """Handle a message as a client sends it (``content`` of an ``m.room.message``, e.g.
        a reply or a mention pill), read as the sync loop reads it; every message queued."""
        event_id = self._next_event_id()
        return await self._dispatch(incoming_message(event_id, room_id, sender, content))

    async def command(self, sender: str, room_id: str, body: str) -> str:
        """The body of the one reply to ``body`` (other messages it caused are dropped)."""
        (reply,) = await self.replies(sender, room_id, body)
        return reply.body

    async def replies(self, sender: str, room_id: str, body: str) -> list[Posted]:
        """The messages answering ``body`` (a reply and, for a report, its file)."""
        event_id, posted = await self._send(sender, room_id, body, None)
        return [message for message in posted if message.reply_to == event_id]

    async def _send(
        self, sender: str, room_id: str, body: str, thread_root: str | None
    ) -> tuple[str, list[Posted]]:
        """Dispatch one message; its event id and the messages queued since the last call."""
        event_id = self._next_event_id()
        message = IncomingMessage(event_id, room_id, sender, body, thread_root)
        return event_id, await self._dispatch(message)

    def _next_event_id(self) -> str:
        return f"{self._event_prefix}{next(self._event_ids)}"

    async def _dispatch(self, message: IncomingMessage) -> list[Posted]:
        """Hand ``message`` to the dispatcher; the messages queued since the last call.

        Incident rooms the message asked for are opened before the messages are read, as
        the outbox sender performs a room request before what was queued after it.
        """
        await self.bot.dispatcher.handle(message)
        await open_requested_rooms(self.factory)
        return await self.posted()

    async def alert(self, alert: IncomingAlert = ALERT) -> int:
        """Receive ``alert`` as the intake would; its id. Its notice counts as read."""
        async with self.factory.transaction() as services:
            alert_id = (await services.alerts.receive(alert)).id
        await self.posted()
        return alert_id

    async def escalated(self, sender: str = ALICE, alert: IncomingAlert = ALERT) -> tuple[str, int]:
        """Receive ``alert`` and have ``sender`` escalate it: (incident room, situation id)."""
        alert_id = await self.alert(alert)
        posted = await self.say(sender, COORDINATION, f"!escalate {alert_id}")
        async with self.factory.transaction() as services:
            situation = (await services.alerts.get(alert_id)).situation_id
            assert situation is not None, posted
            room = (await services.situations.get(situation)).incident_room_id
        assert room is not None, posted
        return room, situation

    async def posted(self) -> list[Posted]:
        """Messages queued since the last call, in order."""
        async with self.bot.db.transaction() as session:
            rows = list(
                await session.scalars(
                    select(OutboxRecord)
                    .where(OutboxRecord.id > self._seen, OutboxRecord.event_type == MESSAGE_EVENT)
                    .order_by(OutboxRecord.id)
                )
            )
        if rows:
            self._seen = rows[-1].id
        return [Posted(row.room_id, dict(row.content), row.attachment) for row in rows]


@asynccontextmanager
async def chat_harness(data_dir: Path, **overrides: Any) -> AsyncIterator[ChatHarness]:
    """A harness on a migrated SQLite database in ``data_dir``; settings as harness_settings.

    A new database is a copy of the migrated template; an existing one is kept.
    """
    clock = ManualClock()
    settings = harness_settings(data_dir, **overrides)
    await prepare_bot_database(settings)
    bot = Weerbaar(settings, clock)
    try:
        yield ChatHarness(bot, clock)
    finally:
        await bot.db.dispose()
