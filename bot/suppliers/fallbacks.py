"""Fallback options as the drill plan and the board see them: status, risk, test history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import FallbackSettings
from bot.decisionlog.actions import ActionService
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import FallbackTestedPayload
from bot.errors import (
    FallbackTestRefused,
    ImprovementRefused,
    NoOpenImprovement,
    UnknownFallback,
)
from bot.moments import calendar_days_from
from bot.situations.roles import Taskforce
from bot.storage.models import (
    DependencyRecord,
    FallbackOptionRecord,
    FallbackTestRecord,
    LogEntryRecord,
)
from bot.suppliers.criticality import Criticality
from bot.suppliers.freshness import (
    Candidate,
    DrillKind,
    Outcome,
    Status,
    Trial,
    configured_policy,
    rank,
    risk,
    status,
)
from bot.suppliers.improvements import Improvements
from bot.suppliers.planned import upcoming_drills
from bot.suppliers.registry import SupplierRegistry
from bot.user_ids import is_user_id

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


@dataclass(frozen=True)
class ProcessFallback:
    """One line of the board's overview: a vital or critical process, a supplier it
    depends on, and one fallback for it (None when the service has none)."""

    organisation: str
    process: str
    criticality: Criticality
    supplier: str
    service: str
    fallback: FallbackState | None
    open_actions: tuple[str, ...]
    next_drill: datetime | None


# The processes the board's overview covers.
BOARD_CRITICALITIES = (Criticality.VITAL, Criticality.CRITICAL)


@dataclass(frozen=True)
class Recorded:
    """A recorded test, its log entry when typed in a situation, and the action it opened."""

    test: FallbackTestRecord
    status: Status
    log_seq: int | None
    action: LogEntryRecord | None


class FallbackService:
    """Reads the freshness of every fallback option and records tests.

    Days (the day a test was done, an age in days, an action's deadline day) are days in
    the taskforce's ``timezone``, as people there name them, not UTC days.
    """

    def __init__(
        self,
        session: AsyncSession,
        registry: SupplierRegistry,
        clock: Clock,
        settings: FallbackSettings,
        taskforce: Taskforce,
        log: SituationLog,
        actions: ActionService,
        improvements: Improvements,
        timezone: str,
    ) -> None:
        self._session = session
        self._registry = registry
        self._clock = clock
        self._settings = settings
        self._policy = configured_policy(settings)
        self._taskforce = taskforce
        self._log = log
        self._actions = actions
        self._improvements = improvements
        self._zone = ZoneInfo(timezone)

    def improvement_due(self) -> datetime:
        """The deadline of an improvement action opened now: ``improvement_days`` days on,
        at the same time of day where the taskforce is (also across a DST change), in UTC."""
        return calendar_days_from(self._clock.now(), self._settings.improvement_days, self._zone)

    def today(self) -> date:
        """The day tests are recorded on and ages are counted from, where the taskforce is."""
        return self._clock.now().astimezone(self._zone).date()

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

    async def overview(self) -> list[ProcessFallback]:
        """Every vital and critical process with each fallback of each service it needs,
        most severe first, then by organisation, process, supplier and fallback id."""
        states = await self.states()
        open_actions = await self._open_actions()
        next_drills: dict[str, datetime] = {}
        for drill in await upcoming_drills(self._session, self._clock.now()):
            next_drills.setdefault(drill.fallback_key, drill.due_at)  # soonest first
        lines = []
        for view in await self._registry.all_views():
            for service in view.services:
                options: list[FallbackState | None] = [
                    state for state in states if state.option.service_id == service.service.id
                ]
                for dependency in service.dependencies:
                    criticality = Criticality(dependency.criticality)
                    if criticality not in BOARD_CRITICALITIES:
                        continue
                    for state in options or [None]:
                        lines.append(
                            ProcessFallback(
                                organisation=dependency.organisation,
                                process=dependency.process,
                                criticality=criticality,
                                supplier=view.supplier.name,
                                service=service.service.name,
                                fallback=state,
                                open_actions=tuple(
                                    open_actions.get(state.key, []) if state else []
                                ),
                                next_drill=next_drills.get(state.key) if state else None,
                            )
                        )
        order = list(Criticality)
        return sorted(
            lines,
            key=lambda line: (
                order.index(line.criticality),
                line.organisation,
                line.process,
                line.supplier,
                line.fallback.key if line.fallback else "",
            ),
        )

    async def _open_actions(self) -> dict[str, list[str]]:
        """Fallback id: its improvement actions not done yet, as ``situation/seq`` when in
        a situation's log, else as ``owner (deadline)``."""
        found: dict[str, list[str]] = {}
        for test in await self._logged_open_actions():
            found.setdefault(test.fallback_key, []).append(f"{test.situation_id}/{test.action_seq}")
        for test in await self._improvements.open_ones():
            assert test.action_due_at is not None  # opened with its deadline
            found.setdefault(test.fallback_key, []).append(
                f"{test.action_owner} ({test.action_due_at.astimezone(self._zone).date()})"
            )
        return found

    async def _logged_open_actions(self, key: str | None = None) -> list[FallbackTestRecord]:
        """The tests (of ``key``, or all) whose action in a situation's log is not done."""
        query = (
            select(FallbackTestRecord)
            .where(FallbackTestRecord.action_seq.is_not(None))
            .order_by(FallbackTestRecord.id)
        )
        if key is not None:
            query = query.where(FallbackTestRecord.fallback_key == key)
        found = []
        for test in await self._session.scalars(query):
            # An action_seq is only set for a test logged in a situation (record_test).
            assert test.situation_id is not None
            assert test.action_seq is not None
            if not await self._actions.is_done(test.situation_id, test.action_seq):
                found.append(test)
        return found

    async def improved(self, key: str, actor: str) -> int:
        """Mark every open improvement action of fallback ``key`` done by ``actor`` (its
        owner, an action's owner, or a coordinator); how many there were.

        Actions in a situation's log are completed there, so the log stays complete.
        """
        option = await self.find(key)
        if option is None:
            raise UnknownFallback(fallback=key)
        logged = await self._logged_open_actions(option.key)
        kept = await self._improvements.open_ones(option.key)
        if not logged and not kept:
            raise NoOpenImprovement(fallback=option.key)
        owners = {test.action_owner for test in kept}
        for test in logged:
            assert test.situation_id is not None
            assert test.action_seq is not None
            entry = await self._log.entry(test.situation_id, test.action_seq)
            owners.add(entry.payload.get("owner") if entry is not None else None)
        if not may_act_for(option, actor, self._taskforce) and actor not in owners:
            raise ImprovementRefused(fallback=option.key, owner=option.owner or "-")
        for test in logged:
            assert test.situation_id is not None
            assert test.action_seq is not None
            await self._actions.complete(test.situation_id, test.action_seq, actor)
        for test in kept:
            await self._improvements.complete(test, actor)
        return len(logged) + len(kept)

    async def drills(self) -> list[FallbackState]:
        """The options to drill (failed, never tested, overdue), highest risk first."""
        return rank(await self.states())

    async def find(self, key: str) -> FallbackOptionRecord | None:
        """The fallback option with stable id ``key``."""
        return await self._session.scalar(
            select(FallbackOptionRecord).where(FallbackOptionRecord.key == key.strip().lower())
        )

    async def testable(
        self, key: str, actor: str, roles_held: Collection[str] = ()
    ) -> FallbackOptionRecord:
        """Option ``key`` when ``actor`` may record its tests (see ``may_act_for``);
        UnknownFallback or FallbackTestRefused otherwise."""
        option = await self.find(key)
        if option is None:
            raise UnknownFallback(fallback=key)
        if not may_act_for(option, actor, self._taskforce, roles_held):
            raise FallbackTestRefused(fallback=option.key, owner=option.owner or "-")
        return option

    async def history(self, key: str) -> list[FallbackTestRecord]:
        """Every test of ``key``, oldest first."""
        return (await self._all_tests(key)).get(key, [])

    async def record_test(
        self,
        key: str,
        actor: str,
        *,
        result: Outcome,
        kind: DrillKind,
        duration_minutes: int | None,
        notes: str,
        situation_id: int | None,
        roles_held: Collection[str],
        improvement: str,
    ) -> Recorded:
        """Record a test of ``key`` by ``actor`` (its owner, a holder of the owning role in
        the situation, or a coordinator). Typed in a situation, it is appended to that
        situation's log (hash-chained with the drill), and a failed or partly working
        result opens the improvement action ``improvement`` there, reminded when due.
        Outside a situation such an action is kept on the test (bot/suppliers/improvements).
        """
        option = await self.testable(key, actor, roles_held)
        log_seq: int | None = None
        action: LogEntryRecord | None = None
        # The fallback's owner when that is a person, else whoever recorded the test.
        owner = option.owner if option.owner and is_user_id(option.owner) else actor
        if situation_id is not None:
            entry = await self._log.append(
                situation_id,
                EntryKind.FALLBACK_TESTED,
                actor,
                FallbackTestedPayload(
                    fallback=option.key,
                    result=result.value,
                    kind=kind.value,
                    duration_minutes=duration_minutes,
                    notes=notes,
                ),
            )
            log_seq = entry.seq
            if result is not Outcome.WORKED:
                action = await self._actions.assign(
                    situation_id, actor, owner, improvement, self.improvement_due()
                )
        test = await self.record(
            option,
            result=result,
            kind=kind,
            duration_minutes=duration_minutes,
            notes=notes,
            recorded_by=actor,
            situation_id=situation_id,
            evidence=f"situation {situation_id} log {log_seq}" if log_seq is not None else None,
        )
        test.action_seq = action.seq if action is not None else None
        if situation_id is None and result is not Outcome.WORKED:
            await self._improvements.open(test, owner, self.improvement_due())
        state = next(each for each in await self.states() if each.key == option.key)
        return Recorded(test, state.status, log_seq, action)

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

    async def tested_since(self, since: datetime) -> list[FallbackTestRecord]:
        """Every test recorded after ``since`` (in chat or by an import), oldest first."""
        return list(
            await self._session.scalars(
                select(FallbackTestRecord)
                .where(FallbackTestRecord.recorded_at > since)
                .order_by(FallbackTestRecord.recorded_at, FallbackTestRecord.id)
            )
        )

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


def may_act_for(
    option: FallbackOptionRecord,
    actor: str,
    taskforce: Taskforce,
    roles_held: Collection[str] = (),
) -> bool:
    """Whether ``actor`` may record tests of and plan drills for ``option``: its owner, a
    holder of its owning role (``roles_held``, in a situation), or a coordinator."""
    return (
        taskforce.is_coordinator(actor)
        or option.owner == actor
        or (option.owner is not None and option.owner in roles_held)
    )


def _test(record: FallbackTestRecord) -> Trial:
    return Trial(record.tested_on, Outcome(record.result))
