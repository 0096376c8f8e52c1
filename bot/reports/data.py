"""Gathering everything a report about one situation shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.decisionlog.log import ChainCheck, SituationLog
from bot.errors import SituationNotFound
from bot.storage.models import LogEntryRecord, PlaybookRunRecord, SituationRecord


@dataclass(frozen=True)
class SituationReport:
    """A situation with its full log, playbook runs and the state of its hash chain."""

    situation: SituationRecord
    entries: list[LogEntryRecord]
    runs: list[PlaybookRunRecord]
    chain: ChainCheck


class ReportService:
    """Reads a situation's record for reporting."""

    def __init__(self, session: AsyncSession, log: SituationLog) -> None:
        self._session = session
        self._log = log

    async def gather(self, situation_id: int) -> SituationReport:
        """Everything about the situation; raises SituationNotFound."""
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        runs = await self._session.scalars(
            select(PlaybookRunRecord)
            .where(PlaybookRunRecord.situation_id == situation_id)
            .order_by(PlaybookRunRecord.id)
        )
        return SituationReport(
            situation=situation,
            entries=await self._log.entries(situation_id),
            runs=list(runs),
            chain=await self._log.verify(situation_id),
        )
