"""Keeping watch: ``!track``, ``!phase``, ``!owner``, ``!update`` and ``!status``.

Every member may move a phase, crisis and closed included, while the situation has no
incident coordinator: the bot records who moved it and why. Once an incident has a
coordinator, ``!phase`` and ``!owner`` are theirs (or a taskforce coordinator's), wherever
they are typed, the same rule as ``!role`` and ``!close`` in the incident room.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.access import Role
from bot.commands.arguments import ID, PHASE, TEXT, USER, Arg, Bilingual, Spec
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.commands.situations import ALERT_ID
from bot.exercises.marking import EXERCISE_MARK, mark_text
from bot.i18n import html_escape
from bot.situations.phases import Phase
from bot.situations.watch import checkin_key

SITUATION: Bilingual = {"en": "<situation>", "nl": "<situatie>"}


async def track(context: CommandContext, alert_id: int) -> None:
    """Open a situation in the signal phase for an alert, to keep watch over it."""
    situation = await context.services.situations.track_alert(alert_id, context.sender)
    await context.reply(
        context.text(
            "situation.tracked",
            id=situation.id,
            alert_id=alert_id,
            supplier=situation.supplier,
            title=situation.title,
        ),
        exercise=situation.is_exercise,
    )


async def phase(context: CommandContext, situation_id: int, target: Phase, reason: str) -> None:
    """Move ``<situation> <phase> <reason>``; the reason is required and logged.

    The reply says all the phase-change notice says, so the room it is typed in gets the
    reply only; the other rooms of the situation get the notice."""
    services = context.services
    await services.roles.require_coordinator(situation_id, context.sender)
    previous = (await services.situations.get(situation_id)).phase
    situation = await services.situations.change_phase(
        situation_id, target, context.sender, reason, answered_in=context.room_id
    )
    entries = await services.log.entries(situation.id)
    await context.reply(
        context.text(
            "situation.phase_set",
            id=situation.id,
            supplier=situation.supplier,
            previous=context.text(f"phase.{previous}"),
            current=context.text(f"phase.{target.value}"),
            actor=context.sender,
            seq=entries[-1].seq,
            reason=reason,
        ),
        exercise=situation.is_exercise,
    )


async def owner(context: CommandContext, situation_id: int, user: str) -> None:
    """Make ``<user>`` the owner of ``<situation>``: the one the check-ins ask."""
    await context.services.roles.require_coordinator(situation_id, context.sender)
    situation = await context.services.watch.set_owner(situation_id, user, context.sender)
    await context.reply(
        context.text("situation.owner_set", owner=user, id=situation.id),
        exercise=situation.is_exercise,
    )


async def update(context: CommandContext, situation_id: int, text: str) -> None:
    """Record ``<situation> <text>`` as a situation update; it answers the check-in."""
    services = context.services
    entry = await services.watch.record_update(situation_id, text, context.sender)
    lines = [context.text("situation.update_recorded", id=situation_id, seq=entry.seq)]
    checkin = await services.timers.pending(checkin_key(situation_id))
    if checkin is not None:
        lines.append(
            context.text(
                "situation.update_next_checkin", time=context.time(checkin.due_at, relative=True)
            )
        )
    situation = await services.situations.get(situation_id)
    await context.reply(" ".join(lines), exercise=situation.is_exercise)


def format_age(age: timedelta, context: CommandContext) -> str:
    """A duration as people read it: "2d 3h", "3h 12m", "12m"."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return context.text("duration.days", days=days, hours=hours)
    if hours:
        return context.text("duration.hours", hours=hours, minutes=minutes)
    return context.text("duration.minutes", minutes=minutes)


