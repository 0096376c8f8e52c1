"""The pinned summary in an incident room: phase, roles, current steps, open decisions.

The bot posts it once (through the outbox), queues pinning it right behind, and from then
on keeps it current by editing it (``m.replace``). ``ServiceFactory.transaction`` refreshes
the summary of every situation the transaction logged something for, once, before commit:
every change the summary shows is logged, so no change can leave the pin stale. An edit is
queued only when the text differs from the one shown. Pin and edits name the summary by
its outbox row: rows of a room go out in order, so the sender knows the summary's event id
by the time it pins or edits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.i18n import format_time
from bot.matrix.content import edit_content, text_content
from bot.matrix.outbox import Outbox
from bot.matrix.room_operations import PIN
from bot.playbooks.engine import DecisionStatus
from bot.playbooks.runs import PlaybookRunService
from bot.situations.roles import IncidentRoles
from bot.situations.service import SituationService
from bot.storage.models import IncidentSummaryRecord


class IncidentSummaries:
    """Posts, pins and edits the incident rooms' summaries within a transaction."""

    def __init__(
        self,
        session: AsyncSession,
        outbox: Outbox,
        situations: SituationService,
        roles: IncidentRoles,
        runs: PlaybookRunService,
    ) -> None:
        self._session = session
        self._outbox = outbox
        self._situations = situations
        self._roles = roles
        self._runs = runs

    async def refresh(self, situation_id: int) -> None:
        """Post and pin, or edit to the current state, the incident room's pinned summary."""
        situation = await self._situations.get(situation_id)
        room = situation.incident_room_id
        if room is None:
            return
        text = await self.text(situation_id)
        content = text_content(text)
        record = await self._session.get(IncidentSummaryRecord, situation_id)
        if record is None:
            posted = await self._outbox.post(room, content)
            await self._outbox.operate(room, PIN, {"outbox_id": posted.id})
            self._session.add(
                IncidentSummaryRecord(
                    situation_id=situation_id, outbox_id=posted.id, pinned=True, text=text
                )
            )
            return
        if not record.pinned:  # posted by an earlier version that pinned only once delivered
            await self._outbox.operate(room, PIN, {"outbox_id": record.outbox_id})
            record.pinned = True
        if record.text == text:
            return  # a logged change the summary does not show (a note, an alert)
        await self._outbox.post(room, edit_content(content), replaces=record.outbox_id)
        record.text = text

    async def text(self, situation_id: int) -> str:
        """The summary in the configured language."""
        policy = self._runs.policy
        lang, timezone = policy.language, policy.timezone
        situation = await self._situations.get(situation_id)
        holders = await self._roles.holders(situation_id)
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
        for run in await self._runs.runs(situation_id):
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
