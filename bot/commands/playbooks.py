"""``!playbook start``: activate a playbook in the incident room."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, split_words
from bot.i18n import format_time


async def playbook(context: CommandContext, arguments: str) -> None:
    """Start the named playbook in this room's situation and show its first step."""
    words = split_words(arguments)
    if len(words) != 2 or words[0] != "start":
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    started = await services.playbook_runs.start(situation.id, words[1], context.sender)
    step = started.first_step
    steps = started.playbook.main_line_steps()
    lines = [
        context.text(
            "playbook.started",
            title=started.playbook.title.get(context.lang),
            version=started.playbook.version,
            actor=context.sender,
        ),
        context.text(
            "playbook.step",
            number=1,
            total=len(steps),
            title=step.title.get(context.lang),
            owner=step.owner,
            due=format_time(started.first_step_due, context.timezone),
        ),
        *(f"- [ ] {item.get(context.lang)}" for item in step.checklist),
    ]
    await context.reply("\n".join(lines))


COMMANDS = [
    Command(
        name="playbook",
        alias="draaiboek",
        usage={"en": "start <playbook-id>", "nl": "start <draaiboek-id>"},
        summary={
            "en": "start a playbook in this incident room and show its first step",
            "nl": "een draaiboek starten in deze crisisruimte en de eerste stap tonen",
        },
        handler=playbook,
    )
]
