"""``!alert`` files a manual alert, ``!ack`` acknowledges one (or all of a supplier's)."""

from __future__ import annotations

from pydantic import ValidationError

from bot.alerts.model import IncomingAlert
from bot.commands.arguments import ALERT_OR_SUPPLIER, TEXT, WORD, Arg, Bilingual, Spec, UsageError
from bot.commands.context import CommandContext
from bot.commands.registry import Command

MANUAL_SOURCE = "chat"
# An alert (by id) or a supplier (by name): what !ack, !snooze and !unsnooze act on.
TARGET: Bilingual = {"en": "<alert-id>|<supplier>", "nl": "<melding-id>|<leverancier>"}


async def file_alert(context: CommandContext, supplier: str, text: str) -> None:
    """File ``<supplier> <text>`` as an alert from the chat; it is announced like any other."""
    try:
        incoming = IncomingAlert(
            supplier=supplier,
            title=text[:500],
            details=context.text("alert.filed_by", actor=context.sender),
            source=MANUAL_SOURCE,
        )
    except ValidationError as exc:
        raise UsageError(str(exc.errors()[0]["msg"])) from None
    services = context.services
    found = await services.suppliers.find(supplier)
    if found is not None:
        incoming = incoming.model_copy(update={"supplier": found.name})
    alert = await services.alerts.receive(incoming)
    # A snooze holds a manual alert back like any other (S1 aside); say so, not "posted".
    held = alert.snooze_id is not None and alert.notice_outbox_id is None
    key = "alert.filed_held" if held else "alert.filed"
    await context.reply(context.text(key, id=alert.id, supplier=alert.supplier))


async def acknowledge(context: CommandContext, target: int | str) -> None:
    """Acknowledge the alert ``<id>``, or every open alert of ``<supplier>``."""
    if isinstance(target, str):
        await acknowledge_supplier(context, target)
        return
    alert = await context.services.alerts.acknowledge(target, context.sender)
    await context.reply(
        context.text("alert.acknowledged", id=alert.id, actor=context.sender),
        exercise=alert.exercise,
    )


async def acknowledge_supplier(context: CommandContext, supplier: str) -> None:
    """Acknowledge every open alert of ``supplier`` at once: in an exercise's incident
    room its exercise alerts, anywhere else its real ones."""
    services = context.services
    name = await services.suppliers.canonical(supplier)
    situation = await services.situations.in_room(context.room_id)
    exercise = situation is not None and situation.is_exercise
    alerts = await services.alerts.open_of_supplier(name, exercise)
    changed = await services.alerts.acknowledge_all(alerts, context.sender)
    await context.reply(
        context.text(
            "alert.acknowledged_supplier",
            count=len(changed),
            supplier=changed[0].supplier if changed else name,  # as the alerts spell it
            ids=", ".join(f"#{alert.id}" for alert in changed) or "—",
            actor=context.sender,
        ),
        exercise=any(alert.exercise for alert in changed),
    )


COMMANDS = [
    Command(
        name="alert",
        alias="melding",
        spec=Spec(
            (
                Arg("supplier", WORD, {"en": "<supplier>", "nl": "<leverancier>"}),
                Arg("text", TEXT, {"en": "<text>", "nl": "<tekst>"}),
            )
        ),
        readme="file an alert by hand (quote a supplier name with spaces)",
        summary={
            "en": "file an alert about a supplier by hand",
            "nl": "zelf een melding over een leverancier doen",
        },
        handler=file_alert,
    ),
    Command(
        name="ack",
        alias="bevestig",
        spec=Spec((Arg("target", ALERT_OR_SUPPLIER, TARGET),)),
        readme="acknowledge an alert, or every open alert of a supplier: you are on it",
        summary={
            "en": "acknowledge an alert, or all open alerts of a supplier (you are on it)",
            "nl": "een melding bevestigen, of alle open meldingen van een leverancier",
        },
        handler=acknowledge,
    ),
]
