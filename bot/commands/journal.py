"""Keeping the log complete: actions, notes, lessons, corrections, and reading it back."""

from __future__ import annotations

from datetime import datetime

from bot.commands.access import Role
from bot.commands.arguments import ID, MOMENT, TEXT, USER, WITHHELD, Arg, Flag, Spec, count
from bot.commands.context import CommandContext
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command, Scope
from bot.decisionlog.grounds import Withheld, ground_field
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import TextPayload
from bot.reports.describe import describe_entry

DEFAULT_LOG_LINES = 10
MAX_LOG_LINES = 50

# Not disclosable under the Woo; optionally for an exception ground (bot/decisionlog/grounds).
CONFIDENTIAL = Flag(
    "confidential",
    {"en": "--confidential", "nl": "--vertrouwelijk"},
    WITHHELD,
    {"en": "<ground>", "nl": "<grond>"},
    bare=Withheld(),
)
_TEXT = Arg("text", TEXT, {"en": "<text>", "nl": "<tekst>"})
_ENTRY = Arg("seq", ID, {"en": "<entry>", "nl": "<logregel>"})
# "by" (English) and "uiterlijk" (Dutch: at the latest) introduce a deadline.
_DEADLINE = Flag(
    "due_at", {"en": "by", "nl": "uiterlijk"}, MOMENT, {"en": "<time>", "nl": "<tijd>"}
)


async def action(context: CommandContext, owner: str, text: str, due_at: datetime | None) -> None:
    """``@owner <text> [by <time>]``: an action with an owner, reminded when due."""
    services = context.services
    situation = context.incident
    entry = await services.actions.assign(situation.id, context.sender, owner, text, due_at)
    due = context.time(due_at, relative=True) if due_at else context.text("action.no_deadline")
    await context.reply(
        context.text("action.recorded", seq=entry.seq, owner=owner, action=text, due=due)
    )


async def done(context: CommandContext, seq: int) -> None:
    """``<entry>``: mark an action done."""
    services = context.services
    situation = context.incident
    entry = await services.actions.complete(situation.id, seq, context.sender)
    await context.reply(context.text("action.done", seq=seq, done_seq=entry.seq))


async def note(context: CommandContext, text: str, confidential: Withheld | None) -> None:
    """``<text>``: a note in the log."""
    await _journal(context, text, confidential, EntryKind.NOTE, "note.recorded")


async def lesson(context: CommandContext, text: str, confidential: Withheld | None) -> None:
    """``<text>``: a lesson for the evaluation."""
    await _journal(context, text, confidential, EntryKind.LESSON, "lesson.recorded")


async def _journal(
    context: CommandContext,
    text: str,
    confidential: Withheld | None,
    kind: EntryKind,
    reply: str,
) -> None:
    services = context.services
    payload: TextPayload = {"text": text, **ground_field(confidential)}
    entry = await services.log.append(
        context.incident.id, kind, context.sender, payload, disclosable=confidential is None
    )
    await context.reply(context.text(reply, seq=entry.seq))


async def correct(
    context: CommandContext, seq: int, text: str, confidential: Withheld | None
) -> None:
    """``<entry> <text>``: a correction superseding an earlier entry (which stays)."""
    services = context.services
    entry = await services.log.correct(
        context.incident.id, seq, context.sender, text, withheld=confidential
    )
    await context.reply(context.text("correction.recorded", seq=entry.seq, corrects=seq))


async def show_log(context: CommandContext, lines: int | None) -> None:
    """``[n]``: the latest entries of this room's situation."""
    services = context.services
    situation = context.incident
    warning = await chain_warning(context, situation)
    entries = await services.log.latest(situation.id, lines or DEFAULT_LOG_LINES)
    if not entries:
        await context.reply(context.text("log.empty"))
        return
    shown = [*warning, context.text("log.latest", count=len(entries), id=situation.id)]
    for entry in entries:
        what = describe_entry(entry, context.lang, context.timezone)
        if not entry.disclosable:
            what += " " + context.text("log.confidential")
        shown.append(
            context.text(
                "log.line",
                seq=entry.seq,
                time=context.time(entry.occurred_at),
                actor=entry.actor,
                what=what,
            )
        )
    await context.reply("\n".join(shown))


COMMANDS = [
    Command(
        name="action",
        alias="actie",
        spec=Spec((Arg("owner", USER, {"en": "@owner", "nl": "@eigenaar"}), _TEXT), (_DEADLINE,)),
        scope=Scope.INCIDENT_ROOM,
        readme="an action with an owner; reminded at the deadline unless done",
        summary={
            "en": "assign an action to someone, reminded at the deadline",
            "nl": "een actie toewijzen, met herinnering op de deadline",
        },
        handler=action,
    ),
    Command(
        name="done",
        alias="gedaan",
        spec=Spec((_ENTRY,)),
        scope=Scope.INCIDENT_ROOM,
        summary={"en": "mark an action done", "nl": "een actie afronden"},
        handler=done,
    ),
    Command(
        name="note",
        alias="notitie",
        spec=Spec((_TEXT,), (CONFIDENTIAL,)),
        summary={"en": "add a note to the log", "nl": "een notitie in het log zetten"},
        scope=Scope.INCIDENT_ROOM,
        readme="a note in the log (`--confidential` / `--vertrouwelijk` [Woo ground]: not "
        "disclosable)",
        handler=note,
    ),
    Command(
        name="lesson",
        alias="les",
        spec=Spec((_TEXT,), (CONFIDENTIAL,)),
        scope=Scope.INCIDENT_ROOM,
        readme="a lesson for the evaluation (`--confidential` / `--vertrouwelijk` [Woo ground]: "
        "not disclosable)",
        summary={
            "en": "record a lesson for the evaluation",
            "nl": "een leerpunt vastleggen voor de evaluatie",
        },
        handler=lesson,
    ),
    Command(
        name="correct",
        alias="corrigeer",
        spec=Spec((_ENTRY, _TEXT), (CONFIDENTIAL,)),
        scope=Scope.INCIDENT_ROOM,
        readme="a correction: a new entry superseding an earlier one, which stays",
        summary={
            "en": "correct a log entry (the original stays)",
            "nl": "een logregel corrigeren (het origineel blijft)",
        },
        handler=correct,
    ),
    Command(
        name="log",
        alias="logboek",
        spec=Spec((Arg("lines", count(1, MAX_LOG_LINES), {"en": "n", "nl": "n"}, optional=True),)),
        scope=Scope.INCIDENT_ROOM,
        readme="the latest n (default 10, at most 50) log entries",
        summary={"en": "show the latest log entries", "nl": "de laatste logregels tonen"},
        handler=show_log,
        role=Role.OBSERVER,
    ),
]
