"""``!escalate``: turn an alert into a crisis situation with an incident room."""

from __future__ import annotations

from bot.commands.arguments import ID, Arg, Bilingual, Spec
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.situations.service import CommandOrigin

ALERT_ID: Bilingual = {"en": "<alert-id>", "nl": "<melding-id>"}


async def escalate(context: CommandContext, alert: int) -> None:
    """Escalate the alert ``alert``.

    No reply here: the incident room is opened once this command's transaction has
    committed, and the announcement of the open room answers the command.
    """
    origin = CommandOrigin(context.room_id, context.event_id, context.lang, context.thread_root)
    await context.services.situations.escalate_alert(alert, context.sender, origin)


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
