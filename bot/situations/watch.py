"""Keeping watch in the lauwe fase: owners, updates, check-ins and escalation proposals.

Entering the lauwe fase schedules a check-in; when it fires the owner is asked for an
update, and if none comes within the grace period the owner is reminded once. Each
update is logged and moves the next check-in to one interval after it. When a rule from
the configuration fires (a severe alert, many alerts in a short time, a supplier that
vital processes depend on) the bot proposes escalation once per situation: it proposes,
people decide. An insolvency notice about a supplier that a vital process depends on
proposes the lauwe fase at once, before anyone has tracked it (``propose_lauwe_fase``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.model import Severity
from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import (
    EscalationProposedPayload,
    Evidence,
    OwnerSetPayload,
    SituationUpdatePayload,
)
from bot.errors import SituationClosed, SituationNotFound
from bot.scheduling.timers import Timers
from bot.situations.phases import Phase, timer_key_prefix
from bot.situations.timers import CHECKIN_TIMER, OVERDUE_TIMER, ForSituation
from bot.storage.models import (
    AlertRecord,
    LogEntryRecord,
    SituationRecord,
    SituationWatchRecord,
    TimerRecord,
)
from bot.suppliers.file import Criticality
from bot.suppliers.registry import SupplierRegistry

# Escalation proposals are signed by the bot itself in the log.
BOT_ACTOR = "weerbaar"


def checkin_key(situation_id: int) -> str:
    """The key of the situation's next check-in (cancelled with the situation's timers)."""
    return timer_key_prefix(situation_id) + "checkin"


def overdue_key(situation_id: int) -> str:
    """The key of the reminder after an unanswered check-in."""
    return timer_key_prefix(situation_id) + "checkin-overdue"


@dataclass(frozen=True)
class WatchPolicy:
    """Cadence of check-ins and the rules that make the bot propose escalation."""

    checkin_interval: timedelta = timedelta(hours=4)
    checkin_grace: timedelta = timedelta(hours=1)
    # An attached alert at this severity or worse proposes escalation; None: rule off.
    propose_severity: Severity | None = Severity.S1
    # This many alerts for the supplier within ``propose_window`` propose it; 0: rule off.
    propose_alert_count: int = 5
    propose_window: timedelta = timedelta(hours=4)
    # A supplier that a vital process depends on (registry) proposes it.
    propose_on_vital: bool = True


EscalationRule = Literal["severity", "alert_count", "vital_process", "insolvency_vital"]
"""The rules that propose escalation; each has its reason text ``watch.rule.<rule>``."""


@dataclass(frozen=True)
class Proposal:
    """Why the bot proposes escalating a situation: a rule, its evidence, an alert to use."""

    rule: EscalationRule
    evidence: Evidence
    alert_id: int | None


class WatchNotifier(Protocol):
    """Tells the taskforce about check-ins and proposals, within the same transaction."""

    async def checkin_requested(self, situation: SituationRecord, owner: str) -> None:
        """Ask ``owner`` for an update on ``situation``."""
        ...

    async def checkin_overdue(
        self, situation: SituationRecord, owner: str, asked_at: datetime
    ) -> None:
        """Remind ``owner`` that the check-in asked at ``asked_at`` is unanswered."""
        ...

    async def escalation_proposed(self, situation: SituationRecord, proposal: Proposal) -> None:
        """Propose that the taskforce considers escalating ``situation``."""
        ...

    async def lauwe_fase_proposed(
        self, alert: AlertRecord, situation: SituationRecord | None, proposal: Proposal
    ) -> None:
        """Propose the lauwe fase for ``alert``'s supplier (``situation``: its signal)."""
        ...


@dataclass(frozen=True)
class SituationPicture:
    """One line of the situational picture."""

    situation: SituationRecord
    age: timedelta
    owner: str
    last_update_at: datetime | None
    last_update_by: str | None
    next_checkin: datetime | None


