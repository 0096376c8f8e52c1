"""Receiving alerts: de-duplication, attaching to open situations, acknowledge and resolve."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.grouping import AlertGrouper
from bot.alerts.lookups import AlertLookups
from bot.alerts.model import IncomingAlert, Severity
from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import AlertAttachedPayload
from bot.errors import AlertAlreadyAcknowledged, AlertAlreadyResolved, AlertNotFound
from bot.situations.phases import QUIET_PHASES
from bot.storage.models import AlertRecord, SituationRecord, SnoozeRecord
from bot.suppliers.names import normalise

log = logging.getLogger(__name__)


class AlertStatus(StrEnum):
    """Where an alert stands: new, seen by someone, or over."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertNotifier(Protocol):
    """Tells the taskforce about alerts, within the same transaction."""

    async def alert_received(self, alert: AlertRecord) -> int | None:
        """Announce ``alert`` (it is already stored); returns a reference to the notice."""
        ...

    async def alert_changed(self, alert: AlertRecord) -> None:
        """Show the new state of ``alert`` on its notice (acknowledged, resolved, attached)."""
        ...

    async def alerts_grouped(
        self,
        supplier: str,
        alerts: Sequence[AlertRecord],
        window_seconds: int,
        replaces: int | None = None,
    ) -> int | None:
        """Announce ``alerts`` for ``supplier`` that arrived within one window, in one post,
        each with its current state; with ``replaces`` (the summary's reference) edit that
        post instead. Returns a reference to the summary."""
        ...


class SnoozeCheck(Protocol):
    """Says whether an alert arrives during a snooze (see bot/alerts/snooze.py)."""

    async def covering(self, alert: AlertRecord) -> SnoozeRecord | None:
        """The active snooze that holds ``alert`` back, if any."""
        ...


class SupplierNames(Protocol):
    """Every name the registry knows a supplier by (see bot/suppliers/registry.py)."""

    async def names_of(self, supplier: str) -> list[str]:
        """The registry name and aliases of ``supplier``; ``[supplier]`` if unknown."""
        ...


async def names_of(suppliers: SupplierNames | None, supplier: str) -> list[str]:
    """Every registry name of ``supplier``; just ``supplier`` without a registry."""
    return [supplier] if suppliers is None else await suppliers.names_of(supplier)


class AttachObserver(Protocol):
    """Reacts to an alert joining a situation, after its notice (e.g. proposes escalation)."""

    async def alert_attached(self, alert: AlertRecord, situation: SituationRecord) -> None:
        """``alert`` was attached to ``situation``."""
        ...


_SEPARATOR = "\x1f"


def dedup_key(source: str, external_id: str | None, exercise: bool = False) -> str | None:
    """The de-duplication key: the source's own id is unique within that source only.

    Distinct ``(source, external_id, exercise)`` never share a key, and every key holds
    the separator (a supplier's snooze key never does). A real alert's is normally
    ``<source>\x1f<id>``: the first separator ends the source, so an id may hold more. A
    source that holds one itself (``POST /alerts`` lets the sender name it) or is empty
    would be ambiguous, and an exercise alert must never be a repeat of a real one (nor
    a real one of it) whatever ids a drill reuses: those get ``\x1f`` and a digest of all
    three instead, which no ``<source>\x1f<id>`` key can be (that starts with a source).
    Keys already stored keep matching.
    """
    if external_id is None:
        return None
    if source and _SEPARATOR not in source and not exercise:
        return f"{source}{_SEPARATOR}{external_id}"
    digest = hashlib.sha256(json.dumps([source, external_id, exercise]).encode()).hexdigest()
    return f"{_SEPARATOR}{digest}"


