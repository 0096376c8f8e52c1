"""The composition of domain services for one transaction.

Adapters (chat commands, the HTTP intake, the CLI) open ``ServiceFactory.transaction()``
and call the services inside; everything they change commits or rolls back together,
including the messages queued in the outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.grouping import AlertGrouper
from bot.alerts.heartbeat import HeartbeatPolicy, Heartbeats, SourceNotifier
from bot.alerts.lookups import AlertLookups
from bot.alerts.service import AlertNotifier, AlertService
from bot.alerts.snooze import ActiveSnoozes, SnoozeNotifier, SnoozeService
from bot.clock import Clock
from bot.config import DEFAULT_PUBLIC_ROLES, FallbackSettings
from bot.decisionlog.actions import ActionService
from bot.decisionlog.decisions import DecisionService
from bot.decisionlog.drafts import DecisionDrafts
from bot.decisionlog.integrity import ChainGuard, ChainNotifier
from bot.decisionlog.log import SituationLog
from bot.decisionlog.presence import RoomPresence, UnknownPresence
from bot.exercises.starter import ExerciseStarter
from bot.matrix.outbox import CommitHook, Outbox
from bot.matrix.room_operations import QueuedRoomOperations
from bot.matrix.summary import IncidentSummaries
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.runs import PlaybookPolicy, PlaybookRunService
from bot.polling.state import PollNotifier, PollStates
from bot.reports.data import People, ReportService
from bot.retention.exports import Exports
from bot.scheduling.timers import Timers
from bot.situations.roles import IncidentRoles, ListedTaskforce, Taskforce
from bot.situations.service import SituationNotifier, SituationService
from bot.situations.sitreps import SitrepService
from bot.situations.watch import WatchNotifier, WatchPolicy, WatchService
from bot.storage.db import Database
from bot.storage.handled import HandledEvents
from bot.storage.receipts import Receipts
from bot.suppliers.drills import DrillNotifier, DrillPlanner
from bot.suppliers.fallbacks import FallbackService
from bot.suppliers.improvements import Improvements
from bot.suppliers.registry import SupplierRegistry
from bot.suppliers.tabletop import TabletopDrafts
from bot.suppliers.weekly import DigestNotifier, WeeklyDigest


class Notifier(
    AlertNotifier,
    SnoozeNotifier,
    SituationNotifier,
    WatchNotifier,
    PollNotifier,
    ChainNotifier,
    SourceNotifier,
    DrillNotifier,
    DigestNotifier,
    Protocol,
):
    """Everything the domain announces."""


@dataclass(frozen=True)
class Services:
    """The domain services bound to one transaction."""

    session: AsyncSession
    clock: Clock
    outbox: Outbox
    handled_events: HandledEvents
    receipts: Receipts
    alerts: AlertService
    alert_lookups: AlertLookups
    snoozes: SnoozeService
    situations: SituationService
    log: SituationLog
    chains: ChainGuard
    decisions: DecisionService
    actions: ActionService
    decision_drafts: DecisionDrafts
    tabletops: TabletopDrafts
    presence: RoomPresence
    playbook_runs: PlaybookRunService
    roles: IncidentRoles
    sitreps: SitrepService
    reports: ReportService
    timers: Timers
    suppliers: SupplierRegistry
    fallbacks: FallbackService
    drills: DrillPlanner
    digest: WeeklyDigest
    watch: WatchService
    polls: PollStates
    heartbeats: Heartbeats
    exports: Exports
    summaries: IncidentSummaries
    # Set by the running bot; None where exercises cannot be started (tools, tests).
    exercises: ExerciseStarter | None = None


class ServiceFactory:
    """Builds ``Services`` for a transaction from the long-lived parts of the bot."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        notifier_for: Callable[[Outbox], Notifier],
        taskforce: Sequence[str],
        playbooks: PlaybookCatalog,
        on_outbox_commit: CommitHook,
        alert_group_window: timedelta = timedelta(0),
        playbook_policy: PlaybookPolicy | None = None,
        presence: RoomPresence | None = None,
        watch_policy: WatchPolicy | None = None,
        sitrep_interval: timedelta | None = None,
        access: Taskforce | None = None,
        heartbeat_policy: HeartbeatPolicy | None = None,
        public_roles: Sequence[str] = DEFAULT_PUBLIC_ROLES,
        fallbacks: FallbackSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self._notifier_for = notifier_for
        self._taskforce = tuple(taskforce)
        self._playbooks = playbooks
        self._on_outbox_commit = on_outbox_commit
        self._alert_group_window = alert_group_window
        self._playbook_policy = playbook_policy or PlaybookPolicy()
        self._presence = presence or UnknownPresence()
        self._watch_policy = watch_policy or WatchPolicy()
        self._sitrep_interval = sitrep_interval
        self._access = access or ListedTaskforce(self._taskforce)
        self._heartbeat_policy = heartbeat_policy or HeartbeatPolicy()
        self._people = People(self._access, frozenset(public_roles))
        self._fallbacks = fallbacks or FallbackSettings()
        self.exercises: ExerciseStarter | None = None

    @property
    def playbooks(self) -> PlaybookCatalog:
        """The playbook catalogue runs are replayed against."""
        return self._playbooks

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Services]:
        """Services sharing one transaction; committed when the block ends without error."""
        async with self.db.transaction() as session:
            outbox = Outbox(session, self.clock, self._on_outbox_commit)
            timers = Timers(session, self.clock)
            notifier = self._notifier_for(outbox)
            log = SituationLog(session, self.clock)
            lookups = AlertLookups(session, timers)
            grouper = AlertGrouper(timers, self.clock, self._alert_group_window, lookups)
            suppliers = SupplierRegistry(session, self.clock)
            actions = ActionService(log, timers, self.clock)
            watch = WatchService(
                session, log, timers, suppliers, notifier, self.clock, self._watch_policy
            )
            active_snoozes = ActiveSnoozes(session, self.clock, suppliers)
            alerts = AlertService(
                session,
                notifier,
                log,
                grouper,
                self.clock,
                active_snoozes,
                lookups,
                suppliers=suppliers,
                attach_observer=watch,
            )
            decisions = DecisionService(log, timers, self.clock)
            # Homeserver changes are queued with the transaction, performed after commit.
            room_operations = QueuedRoomOperations(outbox)
            roles = IncidentRoles(session, log, room_operations, self._presence, self._access)
            sitreps = SitrepService(log, timers, self.clock, self._sitrep_interval)
            situations = SituationService(
                session,
                alerts,
                log,
                room_operations,
                notifier,
                timers,
                self._taskforce,
                self.clock,
                sitreps,
                phase_observers=[watch],
            )
            playbook_runs = PlaybookRunService(
                session,
                log,
                decisions,
                self._playbooks,
                timers,
                self.clock,
                self._playbook_policy,
                roles,
            )
            improvements = Improvements(session, timers, self.clock)
            fallbacks = FallbackService(
                session,
                suppliers,
                self.clock,
                self._fallbacks,
                self._access,
                log,
                actions,
                improvements,
                self._playbook_policy.timezone,
            )
            drills = DrillPlanner(
                session,
                timers,
                self.clock,
                fallbacks,
                self._access,
                notifier,
                improvements,
                log,
                self._playbook_policy.timezone,
            )
            services = Services(
                session=session,
                clock=self.clock,
                outbox=outbox,
                handled_events=HandledEvents(session, self.clock),
                receipts=Receipts(session),
                alerts=alerts,
                alert_lookups=lookups,
                snoozes=SnoozeService(
                    session, alerts, active_snoozes, timers, log, notifier, self.clock
                ),
                situations=situations,
                log=log,
                chains=ChainGuard(session, log, notifier),
                decisions=decisions,
                actions=actions,
                decision_drafts=DecisionDrafts(session, self.clock),
                tabletops=TabletopDrafts(session, self.clock),
                presence=self._presence,
                playbook_runs=playbook_runs,
                roles=roles,
                sitreps=sitreps,
                reports=ReportService(session, log, self._playbooks, self._people),
                timers=timers,
                suppliers=suppliers,
                fallbacks=fallbacks,
                drills=drills,
                digest=WeeklyDigest(
                    timers,
                    self.clock,
                    fallbacks,
                    drills,
                    self._fallbacks,
                    self._playbook_policy.timezone,
                    notifier,
                ),
                watch=watch,
                polls=PollStates(session, notifier, self.clock),
                heartbeats=Heartbeats(
                    session, alerts, notifier, self.clock, self._heartbeat_policy
                ),
                exports=Exports(session, self.clock),
                summaries=IncidentSummaries(session, outbox, situations, roles, playbook_runs),
                exercises=self.exercises,
            )
            yield services
            await services.receipts.settle()
            await alerts.settle()
            # Before commit, once per transaction: each situation that got a log entry gets
            # its summary brought up to date with everything the transaction changed.
            for situation_id in sorted(log.touched):
                await services.summaries.refresh(situation_id)
