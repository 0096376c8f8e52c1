"""``!snooze`` holds a supplier's (or one alert's) alerts back for a while; ``!unsnooze``
ends that early. Both post the snooze's summary in the coordination room when it ends."""

from __future__ import annotations

from datetime import datetime

from bot.commands.alerts import TARGET
from bot.commands.arguments import ALERT_OR_SUPPLIER, MOMENT_AT_END, TEXT, Arg, Flag, Spec
from bot.commands.context import CommandContext
from bot.commands.registry import Command

WHY = Flag(
    "reason",
    {"en": "--why", "nl": "--waarom"},
    TEXT,
    {"en": "<reason>", "nl": "<reden>"},
    required=True,
)


async def snooze(
    context: CommandContext,
    target: int | str | None,
    until: datetime | None,
    reason: str | None,
) -> None:
    """``<alert-id|supplier> <until> --why <reason>``, or without arguments list snoozes."""
    if target is None or until is None or reason is None:  # all or none: none given
        await list_snoozes(context)
        return
    services = context.services
    if isinstance(target, int):
        record = await services.snoozes.snooze_alert(target, until, context.sender, reason)
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


async def unsnooze(context: CommandContext, target: int | str) -> None:
    """End the snooze of ``<alert-id|supplier>`` now; its summary is posted."""
    snoozes = context.services.snoozes
    if isinstance(target, int):
        record, _ = await snoozes.unsnooze_alert(target, context.sender)
    else:
        name = await context.services.suppliers.canonical(target)
        record, _ = await snoozes.unsnooze_supplier(name, context.sender)
    await context.reply(context.text("snooze.unsnoozed", target=record.target))


COMMANDS = [
    Command(
        name="snooze",
        alias="sluimer",
        spec=Spec(
            (
                Arg("target", ALERT_OR_SUPPLIER, TARGET),
                Arg("until", MOMENT_AT_END, {"en": "<until>", "nl": "<tot>"}),
            ),
            (WHY,),
            all_or_none=True,
        ),
        readme="stop posting a supplier's new alerts (or the repeats of one alert with a source "
        "id) until a moment (`17:00`, `tomorrow 09:00`, `in 2h`); they are still stored and "
        'counted, S1 alerts still post (marked "during snooze"), and when the snooze ends one '
        "summary (count per severity, the first three) is posted. Logged with who and why (also "
        "in the supplier's open situation log). Without arguments: list the active snoozes",
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
        spec=Spec((Arg("target", ALERT_OR_SUPPLIER, TARGET),)),
        readme="end a snooze early and post its summary",
        summary={
            "en": "end a snooze now and post what arrived meanwhile",
            "nl": "een sluimer nu beëindigen en tonen wat er binnenkwam",
        },
        handler=unsnooze,
    ),
]
