"""The pinned summary in an incident room: phase, roles, current steps, open decisions.

The bot posts it once (through the outbox), queues pinning it right behind, and from then
on keeps it current by editing it (``m.replace``) whenever something changes. Pin and
edits name the summary by its outbox row: rows of a room go out in order, so the sender
knows the summary's event id by the time it pins or edits.
"""

from __future__ import annotations

from bot import i18n
from bot.i18n import format_time
from bot.matrix.content import edit_content, text_content
from bot.matrix.room_operations import PIN
from bot.playbooks.engine import DecisionStatus
from bot.services import Services
from bot.storage.models import IncidentSummaryRecord, TimerRecord

SUMMARY_REFRESH = "summary.refresh"


async def refresh_summary(services: Services, situation_id: int) -> None:
    """Post and pin, or edit to the current state, the incident room's pinned summary."""
    situation = await services.situations.get(situation_id)
    room = situation.incident_room_id
    if room is None:
        return
    content = text_content(await summary_text(services, situation_id))
    record = await services.session.get(IncidentSummaryRecord, situation_id)
    if record is None:
        posted = await services.outbox.post(room, content)
        await services.outbox.operate(room, PIN, {"outbox_id": posted.id})
        services.session.add(
            IncidentSummaryRecord(situation_id=situation_id, outbox_id=posted.id, pinned=True)
        )
        return
    if not record.pinned:  # posted by an earlier version that pinned only once delivered
        await services.outbox.operate(room, PIN, {"outbox_id": record.outbox_id})
        record.pinned = True
    await services.outbox.post(room, edit_content(content), replaces=record.outbox_id)


async def summary_refresh(services: Services, timer: TimerRecord) -> None:
    """Timer handler for refresh timers that earlier versions scheduled: bring it up to date."""
    await refresh_summary(services, int(timer.payload["situation_id"]))


async def summary_text(services: Services, situation_id: int) -> str:
    """The summary in the configured language."""
    policy = services.playbook_runs.policy
    lang, timezone = policy.language, policy.timezone
    situation = await services.situations.get(situation_id)
    holders = await services.roles.holders(situation_id)
    lines = [
        i18n.text(
            "summary.title",
            lang,
            id=situation.id,
            supplier=situation.supplier,
            title=situation.title,
        ),
        i18n.text("summary.phase", lang, phase=i18n.text(f"phase.{situation.phase}", lang)),
        i18n.text(
            "summary.roles",
            lang,
            roles=[f"{role}: {', '.join(users)}" for role, users in holders.items()],
        ),
    ]
    for run in await services.playbook_runs.runs(situation_id):
        agenda = run.state.agenda()
        lines.append(
            i18n.text(
                "summary.run",
                lang,
                number=run.number,
                title=run.playbook.title.get(lang),
                steps=[
                    f"{view.number}. {view.step.title.get(lang)} ({view.step.owner}, "
                    f"{format_time(view.due, timezone, lang)})"
                    for view in agenda.steps
                ],
            )
        )
        lines.extend(
            i18n.text(
                "summary.decision",
                lang,
                id=point.decision.id,
                question=point.decision.question.get(lang),
            )
            for point in run.state.decisions()
            if point.status == DecisionStatus.OPEN
        )
    return "\n".join(lines)
