"""``!alert`` files a manual alert, ``!ack`` acknowledges one."""

from __future__ import annotations

from pydantic import ValidationError

from bot.alerts.model import IncomingAlert
from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, parse_id, split_words

MANUAL_SOURCE = "chat"


async def file_alert(context: CommandContext, arguments: str) -> None:
    """File ``<supplier> <text>`` as an alert from the chat; it is announced like any other."""
    words = split_words(arguments)
    if len(words) < 2:
        raise UsageError()
    supplier, text = words[0], " ".join(words[1:])
    try:
        incoming = IncomingAlert(
            supplier=supplier,
            title=text[:500],
            details=context.text("alert.filed_by", actor=context.sender),
            source=MANUAL_SOURCE,
        )
    except ValidationError as exc:
        raise UsageError(str(exc.errors()[0]["msg"])) from None
    services = context.services
    found = await services.suppliers.find(supplier)
    if found is not None:
        incoming = incoming.model_copy(update={"supplier": found.name})
    alert = await services.alerts.receive(incoming)
    await context.reply(context.text("alert.filed", id=alert.id, supplier=alert.supplier))


async def acknowledge(context: CommandContext, arguments: str) -> None:
    """Acknowledge the alert ``<id>``: the sender is on it."""
    words = split_words(arguments)
    if len(words) != 1:
        raise UsageError()
    alert = await context.services.alerts.acknowledge(parse_id(words[0]), context.sender)
    await context.reply(
        context.text("alert.acknowledged", id=alert.id, actor=context.sender),
        exercise=alert.exercise,
    )


COMMANDS = [
    Command(
        name="alert",
        alias="melding",
        usage={"en": "<supplier> <text>", "nl": "<leverancier> <tekst>"},
        summary={
            "en": "file an alert about a supplier by hand",
            "nl": "zelf een melding over een leverancier doen",
        },
        handler=file_alert,
    ),
    Command(
        name="ack",
        alias="bevestig",
        usage={"en": "<alert-id>", "nl": "<melding-id>"},
        summary={
            "en": "acknowledge an alert (you are on it)",
            "nl": "een melding bevestigen (je pakt hem op)",
        },
        handler=acknowledge,
    ),
]
