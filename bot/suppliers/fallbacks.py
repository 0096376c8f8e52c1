"""Fallback options as the drill plan and the board see them: status, risk, test history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import FallbackSettings
from bot.storage.models import DependencyRecord, FallbackOptionRecord, FallbackTestRecord
from bot.suppliers.criticality import Criticality
from bot.suppliers.freshness import (
    Candidate,
    DrillKind,
    Outcome,
    Trial,
    configured_policy,
    rank,
    risk,
    status,
)
from bot.suppliers.registry import SupplierRegistry

# Who recorded a test typed in chat (the registry's are "registry").
CHAT_SOURCE = "chat"


@dataclass(frozen=True)
class FallbackState(Candidate):
    """A fallback option with where it sits, what it protects and its latest test."""

    supplier: str
    service: str
    option: FallbackOptionRecord
    dependencies: tuple[DependencyRecord, ...]
    last: FallbackTestRecord | None

    def age_days(self, today: date) -> int | None:
        """Days since the latest test, or None when never tested."""
        return (today - self.last.tested_on).days if self.last is not None else None


class FallbackService:
    """Reads the freshness of every fallback option and records tests."""

    def __init__(
        self,
        session: AsyncSession,
        registry: SupplierRegistry,
        clock: Clock,
        settings: FallbackSettings,
    ) -> None:
        self._session = session
        self._registry = registry
        self._clock = clock
        self._settings = settings
        self._policy = configured_policy(settings)

    def improvement_due(self) -> datetime:
        """The deadline of an improvement action opened now."""
        return self._clock.now() + timedelta(days=self._settings.improvement_days)

    def today(self) -> date:
        """The day tests are recorded on and ages are counted from."""
        return self._clock.now().date()

    async def states(self) -> list[FallbackState]:
        """Every fallback option of the registry with its status and risk, by supplier."""
        tests = await self._all_tests()
        today = self.today()
        states = []
        for view in await self._registry.all_views():
            # How many organisations hang on this supplier: its concentration.
            organisations = view.organisations()
            for service in view.services:
                criticalities = [Criticality(d.criticality) for d in service.dependencies]
                for option in service.fallbacks:
                    history = tests.get(option.key, [])
                    states.append(
                        FallbackState(
                            key=option.key,
                            status=status(
                                [_test(each) for each in history],
                                criticalities,
                                today,
                                self._policy,
                            ),
                            risk=risk(criticalities, organisations),
                            supplier=view.supplier.name,
                            service=service.service.name,
                            option=option,
                            dependencies=tuple(service.dependencies),
                            last=history[-1] if history else None,
                        )
                    )
        return states

    async def drills(self) -> list[FallbackState]:
        """The options to drill (failed, never tested, overdue), highest risk first."""
        return rank(await self.states())

    async def find(self, key: str) -> FallbackOptionRecord | None:
        """The fallback option with stable id ``key``."""
        return await self._session.scalar(
            select(FallbackOptionRecord).where(FallbackOptionRecord.key == key.strip().lower())
        )

    async def history(self, key: str) -> list[FallbackTestRecord]:
        """Every test of ``key``, oldest first."""
        return (await self._all_tests(key)).get(key, [])

    async def record(
        self,
        option: FallbackOptionRecord,
        *,
        result: Outcome,
        kind: DrillKind,
        duration_minutes: int | None,
        notes: str,
        recorded_by: str,
        situation_id: int | None,
        evidence: str | None,
    ) -> FallbackTestRecord:
        """A test of ``option`` done today, typed in chat."""
        test = FallbackTestRecord(
            fallback_key=option.key,
            tested_on=self.today(),
            kind=kind.value,
            result=result.value,
            duration_minutes=duration_minutes,
            notes=notes,
            evidence=evidence,
            recorded_by=recorded_by,
            recorded_at=self._clock.now(),
            source=CHAT_SOURCE,
            situation_id=situation_id,
        )
        self._session.add(test)
        await self._session.flush()
        return test

    async def _all_tests(self, key: str | None = None) -> dict[str, list[FallbackTestRecord]]:
        query = select(FallbackTestRecord).order_by(
            FallbackTestRecord.tested_on, FallbackTestRecord.id
        )
        if key is not None:
            query = query.where(FallbackTestRecord.fallback_key == key)
        found: dict[str, list[FallbackTestRecord]] = {}
        for test in await self._session.scalars(query):
            found.setdefault(test.fallback_key, []).append(test)
        return found


def _test(record: FallbackTestRecord) -> Trial:
    return Trial(record.tested_on, Outcome(record.result))
