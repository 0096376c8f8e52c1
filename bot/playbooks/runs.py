"""Activating a playbook in a situation and telling what its first step is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.log import EntryKind, SituationLog
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.schema import Playbook, Step
from bot.storage.models import PlaybookRunRecord


@dataclass(frozen=True)
class StartedRun:
    """A playbook just activated, with its first step and when that step is due."""

    run: PlaybookRunRecord
    playbook: Playbook
    first_step: Step
    first_step_due: datetime


class PlaybookRunService:
    """Starts playbook runs in a situation."""

    def __init__(
        self, session: AsyncSession, log: SituationLog, catalog: PlaybookCatalog, clock: Clock
    ) -> None:
        self._session = session
        self._log = log
        self._catalog = catalog
        self._clock = clock

    async def start(self, situation_id: int, playbook_id: str, actor: str) -> StartedRun:
        """Activate the playbook; raises UnknownPlaybook when there is no such playbook."""
        playbook = self._catalog.get(playbook_id)
        first_step = playbook.main_line_steps()[0]
        started_at = self._clock.now()
        run = PlaybookRunRecord(
            situation_id=situation_id,
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            started_by=actor,
            started_at=started_at,
            current_step=first_step.id,
        )
        self._session.add(run)
        await self._session.flush()
        await self._log.append(
            situation_id,
            EntryKind.PLAYBOOK_STARTED,
            actor,
            {
                "run_id": run.id,
                "playbook_id": playbook.id,
                "playbook_version": playbook.version,
                "first_step": first_step.id,
            },
            occurred_at=started_at,
        )
        return StartedRun(run, playbook, first_step, started_at + first_step.deadline)
