"""``!escalate``: turn an alert into a crisis situation with an incident room."""

from __future__ import annotations

from bot.commands.arguments import ID, Arg, Bilingual, Spec
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.matrix.summary import refresh_summary
from bot.situations.service import CommandOrigin

ALERT_ID: Bilingual = {"en": "<alert-id>", "nl": "<melding-id>"}


async def escalate(context: CommandContext, alert: int) -> None:
    """Escalate the alert ``alert``."""
    origin = CommandOrigin(context.room_id, context.event_id, context.lang)
    situation, answered = await context.services.situations.escalate_alert(
        alert, context.sender, origin
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
        spec=Spec((Arg("alert", ID, ALERT_ID),)),
        readme="open an incident room for an alert, invite the taskforce, link it from the "
        "coordination room (one announcement there; typed in the coordination room, it is "
        "the reply, in the command's language)",
        summary={
            "en": "open an incident room for an alert and invite the taskforce",
            "nl": "crisisruimte openen voor een melding en de taskforce uitnodigen",
        },
        handler=escalate,
    )
]
