"""Incident-room commands: ``!role`` (roles and hand-over), ``!sitrep`` and ``!close``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.commands.arguments import TEXT, USER, WORD, Arg, Spec
from bot.commands.context import CommandContext
from bot.commands.integrity import chain_warning
from bot.commands.registry import Command, Scope
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import SITREP
from bot.playbooks.engine import OPEN_STEP_STATUSES, StepStatus
from bot.situations.phases import Phase
from bot.situations.roles import COORDINATOR
from bot.storage.models import LogEntryRecord


async def role(context: CommandContext, user: str | None, name: str | None) -> None:
    """``@user <role>``: give someone a role; a new coordinator takes over coordination."""
    services = context.services
    situation = context.incident
    if user is None or name is None:  # all or none: none given
        holders = await services.roles.holders(situation.id)
        roles = [f"{name}: {', '.join(users)}" for name, users in holders.items()]
        await context.reply(context.text("role.list", roles=roles))
        return
    extra = [
        declared.id
        for run in await services.playbook_runs.runs(situation.id)
        for declared in run.playbook.roles
    ]
    previous = await services.roles.assign(
        situation.id, context.room_id, user, name.lower(), context.sender, extra
    )
    lines = [context.text("role.assigned", user=user, role=name.lower(), actor=context.sender)]
    if name.lower() == COORDINATOR and previous and previous != [user]:
        lines.append(context.text("role.handed_over", previous=previous, user=user))
    await context.reply("\n".join(lines))


async def sitrep(context: CommandContext, text: str | None) -> None:
    """``[text]``: record a situation report; without text, show the latest one."""
    services = context.services
    situation = context.incident
    if text:
        entry = await services.sitreps.record(situation, context.sender, text)
        lines = [context.text("sitrep.recorded", seq=entry.seq, actor=context.sender)]
    else:
        latest = await services.sitreps.latest(situation.id)
        if latest is None:
            lines = [context.text("sitrep.none")]
        else:
            lines = [
                context.text(
                    "sitrep.latest",
                    seq=latest.seq,
                    time=context.time(latest.occurred_at),
                    actor=latest.actor,
                    text=SITREP.of(latest)["text"],
                )
            ]
    next_due = await services.sitreps.next_due(situation.id)
    if next_due is not None:
        lines.append(context.text("sitrep.next", time=context.time(next_due, relative=True)))
    await context.reply("\n".join(lines))


async def close(context: CommandContext, reason: str) -> None:
    """``<reason>``: move the situation to evaluation (stops its timers), post a summary."""
    services = context.services
    situation = context.incident
    await services.roles.require_coordinator(situation.id, context.sender)
    warning = await chain_warning(context, situation)
    await services.situations.change_phase(
        situation.id, Phase.EVALUATION, context.sender, reason, answered_in=context.room_id
    )
    lines = [
        *warning,
        context.text("close.done", id=situation.id, actor=context.sender, reason=reason),
    ]
    for run in await services.playbook_runs.runs(situation.id):
        views = run.state.steps()
        counts = {status: sum(v.status == status for v in views) for status in StepStatus}
        late = sum(
            1 for v in views if (lateness := v.late_by()) is not None and lateness > timedelta()
        )
        lines.append(
            context.text(
                "close.run",
                number=run.number,
                playbook=run.playbook.title.get(context.lang),
                done=counts[StepStatus.DONE],
                late=late,
                skipped=counts[StepStatus.SKIPPED],
                not_applicable=counts[StepStatus.NOT_APPLICABLE],
                open=sum(counts[status] for status in (*OPEN_STEP_STATUSES, StepStatus.PENDING)),
            )
        )
    decisions = await services.session.scalar(
        select(func.count())
        .select_from(LogEntryRecord)
        .where(
            LogEntryRecord.situation_id == situation.id,
            LogEntryRecord.kind == EntryKind.DECISION.value,
        )
    )
    lines.append(context.text("close.decisions", count=decisions or 0))
    await context.reply("\n".join(lines))


COMMANDS = [
    Command(
        name="role",
        alias="rol",
        spec=Spec(
            (
                Arg("user", USER, {"en": "@user", "nl": "@gebruiker"}),
                Arg(
                    "name",
                    WORD,
                    {
                        "en": "coordinator|scribe|comms|liaison",
                        "nl": "coordinator|scribe|comms|liaison",
                    },
                ),
            ),
            all_or_none=True,
        ),
        scope=Scope.INCIDENT_ROOM,
        readme="show roles, or give someone an incident role (coordinator, scribe, comms, "
        "liaison, or a role of a running playbook); a new coordinator takes over and becomes "
        "moderator; a role goes only to a member of the incident room or the taskforce; once "
        "there is a coordinator only they (or a configured taskforce coordinator, who can "
        "always take over) assign roles, change the phase or owner (`!phase`, `!owner`, also "
        "from the coordination room) and `!close`",
        summary={
            "en": "show roles, or give someone a role in this incident (coordinator hands over)",
            "nl": "rollen tonen, of iemand een rol geven in dit incident (coördinator draagt over)",
        },
        handler=role,
    ),
    Command(
        name="sitrep",
        alias="sitrap",
        spec=Spec((Arg("text", TEXT, {"en": "text", "nl": "tekst"}, optional=True),)),
        scope=Scope.INCIDENT_ROOM,
        readme="in an incident room: with text, record a situation report in the log (the next "
        "request for one moves to an interval later); without, show the last one and when the "
        "next is due",
        summary={
            "en": "record a situation report, or show the latest one",
            "nl": "een situatierapport vastleggen, of het laatste tonen",
        },
        handler=sitrep,
    ),
    Command(
        name="close",
        alias="sluit",
        spec=Spec((Arg("reason", TEXT, {"en": "<reason>", "nl": "<reden>"}),)),
        scope=Scope.INCIDENT_ROOM,
        readme="move the situation to evaluation (stops its timers) and post a summary: per "
        "playbook steps done/late/skipped/not applicable/open, decisions",
        summary={
            "en": "close the incident: to evaluation, timers stop, summary posted",
            "nl": "het incident sluiten: naar evaluatie, timers stoppen, samenvatting",
        },
        handler=close,
    ),
]
