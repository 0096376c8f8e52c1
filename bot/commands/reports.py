"""``!report [format] [--woo]``: upload the situation's after-action report into the room;
``!report fallbacks [format]``: upload the board's overview of fallback options."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.access import Role
from bot.commands.arguments import Arg, Flag, Spec, UsageError, choice
from bot.commands.context import CommandContext
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command
from bot.reports.disclosure import render_report
from bot.reports.fallbacks import FALLBACK_FORMATS, fallback_view
from bot.reports.formats import FORMATS, ReportFormat, find_format

# The first word that asks for the fallback overview instead of a format, in both languages.
FALLBACKS = "fallbacks"
_FALLBACK_WORDS = (FALLBACKS, "terugvalopties")


async def report(
    context: CommandContext, subject: ReportFormat | str | None, fmt: ReportFormat | None, woo: bool
) -> None:
    """``fallbacks [format]``: the fallback overview, anywhere. Otherwise, in an incident
    room, that situation's report in the format named (Markdown unless one is)."""
    if subject == FALLBACKS:
        if woo:
            raise UsageError(context.text("report_fb.no_woo"))
        await fallback_report(context, fmt or DEFAULT_FORMAT)
        return
    if fmt is not None:
        raise UsageError(context.text("usage.unexpected", words=fmt.name))
    assert subject is None or isinstance(subject, ReportFormat)
    situation = await context.services.situations.by_incident_room(context.room_id)
    await situation_report(replace(context, situation=situation), subject or DEFAULT_FORMAT, woo)


async def fallback_report(context: CommandContext, fmt: ReportFormat) -> None:
    """Upload the board's overview of fallback options (``weerbaar report fallbacks``)."""
    fallbacks = context.services.fallbacks
    lines = await fallbacks.overview()
    today = fallbacks.today()
    overview = FALLBACK_FORMATS[fmt.name]
    document = overview.render(
        fallback_view(lines, today, context.lang, context.timezone), context.lang, context.timezone
    )
    await context.reply(context.text("report_fb.caption", lines=len(lines), date=today.isoformat()))
    await context.reply_file(
        f"fallbacks-{today.isoformat()}.{fmt.extension}", fmt.mimetype, document
    )


async def situation_report(context: CommandContext, fmt: ReportFormat, woo: bool) -> None:
    """Upload this room's report as a file.

    With ``woo`` the disclosure version, followed by its inventory as a CSV file; only
    the internal version is recorded as the export retention waits for.
    """
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
    if not woo:  # the Woo version withholds entries: no archive copy
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


def _subject(word: str) -> ReportFormat | str | None:
    return FALLBACKS if word.lower() in _FALLBACK_WORDS else find_format(word)


_FORMATS = "|".join(FORMATS)
DEFAULT_FORMAT = FORMATS["md"]
_SUBJECT = Arg(
    "subject",
    choice([*FORMATS, FALLBACKS], _subject),
    {"en": f"{_FORMATS}|{FALLBACKS}", "nl": f"{_FORMATS}|{_FALLBACK_WORDS[1]}"},
    optional=True,
)
# After ``fallbacks``: the overview's format (every report format but JSON).
_OVERVIEW_FORMATS = "|".join(FALLBACK_FORMATS)
_FORMAT = Arg(
    "fmt",
    choice(FALLBACK_FORMATS, lambda word: FALLBACK_FORMATS.get(word.lower())),
    {"en": _OVERVIEW_FORMATS, "nl": _OVERVIEW_FORMATS},
    optional=True,
)
# The Woo is Dutch law; its name is the same in both languages.
_WOO = Flag("woo", {"en": "--woo", "nl": "--woo"})

COMMANDS = [
    Command(
        name="report",
        alias="rapport",
        spec=Spec((_SUBJECT, _FORMAT), (_WOO,)),
        readme="in an incident room: upload the after-action report (default Markdown); "
        "`--woo`: the disclosure version for a Woo request, with its inventory as CSV. "
        "`!report fallbacks [format]` (`!rapport terugvalopties`), in any room: "
        "the board's overview of fallback options (see `weerbaar report fallbacks`)",
        summary={
            "en": "upload the after-action report of this incident as a file "
            "(--woo: the version for disclosure); fallbacks: the overview of fallback options",
            "nl": "het evaluatieverslag van deze crisis als bestand plaatsen "
            "(--woo: de versie voor openbaarmaking); terugvalopties: het overzicht van de "
            "terugvalopties",
        },
        handler=report,
        role=Role.OBSERVER,
    )
]
