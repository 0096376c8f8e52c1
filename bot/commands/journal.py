"""Keeping the log complete: actions, notes, lessons, corrections, and reading it back."""

from __future__ import annotations

import re

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.flags import split_flags
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command, UsageError, parse_id
from bot.decisionlog.log import EntryKind
from bot.reports.describe import describe_entry

_CONFIDENTIAL = {"--confidential": "confidential", "--vertrouwelijk": "confidential"}
_OWNER = re.compile(r"@[^:\s]+:\S+")
# "by" (English) and "uiterlijk" (Dutch: at the latest) introduce a deadline.
_DEADLINE = re.compile(r"\s(?:by|uiterlijk)\s+(.+)$", re.IGNORECASE)
DEFAULT_LOG_LINES = 10
MAX_LOG_LINES = 50


async def action(context: CommandContext, arguments: str) -> None:
    """``@owner <text> [by <time>]``: an action with an owner, reminded when due."""
    owner, _, text = arguments.partition(" ")
    if not _OWNER.fullmatch(owner) or not text.strip():
        raise UsageError()
    due_at = None
    if deadline := _DEADLINE.search(" " + text):
        text = (" " + text)[: deadline.start()].strip()
        due_at = context.moment(deadline.group(1))
    if not text:
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    entry = await services.actions.assign(situation.id, context.sender, owner, text, due_at)
    due = context.time(due_at, relative=True) if due_at else context.text("action.no_deadline")
    await context.reply(
        context.text("action.recorded", seq=entry.seq, owner=owner, action=text, due=due)
    )


async def done(context: CommandContext, arguments: str) -> None:
    """``<entry>``: mark an action done."""
    seq = parse_id(arguments.strip()) if arguments.strip() else None
    if seq is None:
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    entry = await services.actions.complete(situation.id, seq, context.sender)
    await context.reply(context.text("action.done", seq=seq, done_seq=entry.seq))


async def note(context: CommandContext, arguments: str) -> None:
    """``<text>``: a note in the log."""
    await _journal(context, arguments, EntryKind.NOTE, "note.recorded")


async def lesson(context: CommandContext, arguments: str) -> None:
    """``<text>``: a lesson for the evaluation."""
    await _journal(context, arguments, EntryKind.LESSON, "lesson.recorded")


async def _journal(context: CommandContext, arguments: str, kind: EntryKind, reply: str) -> None:
    text, _, switches = split_flags(arguments, {}, _CONFIDENTIAL)
    if not text:
        raise UsageError()
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    entry = await services.log.append(
        situation.id,
        kind,
        context.sender,
        {"text": text},
        disclosable="confidential" not in switches,
    )
    await context.reply(context.text(reply, seq=entry.seq))


async def correct(context: CommandContext, arguments: str) -> None:
    """``<entry> <text>``: a correction superseding an earlier entry (which stays)."""
    first, _, rest = arguments.strip().partition(" ")
    text, _, switches = split_flags(rest, {}, _CONFIDENTIAL)
    if not first or not text:
        raise UsageError()
    seq = parse_id(first)
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    entry = await services.log.correct(
        situation.id, seq, context.sender, text, disclosable="confidential" not in switches
    )
    await context.reply(context.text("correction.recorded", seq=entry.seq, corrects=seq))


async def show_log(context: CommandContext, arguments: str) -> None:
    """``[n]``: the latest entries of this room's situation."""
    count = DEFAULT_LOG_LINES
    if arguments.strip():
        count = parse_id(arguments.strip())
        if not 1 <= count <= MAX_LOG_LINES:
            raise UsageError(f"1..{MAX_LOG_LINES}")
    services = context.services
    situation = await services.situations.by_incident_room(context.room_id)
    warning = await chain_warning(context, situation)
    entries = await services.log.latest(situation.id, count)
    if not entries:
        await context.reply(context.text("log.empty"))
        return
    lines = [*warning, context.text("log.latest", count=len(entries), id=situation.id)]
    for entry in entries:
        what = describe_entry(entry, context.lang, context.timezone)
        if not entry.disclosable:
            what += " " + context.text("log.confidential")
        lines.append(
            context.text(
                "log.line",
                seq=entry.seq,
                time=context.time(entry.occurred_at),
                actor=entry.actor,
                what=what,
            )
        )
    await context.reply("\n".join(lines))


COMMANDS = [
    Command(
        name="action",
        alias="actie",
        usage={"en": "@owner <text> [by <time>]", "nl": "@eigenaar <tekst> [uiterlijk <tijd>]"},
        summary={
            "en": "assign an action to someone, reminded at the deadline",
            "nl": "een actie toewijzen, met herinnering op de deadline",
        },
        handler=action,
    ),
    Command(
        name="done",
        alias="gedaan",
        usage={"en": "<entry>", "nl": "<logregel>"},
        summary={"en": "mark an action done", "nl": "een actie afronden"},
        handler=done,
    ),
    Command(
        name="note",
        alias="notitie",
        usage={"en": "<text> [--confidential]", "nl": "<tekst> [--vertrouwelijk]"},
        summary={"en": "add a note to the log", "nl": "een notitie in het log zetten"},
        handler=note,
    ),
    Command(
        name="lesson",
        alias="les",
        usage={"en": "<text> [--confidential]", "nl": "<tekst> [--vertrouwelijk]"},
        summary={
            "en": "record a lesson for the evaluation",
            "nl": "een leerpunt vastleggen voor de evaluatie",
        },
        handler=lesson,
    ),
    Command(
        name="correct",
        alias="corrigeer",
        usage={"en": "<entry> <text>", "nl": "<logregel> <tekst>"},
        summary={
            "en": "correct a log entry (the original stays)",
            "nl": "een logregel corrigeren (het origineel blijft)",
        },
        handler=correct,
    ),
    Command(
        name="log",
        alias="logboek",
        usage={"en": "[n]", "nl": "[n]"},
        summary={"en": "show the latest log entries", "nl": "de laatste logregels tonen"},
        handler=show_log,
        role=Role.OBSERVER,
    ),
]
