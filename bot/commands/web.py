"""``!web``: a login link for the web view, sent to the person in a direct message."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.web.delivery import SEND_WEB_LINK, WEB_LINKS_QUEUE


async def web_link(context: CommandContext) -> None:
    """Queue the direct message with the link; the link is never posted in this room.

    The outbox sends it after this transaction commits (no homeserver call inside it).
    """
    await context.services.outbox.operate(
        WEB_LINKS_QUEUE, SEND_WEB_LINK, {"user_id": context.sender, "lang": context.lang}
    )
    await context.reply(context.text("web.link_queued"))


COMMANDS = [
    Command(
        name="web",
        alias="webbeeld",
        readme="a one-time login link (5 minutes) for the read-only web view, sent in a "
        "direct message (see [Web view](#web-view))",
        summary={
            "en": "a login link for the web view of the situational picture, sent to you "
            "in a direct message",
            "nl": "een aanmeldlink voor het webbeeld van het situatiebeeld, in een "
            "privégesprek naar je gestuurd",
        },
        handler=web_link,
        role=Role.OBSERVER,
    ),
]
