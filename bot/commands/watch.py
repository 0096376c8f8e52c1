"""Keeping watch: ``!track``, ``!phase``, ``!owner``, ``!update`` and ``!status``.

Every member may move a phase, crisis and closed included, while the situation has no
incident coordinator: the bot records who moved it and why. Once an incident has a
coordinator, ``!phase`` and ``!owner`` are theirs (or a taskforce coordinator's), wherever
they are typed, the same rule as ``!role`` and ``!close`` in the incident room.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, parse_id, split_words
from bot.i18n import html_escape
from bot.situations.phases import Phase
from bot.situations.watch import checkin_key

# The words people type for a phase, in both languages; spaces and hyphens count as "_".
PHASE_WORDS: dict[str, Phase] = {
    "signal": Phase.SIGNAL,
    "signaal": Phase.SIGNAL,
    "lauwe_fase": Phase.LAUWE_FASE,
    "lauwe": Phase.LAUWE_FASE,
    "warm_up": Phase.LAUWE_FASE,
    "crisis": Phase.CRISIS,
    "de_escalation": Phase.DE_ESCALATION,
    "afschaling": Phase.DE_ESCALATION,
    "evaluation": Phase.EVALUATION,
    "evaluatie": Phase.EVALUATION,
    "closed": Phase.CLOSED,
    "gesloten": Phase.CLOSED,
}


def parse_phase(word: str) -> Phase | None:
    """The phase typed as ``word`` (English code or Dutch word), or None."""
    return PHASE_WORDS.get(word.strip().lower().replace("-", "_").replace(" ", "_"))


async def track(context: CommandContext, arguments: str) -> None:
    """Open a situation in the signal phase for an alert, to keep watch over it."""
    words = split_words(arguments)
    if len(words) != 1:
        raise UsageError()
    alert_id = parse_id(words[0])
    situation = await context.services.situations.track_alert(alert_id, context.sender)
    await context.reply(
        context.text(
            "situation.tracked",
            id=situation.id,
            alert_id=alert_id,
            supplier=situation.supplier,
            title=situation.title,
        )
    )


async def phase(context: CommandContext, arguments: str) -> None:
    """Move ``<situation> <phase> <reason>``; the reason is required and logged."""
    # Not shell-split: a reason may hold apostrophes ("supplier's CEO resigned").
    words = arguments.split(maxsplit=2)
    if len(words) != 3:
        raise UsageError()
    situation_id = parse_id(words[0])
    target = parse_phase(words[1])
    if target is None:
        names = ", ".join(context.text(f"phase.{p.value}") for p in Phase)
        raise UsageError(context.text("situation.unknown_phase", word=words[1], phases=names))
    services = context.services
    await services.roles.require_coordinator(situation_id, context.sender)
    situation = await services.situations.change_phase(
        situation_id, target, context.sender, words[2]
    )
    entries = await services.log.entries(situation.id)
    await context.reply(
        context.text(
            "situation.phase_set",
            id=situation.id,
            phase=context.text(f"phase.{target.value}"),
            seq=entries[-1].seq,
        )
    )


async def owner(context: CommandContext, arguments: str) -> None:
    """Make ``<user>`` the owner of ``<situation>``: the one the check-ins ask."""
    words = split_words(arguments)
    if len(words) != 2 or not (words[1].startswith("@") and ":" in words[1]):
        raise UsageError()
    situation_id = parse_id(words[0])
    await context.services.roles.require_coordinator(situation_id, context.sender)
    situation = await context.services.watch.set_owner(situation_id, words[1], context.sender)
    await context.reply(context.text("situation.owner_set", owner=words[1], id=situation.id))


async def update(context: CommandContext, arguments: str) -> None:
    """Record ``<situation> <text>`` as a situation update; it answers the check-in."""
    words = arguments.split(maxsplit=1)
    if len(words) != 2:
        raise UsageError()
    services = context.services
    situation_id = parse_id(words[0])
    entry = await services.watch.record_update(situation_id, words[1], context.sender)
    lines = [context.text("situation.update_recorded", id=situation_id, seq=entry.seq)]
    checkin = await services.timers.pending(checkin_key(situation_id))
    if checkin is not None:
        lines.append(
            context.text(
                "situation.update_next_checkin", time=context.time(checkin.due_at, relative=True)
            )
        )
    await context.reply(" ".join(lines))


def format_age(age: timedelta, context: CommandContext) -> str:
    """A duration as people read it: "2d 3h", "3h 12m", "12m"."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return context.text("duration.days", days=days, hours=hours)
    if hours:
        return context.text("duration.hours", hours=hours, minutes=minutes)
    return context.text("duration.minutes", minutes=minutes)


async def status(context: CommandContext, arguments: str) -> None:
    """The situational picture: open situations by phase, age, owner, update, check-in."""
    if arguments:
        raise UsageError()
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
            lines.append("- " + text("status.line", **fields))
            items.append(f"<li>{context.html('status.line', **fields)}</li>")
        html.append(f"<p>{html_escape(heading)}</p>")
        html.append(f"<ul>{''.join(items)}</ul>")
    await context.reply("\n".join(lines), "".join(html))


COMMANDS = [
    Command(
        name="track",
        alias="volg",
        usage={"en": "<alert-id>", "nl": "<melding-id>"},
        summary={
            "en": "open a situation (phase signal) for an alert to keep watch over it",
            "nl": "een situatie (fase signaal) openen voor een melding om die te volgen",
        },
        handler=track,
    ),
    Command(
        name="phase",
        alias="fase",
        usage={"en": "<situation> <phase> <reason>", "nl": "<situatie> <fase> <reden>"},
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
        usage={"en": "<situation> <@user:server>", "nl": "<situatie> <@gebruiker:server>"},
        summary={
            "en": "make someone the owner of a situation (they get the check-ins)",
            "nl": "iemand eigenaar van een situatie maken (die krijgt de check-ins)",
        },
        handler=owner,
    ),
    Command(
        name="update",
        alias="bijwerken",
        usage={"en": "<situation> <text>", "nl": "<situatie> <tekst>"},
        summary={
            "en": "record a situation update (answers the check-in)",
            "nl": "een update over een situatie vastleggen (beantwoordt de check-in)",
        },
        handler=update,
    ),
    Command(
        name="status",
        alias="beeld",
        usage={"en": "", "nl": ""},
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
