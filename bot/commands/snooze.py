"""``!snooze`` holds a supplier's (or one alert's) alerts back for a while; ``!unsnooze``
ends that early. Both post the snooze's summary in the coordination room when it ends."""

from __future__ import annotations

from datetime import datetime

from bot.commands.context import CommandContext
from bot.commands.flags import split_flags
from bot.commands.registry import Command, UsageError, parse_id, split_words
from bot.errors import InvalidMoment

_WHY = {"--why": "reason", "--waarom": "reason"}
# The moment is the last one or two words ("17:00", "in 2h", "tomorrow 09:00").
_MOMENT_WORDS = (2, 1)


async def snooze(context: CommandContext, arguments: str) -> None:
    """``<alert-id|supplier> <until> --why <reason>``, or without arguments list snoozes."""
    if not arguments.strip():
        await list_snoozes(context)
        return
    head, values, _ = split_flags(arguments, _WHY)
    reason = values.get("reason")
    if reason is None:
        raise UsageError("a reason (--why) is required")
    target, until = _target_and_moment(context, split_words(head))
    services = context.services
    if (alert_id := _alert_id(target)) is not None:
        record = await services.snoozes.snooze_alert(alert_id, until, context.sender, reason)
    else:
        name = await services.suppliers.canonical(target)
        record = await services.snoozes.snooze_supplier(name, until, context.sender, reason)
    await context.reply(
        context.text(
            "snooze.started",
            target=record.target,
            until=context.time(until),
            id=record.id,
            reason=reason,
        )
    )


async def list_snoozes(context: CommandContext) -> None:
    """Every active snooze with its end, who started it and why."""
    snoozes = await context.services.snoozes.active()
    if not snoozes:
        await context.reply(context.text("snooze.list.empty"))
        return
    lines = [context.text("snooze.list.title")]
    lines += [
        "• "
        + context.text(
            "snooze.list.line",
            target=s.target,
            until=context.time(s.until),
            actor=s.created_by,
            reason=s.reason,
        )
        for s in snoozes
    ]
    await context.reply("\n".join(lines))


async def unsnooze(context: CommandContext, arguments: str) -> None:
    """End the snooze of ``<alert-id|supplier>`` now; its summary is posted."""
    target = " ".join(split_words(arguments))
    if not target:
        raise UsageError()
    snoozes = context.services.snoozes
    if (alert_id := _alert_id(target)) is not None:
        record, _ = await snoozes.unsnooze_alert(alert_id, context.sender)
    else:
        name = await context.services.suppliers.canonical(target)
        record, _ = await snoozes.unsnooze_supplier(name, context.sender)
    await context.reply(context.text("snooze.unsnoozed", target=record.target))


def _target_and_moment(context: CommandContext, words: list[str]) -> tuple[str, datetime]:
    """Split ``<target> <until>``: the longest tail that reads as a moment is the moment."""
    invalid: InvalidMoment | None = None
    for count in _MOMENT_WORDS:
        if len(words) <= count:
            continue
        try:
            until = context.moment(" ".join(words[-count:]))
        except InvalidMoment as exc:
            invalid = invalid or exc
            continue
        return " ".join(words[:-count]), until
    if invalid is None:
        raise UsageError("a target and a moment are required")
    raise invalid


def _alert_id(target: str) -> int | None:
    """The alert id when ``target`` is one (``12`` or ``#12``), else None (a supplier)."""
    return parse_id(target) if target.removeprefix("#").isdigit() else None


COMMANDS = [
    Command(
        name="snooze",
        alias="sluimer",
        usage={
            "en": "[<alert-id>|<supplier> <until> --why <reason>]",
            "nl": "[<melding-id>|<leverancier> <tot> --waarom <reden>]",
        },
        summary={
            "en": "stop posting a supplier's alerts until a moment (S1 still posts); "
            "without arguments: list snoozes",
            "nl": "meldingen van een leverancier tot een moment niet plaatsen (S1 wel); "
            "zonder argumenten: sluimers tonen",
        },
        handler=snooze,
    ),
    Command(
        name="unsnooze",
        alias="wek",
        usage={"en": "<alert-id>|<supplier>", "nl": "<melding-id>|<leverancier>"},
        summary={
            "en": "end a snooze now and post what arrived meanwhile",
            "nl": "een sluimer nu beëindigen en tonen wat er binnenkwam",
        },
        handler=unsnooze,
    ),
]
