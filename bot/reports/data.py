"""Gathering everything a report about one situation shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import DEFAULT_PUBLIC_ROLES
from bot.decisionlog.log import ChainCheck, SituationLog, verify_chain
from bot.errors import SituationNotFound
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.runs import Run, load_runs
from bot.situations.roles import ListedTaskforce, Taskforce
from bot.storage.models import AlertRecord, LogEntryRecord, PlaybookRunRecord, SituationRecord


@dataclass(frozen=True)
class SituationReport:
    """A situation with its full log, playbook runs and the state of its hash chain."""

    situation: SituationRecord
    entries: list[LogEntryRecord]
    runs: list[PlaybookRunRecord]
    chain: ChainCheck
    first_signal_at: datetime | None = None  # the earliest alert of the situation
    replayed_runs: tuple[Run, ...] = ()
    """The playbook runs as the engine sees them: plan (deadlines) and what was done."""


@dataclass(frozen=True)
class People:
    """Who may be named in a disclosure: holders of a public role; the rest by role."""

    taskforce: Taskforce
    public_roles: frozenset[str] = frozenset(DEFAULT_PUBLIC_ROLES)


class ReportService:
    """Reads a situation's record for reporting.

    ``people`` says who may be named in a disclosure version; by default only those
    holding a default public role, everyone who wrote an entry counting as a member.
    """

    def __init__(
        self,
        session: AsyncSession,
        log: SituationLog,
        catalog: PlaybookCatalog | None = None,
        people: People | None = None,
    ) -> None:
        self._session = session
        self._log = log
        self._catalog = catalog
        self.people = people or People(ListedTaskforce(()))

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
        first_signal = await self._session.scalar(
            select(func.min(AlertRecord.received_at)).where(
                AlertRecord.situation_id == situation_id
            )
        )
        entries = await self._log.entries(situation_id)
        return SituationReport(
            situation=situation,
            entries=entries,
            runs=list(runs),
            chain=verify_chain(entries),
            first_signal_at=_aware(first_signal),
            replayed_runs=tuple(await load_runs(self._session, situation_id, self._catalog)),
        )


def _aware(moment: datetime | None) -> datetime | None:
    # func.min bypasses the UTC column type, so SQLite hands back a naive (UTC) value.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
