"""``!escalate``: turn an alert into a crisis situation with an incident room."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, parse_id, split_words
from bot.matrix.summary import refresh_summary
from bot.situations.service import CommandOrigin


async def escalate(context: CommandContext, arguments: str) -> None:
    """Escalate the alert named in ``arguments``."""
    words = split_words(arguments)
    if len(words) != 1:
        raise UsageError()
    origin = CommandOrigin(context.room_id, context.event_id, context.lang)
    situation, answered = await context.services.situations.escalate_alert(
        parse_id(words[0]), context.sender, origin
    )
    await refresh_summary(context.services, situation.id)
    if answered:
        return  # typed in the coordination room: the announcement is the reply
    await context.reply(
        context.text(
            "incident.opened",
            id=situation.id,
            supplier=situation.supplier,
            title=situation.title,
            link=f"https://matrix.to/#/{situation.incident_room_id}",
        ),
        exercise=situation.is_exercise,
    )


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