class WatchService:
    """Owners, updates, check-ins and escalation proposals of situations."""

    def __init__(
        self,
        session: AsyncSession,
        log: SituationLog,
        timers: Timers,
        suppliers: SupplierRegistry,
        notifier: WatchNotifier,
        clock: Clock,
        policy: WatchPolicy,
    ) -> None:
        self._session = session
        self._log = log
        self._timers = timers
        self._suppliers = suppliers
        self._notifier = notifier
        self._clock = clock
        self.policy = policy

    # --- owner and updates ---

    async def set_owner(self, situation_id: int, owner: str, actor: str) -> SituationRecord:
        """Make ``owner`` the one asked for updates on the situation (logged)."""
        situation = await self._open_situation(situation_id)
        watch = await self._watch(situation.id)
        previous = watch.owner or situation.opened_by
        watch.owner = owner
        await self._log.append(
            situation.id,
            EntryKind.OWNER_SET,
            actor,
            OwnerSetPayload(owner=owner, previous=previous),
        )
        return situation

    async def record_update(self, situation_id: int, text: str, actor: str) -> LogEntryRecord:
        """Log a situation update; in the lauwe fase it answers the check-in and resets it."""
        situation = await self._open_situation(situation_id)
        now = self._clock.now()
        entry = await self._log.append(
            situation.id,
            EntryKind.SITUATION_UPDATE,
            actor,
            SituationUpdatePayload(text=text, phase=situation.phase),
        )
        watch = await self._watch(situation.id)
        watch.last_update_at, watch.last_update_by = now, actor
        await self._timers.cancel(overdue_key(situation.id))
        if situation.phase == Phase.LAUWE_FASE.value:
            await self._schedule_checkin(situation.id, now + self.policy.checkin_interval)
        return entry

    async def owner_of(self, situation: SituationRecord) -> str:
        """The situation's owner: the one set, else who opened it."""
        watch = await self._session.get(SituationWatchRecord, situation.id)
        return (watch.owner if watch else None) or situation.opened_by

    # --- reacting to phases and alerts ---

    async def phase_changed(self, situation: SituationRecord, previous: Phase, actor: str) -> None:
        """Start check-ins on entering the lauwe fase, stop them on leaving it."""
        if situation.phase == Phase.LAUWE_FASE.value:
            await self._schedule_checkin(
                situation.id, self._clock.now() + self.policy.checkin_interval
            )
            await self.consider_escalation(situation, None)
        elif previous == Phase.LAUWE_FASE:
            await self._timers.cancel(checkin_key(situation.id))
            await self._timers.cancel(overdue_key(situation.id))

    async def alert_attached(self, alert: AlertRecord, situation: SituationRecord) -> None:
        """A new alert for a situation in the lauwe fase may make a rule fire."""
        if situation.phase == Phase.LAUWE_FASE.value:
            await self.consider_escalation(situation, alert)

    async def consider_escalation(
        self, situation: SituationRecord, alert: AlertRecord | None
    ) -> Proposal | None:
        """Propose escalation (once per situation) when a configured rule fires."""
        watch = await self._watch(situation.id)
        if watch.escalation_proposed_at is not None:
            return None
        proposal = await self._first_rule_that_fires(situation, alert)
        if proposal is None:
            return None
        watch.escalation_proposed_at = self._clock.now()
        await self._log.append(
            situation.id,
            EntryKind.ESCALATION_PROPOSED,
            BOT_ACTOR,
            EscalationProposedPayload(rule=proposal.rule, **proposal.evidence),
        )
        await self._notifier.escalation_proposed(situation, proposal)
        return proposal

    async def propose_lauwe_fase(self, alert: AlertRecord) -> Proposal | None:
        """Propose the lauwe fase at once for an insolvency notice (``alert``) about a
        supplier on which a vital process depends, instead of waiting until someone tracks
        the alert and the lauwe fase's own rules fire.

        Nothing happens when no vital process depends on the supplier, when the vital rule
        is off, or when the alert joined a situation already past the signal phase (its
        own escalation rules see the alert). Called once per new notice by its poller.
        """
        if not self.policy.propose_on_vital:
            return None
        situation = (
            await self._session.get(SituationRecord, alert.situation_id)
            if alert.situation_id is not None
            else None
        )
        if situation is not None and situation.phase != Phase.SIGNAL.value:
            return None
        vital = await self._vital_processes(alert.supplier)
        if not vital:
            return None
        evidence = Evidence(alert_id=alert.id, title=alert.title, processes=vital)
        proposal = Proposal("insolvency_vital", evidence, alert.id)
        if situation is not None:
            await self._log.append(
                situation.id,
                EntryKind.ESCALATION_PROPOSED,
                BOT_ACTOR,
                EscalationProposedPayload(rule=proposal.rule, **evidence),
            )
        await self._notifier.lauwe_fase_proposed(alert, situation, proposal)
        return proposal

    async def _first_rule_that_fires(
        self, situation: SituationRecord, alert: AlertRecord | None
    ) -> Proposal | None:
        policy = self.policy
        latest = alert or await self._latest_alert(situation.id)
        latest_id = latest.id if latest else None
        if policy.propose_severity is not None:
            severe = await self._session.scalar(
                select(AlertRecord)
                .where(
                    AlertRecord.situation_id == situation.id,
                    AlertRecord.severity <= policy.propose_severity.value,  # "S1" < "S2"
                )
                .order_by(AlertRecord.id.desc())
                .limit(1)
            )
            if severe is not None:
                return Proposal(
                    "severity",
                    Evidence(alert_id=severe.id, severity=severe.severity, title=severe.title),
                    severe.id,
                )
        if policy.propose_alert_count > 0:
            since = self._clock.now() - policy.propose_window
            count = await self._session.scalar(
                select(func.count())
                .select_from(AlertRecord)
                .where(
                    func.lower(AlertRecord.supplier) == situation.supplier.lower(),
                    AlertRecord.received_at >= since,
                    # Exercise alerts count only for exercises, real ones only for real
                    # situations: a drill of the supplier must not push a real one on.
                    AlertRecord.exercise.is_(situation.is_exercise),
                )
            )
            if (count or 0) >= policy.propose_alert_count:
                hours = policy.propose_window.total_seconds() / 3600
                evidence = Evidence(count=count or 0, hours=f"{hours:g}")
                return Proposal("alert_count", evidence, latest_id)
        if policy.propose_on_vital:
            vital = await self._vital_processes(situation.supplier)
            if vital:
                return Proposal("vital_process", Evidence(processes=vital), latest_id)
        return None

    async def _vital_processes(self, supplier_name: str) -> list[str]:
        supplier = await self._suppliers.find(supplier_name)
        if supplier is None:
            return []
        view = await self._suppliers.view(supplier)
        return [
            f"{dependency.organisation} / {dependency.process} ({service.service.name})"
            for service in view.services
            for dependency in service.dependencies
            if dependency.criticality == Criticality.VITAL.value
        ]

    async def _latest_alert(self, situation_id: int) -> AlertRecord | None:
        return await self._session.scalar(
            select(AlertRecord)
            .where(AlertRecord.situation_id == situation_id)
            .order_by(AlertRecord.id.desc())
            .limit(1)
        )

    # --- timers ---

    async def checkin_due(self, situation_id: int) -> None:
        """A check-in came due: ask the owner, expect an answer within the grace period."""
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None or situation.phase != Phase.LAUWE_FASE.value:
            return  # left the lauwe fase meanwhile
        now = self._clock.now()
        watch = await self._watch(situation.id)
        watch.checkin_asked_at = now
        await self._notifier.checkin_requested(situation, await self.owner_of(situation))
        await OVERDUE_TIMER.schedule(
            self._timers,
            now + self.policy.checkin_grace,
            ForSituation(situation_id=situation.id),
            key=overdue_key(situation.id),
        )
        # The cadence goes on whether or not anyone answers; an update moves it.
        await self._schedule_checkin(situation.id, now + self.policy.checkin_interval)

    async def checkin_overdue(self, situation_id: int) -> None:
        """The grace period ended: remind the owner once, unless an update came meanwhile."""
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None or situation.phase != Phase.LAUWE_FASE.value:
            return
        watch = await self._watch(situation.id)
        asked = watch.checkin_asked_at
        if asked is None or (watch.last_update_at is not None and watch.last_update_at >= asked):
            return
        await self._notifier.checkin_overdue(situation, await self.owner_of(situation), asked)

    async def _schedule_checkin(self, situation_id: int, due_at: datetime) -> None:
        await CHECKIN_TIMER.schedule(
            self._timers,
            due_at,
            ForSituation(situation_id=situation_id),
            key=checkin_key(situation_id),
        )

    # --- the situational picture ---

    async def picture(self) -> list[SituationPicture]:
        """Every situation that is not closed, in lifecycle order of phase, oldest first."""
        situations = list(
            await self._session.scalars(
                select(SituationRecord)
                .where(SituationRecord.phase != Phase.CLOSED.value)
                .order_by(SituationRecord.opened_at, SituationRecord.id)
            )
        )
        ids = [situation.id for situation in situations]
        watches = {
            watch.situation_id: watch
            for watch in await self._session.scalars(
                select(SituationWatchRecord).where(SituationWatchRecord.situation_id.in_(ids))
            )
        }
        checkins = {
            timer.key: timer.due_at
            for timer in await self._session.scalars(
                select(TimerRecord).where(
                    TimerRecord.key.in_([checkin_key(i) for i in ids]),
                    TimerRecord.fired_at.is_(None),
                    TimerRecord.cancelled_at.is_(None),
                )
            )
        }
        now = self._clock.now()
        order = list(Phase)
        situations.sort(key=lambda situation: order.index(Phase(situation.phase)))
        pictures = []
        for situation in situations:
            watch = watches.get(situation.id)
            pictures.append(
                SituationPicture(
                    situation=situation,
                    age=now - situation.opened_at,
                    owner=(watch.owner if watch else None) or situation.opened_by,
                    last_update_at=watch.last_update_at if watch else None,
                    last_update_by=watch.last_update_by if watch else None,
                    next_checkin=checkins.get(checkin_key(situation.id)),
                )
            )
        return pictures

    # --- helpers ---

    async def _open_situation(self, situation_id: int) -> SituationRecord:
        situation = await self._session.get(SituationRecord, situation_id)
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        if situation.phase == Phase.CLOSED.value:
            raise SituationClosed(situation_id=situation_id)
        return situation

    async def _watch(self, situation_id: int) -> SituationWatchRecord:
        watch = await self._session.get(SituationWatchRecord, situation_id)
        if watch is None:
            watch = SituationWatchRecord(situation_id=situation_id)
            self._session.add(watch)
            await self._session.flush()
        return watch
