"""Saying so when the bot cannot decrypt a message, once per sender and session.

Without a room key the bot cannot see whether a message was a command; silence would
leave the sender waiting for an answer that never comes. The notice goes through the
outbox like every other message. Which (sender, session) pairs were answered is
claimed in the handled-events table in the same transaction, so the notice appears
once even across restarts and re-read sync batches.
"""

from __future__ import annotations

import hashlib
import logging

import nio

from bot import i18n
from bot.i18n import Language
from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.content import text_content
from bot.matrix.events import thread_root_of
from bot.services import ServiceFactory

log = logging.getLogger(__name__)


def notice_key(sender: str, session_id: str) -> str:
    """The handled-events key of the notice for ``sender``'s Megolm session."""
    digest = hashlib.sha256(f"{sender}\n{session_id}".encode()).hexdigest()
    return f"undecryptable:{digest}"


class UndecryptableNotices:
    """Posts the 'cannot read your message' notice and asks for the missing room key."""

    def __init__(self, client: MatrixClient, factory: ServiceFactory, lang: Language) -> None:
        self._client = client
        self._factory = factory
        self._lang = lang

    async def handle(self, room_id: str, event: nio.MegolmEvent) -> None:
        """Reply to ``event`` (in its thread, if any) unless this sender's session was
        answered before."""
        async with self._factory.transaction() as services:
            if not await services.handled_events.claim(
                notice_key(event.sender, event.session_id), room_id
            ):
                return
            log.warning(
                "cannot decrypt %s from %s in %s (session %s)",
                event.event_id,
                event.sender,
                room_id,
                event.session_id,
            )
            plain = i18n.text_in_both(
                "crypto.undecryptable",
                self._lang,
                sender=event.sender,
                device=self._client.device_id,
            )
            # A relation is sent in clear: answer in the thread the message was sent in.
            thread_root = thread_root_of(event.source.get("content") or {})
            await services.outbox.post(
                room_id, text_content(plain, reply_to=event.event_id, thread_root=thread_root)
            )
        try:
            # Cheap; answered only if another device of the bot's account holds the key.
            await self._client.request_room_key(event)
        except MatrixError as exc:
            log.info("room key request for session %s failed: %s", event.session_id, exc)