async def status(context: CommandContext) -> None:
    """The situational picture: open situations by phase, age, owner, update, check-in."""
    services = context.services
    pictures = await services.watch.picture()
    if not pictures:
        await context.reply(context.text("status.empty"))
        return
    text = context.text
    none = text("status.none")
    lines = [text("status.title", count=len(pictures))]
    html = [f"<p><strong>{context.html('status.title', count=len(pictures))}</strong></p>"]
    for current in Phase:
        group = [p for p in pictures if p.situation.phase == current.value]
        if not group:
            continue
        heading = text("status.phase", phase=text(f"phase.{current.value}"), count=len(group))
        lines.append(heading)
        items = []
        for picture in group:
            situation = picture.situation
            last = (
                text(
                    "status.update",
                    time=context.time(picture.last_update_at),
                    actor=picture.last_update_by,
                )
                if picture.last_update_at is not None
                else none
            )
            fields = {
                "id": situation.id,
                "supplier": situation.supplier,
                "title": situation.title,
                "age": format_age(picture.age, context),
                "owner": picture.owner,
                "update": last,
                "checkin": (context.time(picture.next_checkin) if picture.next_checkin else none),
            }
            line, item = text("status.line", **fields), context.html("status.line", **fields)
            if situation.is_exercise:
                # Listed with real situations: each exercise says so on its own line.
                line = mark_text(line)
                item = f"<strong>{html_escape(EXERCISE_MARK)}</strong> — {item}"
            lines.append(f"- {line}")
            items.append(f"<li>{item}</li>")
        html.append(f"<p>{html_escape(heading)}</p>")
        html.append(f"<ul>{''.join(items)}</ul>")
    await context.reply("\n".join(lines), "".join(html))


COMMANDS = [
    Command(
        name="track",
        alias="volg",
        spec=Spec((Arg("alert_id", ID, ALERT_ID),)),
        readme="open a situation (phase signal) for an alert, to keep watch over it",
        summary={
            "en": "open a situation (phase signal) for an alert to keep watch over it",
            "nl": "een situatie (fase signaal) openen voor een melding om die te volgen",
        },
        handler=track,
    ),
    Command(
        name="phase",
        alias="fase",
        spec=Spec(
            (
                Arg("situation_id", ID, SITUATION),
                Arg("target", PHASE, {"en": "<phase>", "nl": "<fase>"}),
                Arg("reason", TEXT, {"en": "<reason>", "nl": "<reden>"}),
            )
        ),
        readme="move a situation to another phase; the reason is logged with who and when "
        "(see [The lauwe fase](#the-lauwe-fase))",
        summary={
            "en": "move a situation to another phase (signal, lauwe_fase, crisis, "
            "de_escalation, evaluation, closed), with the reason",
            "nl": "een situatie naar een andere fase zetten (signaal, lauwe-fase, crisis, "
            "afschaling, evaluatie, gesloten), met de reden",
        },
        handler=phase,
    ),
    Command(
        name="owner",
        alias="eigenaar",
        spec=Spec(
            (
                Arg("situation_id", ID, SITUATION),
                Arg("user", USER, {"en": "<@user:server>", "nl": "<@gebruiker:server>"}),
            )
        ),
        readme="make someone the owner of a situation: the check-ins ask them",
        summary={
            "en": "make someone the owner of a situation (they get the check-ins)",
            "nl": "iemand eigenaar van een situatie maken (die krijgt de check-ins)",
        },
        handler=owner,
    ),
    Command(
        name="update",
        alias="bijwerken",
        spec=Spec(
            (
                Arg("situation_id", ID, SITUATION),
                Arg("text", TEXT, {"en": "<text>", "nl": "<tekst>"}),
            )
        ),
        readme="record a situation update in the log; answers the check-in and moves the next one",
        summary={
            "en": "record a situation update (answers the check-in)",
            "nl": "een update over een situatie vastleggen (beantwoordt de check-in)",
        },
        handler=update,
    ),
    Command(
        name="status",
        alias="beeld",
        readme="the situational picture: open situations by phase with age, owner, last update "
        "and next check-in (observers too)",
        summary={
            "en": "the situational picture: open situations by phase, age, owner, last "
            "update and next check-in",
            "nl": "het situatiebeeld: open situaties per fase, leeftijd, eigenaar, laatste "
            "update en volgende check-in",
        },
        handler=status,
        role=Role.OBSERVER,
    ),
]
