"""``!decide``: record a decision with its rationale in the situation's log."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, split_option
from bot.i18n import format_time


async def decide(context: CommandContext, arguments: str) -> None:
    """Record ``<decision> --why <rationale>`` for this room's situation."""
    decision, rationale = split_option(arguments, "--why", "--waarom")
    if not decision or not rationale:
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    entry = await services.decisions.decide(situation.id, context.sender, decision, rationale)
    await context.reply(
        context.text(
            "decision.recorded",
            seq=entry.seq,
            decision=decision,
            rationale=rationale,
            actor=context.sender,
            time=format_time(entry.occurred_at, context.timezone),
        )
    )


COMMANDS = [
    Command(
        name="decide",
        alias="besluit",
        usage={"en": "<decision> --why <rationale>", "nl": "<besluit> --waarom <reden>"},
        summary={
            "en": "record a decision and why it was taken",
            "nl": "een besluit vastleggen met de reden",
        },
        handler=decide,
    )
]