class AlertService:
    """Stores alerts, folds repeats into the first one and announces what is new."""

    def __init__(
        self,
        session: AsyncSession,
        notifier: AlertNotifier,
        log: SituationLog,
        grouper: AlertGrouper,
        clock: Clock,
        snoozes: SnoozeCheck,
        lookups: AlertLookups,
        *,
        suppliers: SupplierNames | None = None,
        attach_observer: AttachObserver | None = None,
    ) -> None:
        self._session = session
        self._suppliers = suppliers
        self._lookups = lookups
        self._snoozes = snoozes
        self._notifier = notifier
        self._log = log
        self._grouper = grouper
        self._clock = clock
        self._attach_observer = attach_observer

    async def receive(self, incoming: IncomingAlert, *, flush: bool = True) -> AlertRecord:
        """Persist ``incoming`` and queue its announcement (unless a snooze holds it back);
        returns the stored alert.

        A repeat of an unresolved alert (same source and external id) only raises its
        count and last-seen time: ``count > 1`` on the result tells the caller so.
        With ``flush=False`` a new alert is inserted with the session's next flush (a batch
        of intake requests inserts all its alerts in one statement), so its id may be
        None until then; it is flushed at once where its id is needed now (a post, a log
        entry).
        """
        now = self._clock.now()
        key = dedup_key(incoming.source, incoming.external_id, incoming.exercise)
        if key is not None:
            existing = await self._by_dedup_key(key)
            if existing is not None:
                existing.count += 1
                existing.last_seen_at = now
                if existing.situation_id is None and (situation := await self._attach(existing)):
                    await self._show_changes([existing])
                    await self._attached(existing, situation)
                return existing
        alert = AlertRecord(
            source=incoming.source,
            supplier=incoming.supplier,
            severity=incoming.severity.value,
            title=incoming.title,
            details=incoming.details,
            links=[str(url) for url in incoming.links],
            external_id=incoming.external_id,
            received_at=now,
            dedup_key=key,
            count=1,
            last_seen_at=now,
            status=AlertStatus.OPEN.value,
            exercise=incoming.exercise,
        )
        self._session.add(alert)
        if flush:
            await self._session.flush()
        if key is not None:
            self._lookups.remember_alert(key, alert)
        situation = await self._attach(alert)
        snooze = await self._snoozes.covering(alert)
        if snooze is not None:
            # Held back for the snooze's summary; S1 is too severe to wait and is posted
            # on its own at once (the notice shows it arrived during the snooze).
            alert.snooze_id = snooze.id
            if alert.severity == Severity.S1:
                alert.notice_outbox_id = await self._announce(alert)
        elif await self._grouper.admit(alert):
            alert.notice_outbox_id = await self._announce(alert)
        if situation is not None:
            await self._attached(alert, situation)
        return alert

    async def settle(self) -> None:
        """Write what ``receive(flush=False)`` left in memory: the new alerts, then their
        ids in their suppliers' grouping windows. Called before the transaction (or a
        batch's savepoint) ends."""
        if self._grouper.unsettled:
            await self._session.flush()  # the alerts' ids, in one INSERT
            self._grouper.settle()

    def discard_unsettled(self) -> None:
        """Forget what a rolled-back savepoint undid before it was settled."""
        self._grouper.discard_unsettled()

    async def _announce(self, alert: AlertRecord) -> int | None:
        if alert.id is None:
            await self._session.flush()  # the post shows the alert's id
        return await self._notifier.alert_received(alert)

    async def announce_group(self, supplier: str, alert_ids: Sequence[int]) -> None:
        """Post the summary of a supplier's window; a non-empty one opens the next window.

        A window holds exercise alerts only or real ones only (``group_key``); one whose
        alerts are all gone (an exercise purged meanwhile) has nothing to say.
        """
        if not alert_ids:
            return
        alerts = list(
            await self._session.scalars(
                select(AlertRecord).where(AlertRecord.id.in_(alert_ids)).order_by(AlertRecord.id)
            )
        )
        if not alerts:
            return
        window = int(self._grouper.window.total_seconds())
        summary = await self._notifier.alerts_grouped(supplier, alerts, window)
        for alert in alerts:
            alert.summary_outbox_id = summary
        await self._grouper.open_window(supplier, alerts[0].exercise)

    async def acknowledge(self, alert_id: int, actor: str) -> AlertRecord:
        """Record that ``actor`` has seen the alert and is on it."""
        alert = await self.get(alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise AlertAlreadyResolved(alert_id=alert.id, actor=alert.resolved_by)
        if alert.status == AlertStatus.ACKNOWLEDGED:
            raise AlertAlreadyAcknowledged(alert_id=alert.id, actor=alert.acknowledged_by)
        self._mark_acknowledged(alert, actor)
        await self._show_changes([alert])
        return alert

    async def resolve(self, alert_id: int, actor: str) -> AlertRecord:
        """Record that the alert is over; a later repeat of its external id is a new alert."""
        alert = await self.get(alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise AlertAlreadyResolved(alert_id=alert.id, actor=alert.resolved_by)
        self._mark_resolved(alert, actor)
        await self._show_changes([alert])
        return alert

    async def acknowledge_all(self, alerts: Sequence[AlertRecord], actor: str) -> list[AlertRecord]:
        """Acknowledge the open ones among ``alerts`` at once; returns those it changed.

        Each announcement (notice or summary) is edited once, and the bulk action is logged
        with who and how many.
        """
        changed = [alert for alert in alerts if alert.status == AlertStatus.OPEN]
        for alert in changed:
            self._mark_acknowledged(alert, actor)
        await self._show_changes(changed)
        log.info("bulk acknowledge by %s: %d alerts %s", actor, len(changed), _ids(changed))
        return changed

    async def resolve_all(self, alerts: Sequence[AlertRecord], actor: str) -> list[AlertRecord]:
        """Resolve the unresolved ones among ``alerts`` at once; returns those it changed
        (edited and logged like ``acknowledge_all``)."""
        changed = [alert for alert in alerts if alert.status != AlertStatus.RESOLVED]
        for alert in changed:
            self._mark_resolved(alert, actor)
        await self._show_changes(changed)
        log.info("bulk resolve by %s: %d alerts %s", actor, len(changed), _ids(changed))
        return changed

    async def open_of_supplier(self, supplier: str, exercise: bool = False) -> list[AlertRecord]:
        """The supplier's open (not acknowledged, not resolved) alerts, oldest first: its
        real ones, or with ``exercise`` its exercise alerts (never both together)."""
        alerts = await self._session.scalars(
            select(AlertRecord)
            .where(
                AlertRecord.status == AlertStatus.OPEN.value,
                AlertRecord.exercise.is_(exercise),
            )
            .order_by(AlertRecord.id)
        )
        # Names are compared normalised (case, white space), which SQL cannot do portably.
        wanted = normalise(supplier)
        return [alert for alert in alerts if normalise(alert.supplier) == wanted]

    async def of_summary(self, summary: int) -> list[AlertRecord]:
        """The alerts a grouped summary (its outbox row) announced, in order."""
        return list(
            await self._session.scalars(
                select(AlertRecord)
                .where(AlertRecord.summary_outbox_id == summary)
                .order_by(AlertRecord.id)
            )
        )

    def _mark_acknowledged(self, alert: AlertRecord, actor: str) -> None:
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_by = actor
        alert.acknowledged_at = self._clock.now()

    def _mark_resolved(self, alert: AlertRecord, actor: str) -> None:
        alert.status = AlertStatus.RESOLVED.value
        alert.resolved_by = actor
        alert.resolved_at = self._clock.now()
        if alert.dedup_key is not None:
            self._lookups.remember_alert(alert.dedup_key, None)
        alert.dedup_key = None

    async def find_unresolved(self, source: str, external_id: str) -> AlertRecord | None:
        """The unresolved alert a source knows as ``external_id``, if any."""
        key = dedup_key(source, external_id)
        assert key is not None  # an external id gives a key
        preloaded, alert = self._lookups.alert(key)
        if preloaded:
            if alert is not None and alert.id is None:
                await self._session.flush()  # received unflushed; callers go by its id
            return alert
        return await self._session.scalar(select(AlertRecord).where(AlertRecord.dedup_key == key))

    async def _by_dedup_key(self, key: str) -> AlertRecord | None:
        """The unresolved alert with ``key``, locked."""
        preloaded, alert = self._lookups.alert(key)
        if preloaded:
            return alert
        # Locked: on PostgreSQL concurrent repeats run in parallel transactions, and a
        # read-then-write count without the lock loses increments.
        return await self._session.scalar(
            select(AlertRecord).where(AlertRecord.dedup_key == key).with_for_update()
        )

    async def get(self, alert_id: int) -> AlertRecord:
        """The alert with ``alert_id``; raises AlertNotFound."""
        alert = await self._session.get(AlertRecord, alert_id)
        if alert is None:
            raise AlertNotFound(alert_id=alert_id)
        return alert

    async def open_situation_of(
        self, supplier: str, exercise: bool = False
    ) -> SituationRecord | None:
        """The supplier's newest situation not in evaluation or closed (exercise or real).

        A situation opened under another of the supplier's registry names counts: after
        a rename that kept the old name as an alias, the supplier's new alerts (stored
        under the new name) still join the situation opened under the old one.
        """
        names = await names_of(self._suppliers, supplier)
        found = [await self._open_situation_named(name, exercise) for name in names]
        return max(
            (situation for situation in found if situation is not None),
            key=lambda situation: (situation.opened_at, situation.id),
            default=None,
        )

    async def _open_situation_named(self, supplier: str, exercise: bool) -> SituationRecord | None:
        preloaded, situation = self._lookups.situation(supplier, exercise)
        if preloaded:
            return situation
        return await self._session.scalar(
            select(SituationRecord)
            .where(
                func.lower(SituationRecord.supplier) == supplier.lower(),
                SituationRecord.is_exercise == exercise,
                SituationRecord.phase.not_in([phase.value for phase in QUIET_PHASES]),
            )
            .order_by(SituationRecord.opened_at.desc(), SituationRecord.id.desc())
            .limit(1)
        )

    async def _show_changes(self, alerts: Sequence[AlertRecord]) -> None:
        """Edit what announced ``alerts``: their own notices, and once each summary that
        covered some of them."""
        for alert in alerts:
            await self._notifier.alert_changed(alert)
        window = int(self._grouper.window.total_seconds())
        for summary in dict.fromkeys(a.summary_outbox_id for a in alerts):
            if summary is not None:
                covered = await self.of_summary(summary)
                await self._notifier.alerts_grouped(covered[0].supplier, covered, window, summary)

    async def _attached(self, alert: AlertRecord, situation: SituationRecord) -> None:
        if self._attach_observer is not None:
            await self._attach_observer.alert_attached(alert, situation)

    async def _attach(self, alert: AlertRecord) -> SituationRecord | None:
        """Attach ``alert`` to its supplier's open situation, if there is one, and log it."""
        situation = await self.open_situation_of(alert.supplier, alert.exercise)
        if situation is None:
            return None
        if alert.id is None:
            await self._session.flush()  # the log entry names the alert's id
        alert.situation_id = situation.id
        await self._log.append(
            situation.id,
            EntryKind.ALERT_ATTACHED,
            alert.source,
            AlertAttachedPayload(
                alert_id=alert.id,
                supplier=alert.supplier,
                severity=alert.severity,
                title=alert.title,
            ),
        )
        return situation


def _ids(alerts: Sequence[AlertRecord]) -> list[int]:
    return [alert.id for alert in alerts]
