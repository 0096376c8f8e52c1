"""``!escalate``: turn an alert into a crisis situation with an incident room."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, parse_id, split_words
from bot.situations.service import CommandOrigin


async def escalate(context: CommandContext, arguments: str) -> None:
    """Escalate the alert named in ``arguments``.

    No reply here: the incident room is opened once this command's transaction has
    committed, and the announcement of the open room answers the command.
    """
    words = split_words(arguments)
    if len(words) != 1:
        raise UsageError()
    origin = CommandOrigin(context.room_id, context.event_id, context.lang)
    await context.services.situations.escalate_alert(parse_id(words[0]), context.sender, origin)


COMMANDS = [
    Command(
        name="escalate",
        alias="escaleer",
        usage={"en": "<alert-id>", "nl": "<melding-id>"},
        summary={
            "en": "open an incident room for an alert and invite the taskforce",
            "nl": "crisisruimte openen voor een melding en de taskforce uitnodigen",
        },
        handler=escalate,
    )
]
