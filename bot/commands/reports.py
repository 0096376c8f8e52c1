"""``!report [format]``: upload the situation's after-action report into the room."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import Arg, Spec, choice
from bot.commands.context import CommandContext
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command, Scope
from bot.reports.formats import FORMATS, ReportFormat, find_format
from bot.reports.view import build_view


async def report(context: CommandContext, fmt: ReportFormat | None) -> None:
    """Upload this room's report as a file (Markdown unless another format is named)."""
    fmt = fmt or DEFAULT_FORMAT
    services = context.services
    situation = context.incident
    warning = await chain_warning(context, situation)
    gathered = await services.reports.gather(situation.id)
    view = build_view(gathered, context.lang, context.timezone, services.clock.now())
    document = fmt.render(view, context.lang, context.timezone)
    await services.exports.record(situation.id, context.sender, fmt.name)
    # A broken chain has no head to vouch for: the warning replaces it.
    caption = warning or [
        context.text(
            "report.caption",
            id=situation.id,
            entries=gathered.chain.entries,
            head=gathered.chain.head_hash,
        )
    ]
    await context.reply("\n".join(caption))
    await context.reply_file(
        f"situation-{situation.id}-report.{fmt.extension}", fmt.mimetype, document
    )


_FORMATS = "|".join(FORMATS)
DEFAULT_FORMAT = FORMATS["md"]
_FORMAT = Arg(
    "fmt",
    choice(FORMATS, find_format),
    {"en": _FORMATS, "nl": _FORMATS},
    optional=True,
)

COMMANDS = [
    Command(
        name="report",
        alias="rapport",
        spec=Spec((_FORMAT,)),
        scope=Scope.INCIDENT_ROOM,
        readme="in an incident room: upload the after-action report (default Markdown)",
        summary={
            "en": "upload the after-action report of this incident as a file",
            "nl": "het evaluatieverslag van deze crisis als bestand plaatsen",
        },
        handler=report,
        role=Role.OBSERVER,
    )
]
