"""``!report [format] [--woo]``: upload the situation's after-action report into the room."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import Arg, Flag, Spec, choice
from bot.commands.context import CommandContext
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command, Scope
from bot.reports.disclosure import render_report
from bot.reports.formats import FORMATS, ReportFormat, find_format


async def report(context: CommandContext, fmt: ReportFormat | None, woo: bool) -> None:
    """Upload this room's report as a file (Markdown unless another format is named).

    With ``--woo`` the disclosure version, followed by its inventory as a CSV file.
    """
    fmt = fmt or DEFAULT_FORMAT
    services = context.services
    situation = context.incident
    warning = await chain_warning(context, situation)
    gathered = await services.reports.gather(situation.id)
    written = render_report(
        gathered,
        fmt,
        context.lang,
        context.timezone,
        services.clock.now(),
        services.reports.people if woo else None,
    )
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
    edition = "disclosure" if woo else "internal"
    await context.reply("\n".join([*caption, context.text(f"report.edition.{edition}")]))
    name = f"situation-{situation.id}-{'woo' if woo else 'report'}.{fmt.extension}"
    await context.reply_file(name, fmt.mimetype, written.document)
    if written.inventory is not None:  # named like the command line's: next to the document
        await context.reply_file(f"{name}.inventory.csv", "text/csv", written.inventory)


_FORMATS = "|".join(FORMATS)
DEFAULT_FORMAT = FORMATS["md"]
_FORMAT = Arg(
    "fmt",
    choice(FORMATS, find_format),
    {"en": _FORMATS, "nl": _FORMATS},
    optional=True,
)
# The Woo is Dutch law; its name is the same in both languages.
_WOO = Flag("woo", {"en": "--woo", "nl": "--woo"})

COMMANDS = [
    Command(
        name="report",
        alias="rapport",
        spec=Spec((_FORMAT,), (_WOO,)),
        scope=Scope.INCIDENT_ROOM,
        readme="in an incident room: upload the after-action report (default Markdown); "
        "`--woo`: the disclosure version for a Woo request, with its inventory as CSV",
        summary={
            "en": "upload the after-action report of this incident as a file "
            "(--woo: the version for disclosure)",
            "nl": "het evaluatieverslag van deze crisis als bestand plaatsen "
            "(--woo: de versie voor openbaarmaking)",
        },
        handler=report,
        role=Role.OBSERVER,
    )
]
