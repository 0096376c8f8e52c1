"""``!web``'s queued operation: the login link, sent to the person in a direct room.

Performed by the outbox sender after the command's transaction committed. The link is
made only here, just before it is sent: its secret never rests in the outbox, and its
five minutes start when it goes out. A failed send is retried as a whole and makes a new
link; the unsent one expires unused.
"""

from __future__ import annotations

import uuid
from typing import Any

from bot import i18n
from bot.config import WebSettings
from bot.matrix.client import MatrixClient
from bot.matrix.direct import DirectRooms
from bot.services import ServiceFactory
from bot.web.links import WebViewOff, login_link

SEND_WEB_LINK = "send_web_link"
WEB_LINKS_QUEUE = "weerbaar:web-links"
"""Not a room: the direct room is found when the operation is performed."""


class WebLinkDelivery:
    """Opens (or finds) the direct room with the person and sends them a fresh link."""

    def __init__(
        self,
        factory: ServiceFactory,
        client: MatrixClient,
        settings: WebSettings,
        *,
        encrypted: bool,
    ) -> None:
        self._factory = factory
        self._client = client
        self._settings = settings
        self._rooms = DirectRooms(client, encrypted=encrypted)

    async def __call__(self, _queue: str, payload: dict[str, Any]) -> str | None:
        """Send the link asked for in ``payload`` (``user_id``, ``lang``)."""
        user_id = str(payload["user_id"])
        lang = i18n.language_of(payload.get("lang"))
        room_id = await self._rooms.room_with(user_id, "Weerbaar")
        try:
            async with self._factory.transaction() as services:
                link = await login_link(
                    services.session, self._settings, user_id, services.clock.now()
                )
            body = i18n.text("web.link_sent", lang, link=link, minutes=self._settings.link_minutes)
        except WebViewOff:
            body = i18n.text("web.off", lang)
        content = {"msgtype": "m.notice", "body": body}
        return await self._client.send(room_id, "m.room.message", content, uuid.uuid4().hex)
