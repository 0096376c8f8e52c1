"""The pinned summary in an incident room: phase, roles, current steps, open decisions.

The bot posts it once (through the outbox) and from then on keeps it current by editing it
(``m.replace``) whenever something changes. Editing and pinning need the event id, which
exists only once the outbox has delivered the message; until then a refresh schedules a
``summary.refresh`` timer a few seconds later, which edits and pins once the id is known.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot import i18n
from bot.i18n import format_time
from bot.matrix.content import text_content
from bot.playbooks.engine import DecisionStatus
from bot.services import Services
from bot.situations.phases import timer_key_prefix
from bot.storage.models import IncidentSummaryRecord, OutboxRecord, TimerRecord

SUMMARY_REFRESH = "summary.refresh"
RETRY = timedelta(seconds=5)


async def refresh_summary(services: Services, situation_id: int) -> None:
    """Post, or edit to the current state, the incident room's pinned summary."""
    situation = await services.situations.get(situation_id)
    room = situation.incident_room_id
    if room is None:
        return
    plain = await summary_text(services, situation_id)
    record = await services.session.get(IncidentSummaryRecord, situation_id)
    if record is None:
        posted = await services.outbox.post(room, text_content(plain))
        services.session.add(
            IncidentSummaryRecord(situation_id=situation_id, outbox_id=posted.id, pinned=False)
        )
        await _retry_later(services, situation_id)
        return
    original = await services.session.get(OutboxRecord, record.outbox_id)
    if original is None or original.event_id is None:
        await _retry_later(services, situation_id)  # not delivered yet: edit once it is
        return
    if not record.pinned and services.moderation is not None:
        await services.moderation.pin(room, original.event_id)
        record.pinned = True
    await services.outbox.post(room, _edit(original.event_id, plain))


async def summary_refresh(services: Services, timer: TimerRecord) -> None:
    """Timer handler: bring the summary up to date once its first version is delivered."""
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


def _edit(event_id: str, plain: str) -> dict[str, Any]:
    new_content = text_content(plain)
    return {
        **text_content(f"* {plain}"),
        "m.new_content": new_content,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


async def _retry_later(services: Services, situation_id: int) -> None:
    await services.timers.schedule(
        SUMMARY_REFRESH,
        services.playbook_runs.clock.now() + RETRY,
        {"situation_id": situation_id},
        key=f"{timer_key_prefix(situation_id)}summary",
    )
