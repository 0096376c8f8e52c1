"""``!report``: upload the situation's decision log into the room."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError
from bot.reports.markdown import render_markdown


async def report(context: CommandContext, arguments: str) -> None:
    """Upload this room's decision log as a Markdown file."""
    if arguments and arguments.lower() not in ("md", "markdown"):
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    gathered = await services.reports.gather(situation.id)
    document = render_markdown(gathered, context.lang, context.timezone)
    await services.exports.record(situation.id, context.sender, "md")
    await context.reply(
        context.text(
            "report.caption",
            id=situation.id,
            entries=gathered.chain.entries,
            head=gathered.chain.head_hash,
        )
    )
    await context.reply_file(
        f"situation-{situation.id}-decision-log.md",
        "text/markdown",
        document.encode("utf-8"),
    )


COMMANDS = [
    Command(
        name="report",
        alias="rapport",
        usage={"en": "[md]", "nl": "[md]"},
        summary={
            "en": "upload the decision log of this incident as a file",
            "nl": "het besluitenlog van deze crisis als bestand plaatsen",
        },
        handler=report,
        role=Role.OBSERVER,
    )
]
