"""Timer handlers for overdue playbook steps and decisions: one reminder, then escalation.

At a step's (or decision's) deadline the reminder timer fires. If the item is still open the
bot mentions whoever holds the owning role in the incident (the coordinator if nobody does),
records the reminder in the log, and schedules one escalation ``escalate_after`` later; if it
is still open then, the coordinator is mentioned. Each stage is a keyed durable timer under
the situation's prefix, so each fires at most once and closing the situation cancels them;
one armed after that (a late ``!choose``, a run started in evaluation) says nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from bot import i18n
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import ReminderSentPayload
from bot.i18n import Language, format_time
from bot.matrix.content import text_content
from bot.matrix.notices import mark_for_mail
from bot.playbooks.engine import OPEN_STEP_STATUSES, DecisionStatus
from bot.playbooks.runs import Run, timer_key
from bot.playbooks.timers import (
    DECISION_ESCALATION,
    DECISION_REMINDER,
    STEP_ESCALATION,
    STEP_REMINDER,
    ForDecision,
    ForStep,
)
from bot.services import Services
from bot.situations.phases import QUIET_PHASES, Phase
from bot.situations.roles import COORDINATOR, holders_of
from bot.storage.models import TimerRecord
from bot.timers.registry import Timer

ReminderSubject = Literal["step", "decision"]
"""What a reminder is about; texts ``reminder.<subject>`` and ``reminder.<subject>_escalation``."""


async def step_reminder(services: Services, step: ForStep, timer: TimerRecord) -> None:
    """Remind the owners of a step that is open past its deadline."""
    await _remind(services, step, timer, escalation=False)


async def step_escalation(services: Services, step: ForStep, timer: TimerRecord) -> None:
    """Tell the coordinator a step is still open after its reminder."""
    await _remind(services, step, timer, escalation=True)


async def decision_reminder(services: Services, point: ForDecision, timer: TimerRecord) -> None:
    """Remind the deciding role of a decision that is open past its deadline."""
    await _remind(services, point, timer, escalation=False)


async def decision_escalation(services: Services, point: ForDecision, timer: TimerRecord) -> None:
    """Tell the coordinator a decision is still open after its reminder."""
    await _remind(services, point, timer, escalation=True)


TIMERS = (
    Timer(STEP_REMINDER, step_reminder),
    Timer(STEP_ESCALATION, step_escalation),
    Timer(DECISION_REMINDER, decision_reminder),
    Timer(DECISION_ESCALATION, decision_escalation),
)


async def _remind(
    services: Services, about: ForStep | ForDecision, timer: TimerRecord, escalation: bool
) -> None:
    subject: ReminderSubject
    if isinstance(about, ForStep):
        subject, ident = "step", about.step_id
    else:
        subject, ident = "decision", about.decision_id
    situation = await services.situations.get(about.situation_id)
    run = await services.playbook_runs.run_by_id(situation.id, about.run_id)
    room = situation.incident_room_id
    # Entering evaluation cancels the run's timers, but a run started or a branch opened
    # afterwards arms new ones; a situation under evaluation or closed is not nagged.
    if run is None or room is None or Phase(situation.phase) in QUIET_PHASES:
        return
    policy = services.playbook_runs.policy
    open_item = _open_item(run, subject, ident)
    if open_item is None:
        return  # finished (or moot) in time: nothing to say
    owner, due, params = open_item
    holders = await services.roles.holders(situation.id)
    if escalation:
        mentioned = holders.get(COORDINATOR, [])
        missing = COORDINATOR
    else:
        mentioned = holders_of(holders, owner)
        missing = owner
    key = f"reminder.{subject}_escalation" if escalation else f"reminder.{subject}"
    now = services.clock.now()

    def compose(lang: Language) -> dict[str, Any]:
        who = ", ".join(mentioned) or i18n.text("reminder.nobody", lang, role=missing)
        body = i18n.text(
            key,
            lang,
            who=who,
            run=run.number,
            owner=owner,
            due=format_time(due, policy.timezone, lang, now, relative=True),
            **params(lang),
        )
        return text_content(body, mentions=mentioned)

    content = compose(policy.language)
    # A deadline: mailed too while Matrix is unreachable, in each recipient's language.
    mark_for_mail(content, compose, policy.language)
    await services.outbox.post(room, content)
    stage = "escalation" if escalation else "reminder"
    await services.log.append(
        situation.id,
        EntryKind.REMINDER_SENT,
        "weerbaar",
        ReminderSentPayload(
            run_id=run.record.id,
            subject=subject,
            subject_id=ident,
            stage=stage,
            mentioned=mentioned,
        ),
    )
    if not escalation:
        fired_at = timer.fired_at
        assert fired_at is not None  # the runner stamps it before calling the handler
        due = fired_at + policy.escalate_after
        key = timer_key(situation.id, run.record.id, subject, ident, "escalation")
        if isinstance(about, ForStep):
            await STEP_ESCALATION.schedule(services.timers, due, about, key=key)
        else:
            await DECISION_ESCALATION.schedule(services.timers, due, about, key=key)


def _open_item(
    run: Run, subject: ReminderSubject, ident: str
) -> tuple[str, datetime, Callable[[Language], dict[str, Any]]] | None:
    """Owning role, deadline and message parameters (in a language) of a still-open step
    or decision."""
    if subject == "step":
        view = run.state.step(ident)
        if view.status not in OPEN_STEP_STATUSES:
            return None
        return (
            view.step.owner,
            view.due,
            lambda lang: {"number": view.number, "title": view.step.title.get(lang)},
        )
    point = run.state.decision(ident)
    if point.status != DecisionStatus.OPEN or point.due is None:
        return None
    return (
        point.decision.decided_by,
        point.due,
        lambda lang: {"id": ident, "question": point.decision.question.get(lang)},
    )
