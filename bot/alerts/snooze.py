"""Snoozing: alerts of a supplier (or repeats of one alert) are stored but not posted.

While a snooze is active, matching new alerts are stored, counted and tagged with the
snooze instead of being posted; S1 alerts are still posted, marked as arriving during
the snooze. When the snooze ends (its durable timer at ``until``, or someone ending it
early) one summary of what arrived meanwhile is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.service import AlertService, SupplierNames, dedup_key, names_of
from bot.alerts.timers import SNOOZE_END_TIMER, SnoozeEnd
from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import SnoozedPayload, SnoozeEndedPayload
from bot.errors import NotSnoozed, SnoozeNeedsSourceId
from bot.scheduling.timers import Timers
from bot.storage.models import AlertRecord, SnoozeRecord
from bot.suppliers.names import normalise

log = logging.getLogger(__name__)


class SnoozeKind(StrEnum):
    """What a snooze pauses: all of a supplier's alerts, or the repeats of one alert."""

    SUPPLIER = "supplier"
    ALERT = "alert"


def snooze_timer_key(snooze_id: int) -> str:
    """The key of the timer that ends snooze ``snooze_id``."""
    return f"alerts:snooze:{snooze_id}"


class SnoozeNotifier(Protocol):
    """Tells the taskforce what arrived while a snooze held alerts back."""

    async def snooze_ended(self, snooze: SnoozeRecord, alerts: Sequence[AlertRecord]) -> None:
        """Post one summary of ``alerts`` (those that arrived during ``snooze``)."""
        ...


class ActiveSnoozes:
    """Finds the snoozes in force; what the alert intake asks before posting."""

    def __init__(
        self, session: AsyncSession, clock: Clock, suppliers: SupplierNames | None = None
    ) -> None:
        self._session = session
        self._clock = clock
        self._suppliers = suppliers
        # The snoozes not ended, soonest ending first, read once per transaction: a batch
        # of intake requests asks for every alert. A snooze ended meanwhile shows it on
        # the record itself; ``forget`` is called when one is started or moved.
        self._unended: list[SnoozeRecord] | None = None

    async def covering(self, alert: AlertRecord) -> SnoozeRecord | None:
        """The active snooze that holds ``alert`` back, if any (the supplier's first).

        A supplier's snooze holds back its real alerts only: a drill is no noise to
        silence, and its alerts stay out of the summary (and the count logged in the real
        situation). A snooze of one alert holds back repeats of the same kind
        (``dedup_key``).
        """
        # Supplier keys and alert identities never clash: a normalised name has no \x1f
        # (str.split treats it as white space), every identity does.
        keys = set() if alert.exercise else set(await self.supplier_keys(alert.supplier))
        if (key := dedup_key(alert.source, alert.external_id, alert.exercise)) is not None:
            keys.add(key)
        if self._unended is None:
            self._unended = await self._not_ended()
        now = self._clock.now()
        for snooze in self._unended:
            if snooze.ended_at is None and snooze.until > now and snooze.match_key in keys:
                return snooze
        return None

    async def supplier_keys(self, supplier: str) -> list[str]:
        """The match keys of ``supplier``'s snooze: one per registry name of it, so a
        snooze started before a rename (under the name now kept as an alias) still holds
        the supplier's alerts and can still be ended by either name."""
        names = await names_of(self._suppliers, supplier)
        return list(dict.fromkeys(normalise(name) for name in names))

    async def of_supplier(self, supplier: str) -> SnoozeRecord | None:
        """The active snooze of ``supplier`` under any of its registry names, if any."""
        for key in await self.supplier_keys(supplier):
            snooze = await self.of_target(SnoozeKind.SUPPLIER, key)
            if snooze is not None:
                return snooze
        return None

    def forget(self) -> None:
        """Read the snoozes again next time: one was started or its end moved."""
        self._unended = None

    async def of_target(self, kind: SnoozeKind, match_key: str) -> SnoozeRecord | None:
        """The active snooze of one target, if any (there is at most one)."""
        found = await self.all(
            SnoozeRecord.target_kind == kind.value, SnoozeRecord.match_key == match_key
        )
        return found[0] if found else None

    async def all(self, *conditions: ColumnElement[bool]) -> list[SnoozeRecord]:
        """Active snoozes (meeting ``conditions``), soonest ending first."""
        return await self._not_ended(SnoozeRecord.until > self._clock.now(), *conditions)

    async def _not_ended(self, *conditions: ColumnElement[bool]) -> list[SnoozeRecord]:
        rows = await self._session.scalars(
            select(SnoozeRecord)
            .where(SnoozeRecord.ended_at.is_(None), *conditions)
            .order_by(SnoozeRecord.until, SnoozeRecord.id)
        )
        return list(rows)


class SnoozeService:
    """Starts and ends snoozes, logging who and why, and summarises what they held back."""

    def __init__(
        self,
        session: AsyncSession,
        alerts: AlertService,
        active: ActiveSnoozes,
        timers: Timers,
        situation_log: SituationLog,
        notifier: SnoozeNotifier,
        clock: Clock,
    ) -> None:
        self._session = session
        self._alerts = alerts
        self._active = active
        self._timers = timers
        self._log = situation_log
        self._notifier = notifier
        self._clock = clock

    async def snooze_supplier(
        self, supplier: str, until: datetime, actor: str, reason: str
    ) -> SnoozeRecord:
        """Hold back ``supplier``'s new alerts until ``until``."""
        existing = await self._active.of_supplier(supplier)
        return await self._start(
            SnoozeKind.SUPPLIER,
            supplier,
            normalise(supplier),
            supplier,
            until,
            actor,
            reason,
            existing,
        )

    async def snooze_alert(
        self, alert_id: int, until: datetime, actor: str, reason: str
    ) -> SnoozeRecord:
        """Hold back new alerts with the identity of alert ``alert_id`` (its source and
        the source's own id) until ``until``; raises SnoozeNeedsSourceId without one."""
        alert = await self._alerts.get(alert_id)
        key = dedup_key(alert.source, alert.external_id, alert.exercise)
        if key is None:
            raise SnoozeNeedsSourceId(alert_id=alert_id, supplier=alert.supplier)
        existing = await self._active.of_target(SnoozeKind.ALERT, key)
        return await self._start(
            SnoozeKind.ALERT, f"#{alert.id}", key, alert.supplier, until, actor, reason, existing
        )

    async def active(self) -> list[SnoozeRecord]:
        """Every active snooze, soonest ending first."""
        return await self._active.all()

    async def unsnooze_supplier(self, supplier: str, actor: str) -> tuple[SnoozeRecord, int]:
        """End ``supplier``'s snooze now and post its summary; raises NotSnoozed.
        Returns the snooze and how many alerts arrived during it."""
        return await self._unsnooze(await self._active.of_supplier(supplier), supplier, actor)

    async def unsnooze_alert(self, alert_id: int, actor: str) -> tuple[SnoozeRecord, int]:
        """End the snooze of alert ``alert_id`` now, like ``unsnooze_supplier``."""
        alert = await self._alerts.get(alert_id)
        key = dedup_key(alert.source, alert.external_id, alert.exercise) or ""
        snooze = await self._active.of_target(SnoozeKind.ALERT, key)
        return await self._unsnooze(snooze, f"#{alert_id}", actor)

    async def expire(self, snooze_id: int) -> None:
        """The snooze's time is up: end it and post its summary (once; ended ones stay)."""
        snooze = await self._session.get(SnoozeRecord, snooze_id)
        if snooze is not None and snooze.ended_at is None:
            await self._end(snooze, None)

    async def _unsnooze(
        self, snooze: SnoozeRecord | None, shown: str, actor: str
    ) -> tuple[SnoozeRecord, int]:
        if snooze is None:
            raise NotSnoozed(target=shown)
        await self._timers.cancel(snooze_timer_key(snooze.id))
        # Locked and read afresh after the timer (the order the timer's own run takes, so
        # the two cannot deadlock): a concurrent !unsnooze or the timer firing may have
        # ended it since it was found, and its summary is posted once.
        await self._session.refresh(snooze, with_for_update=True)
        if snooze.ended_at is not None:
            raise NotSnoozed(target=shown)
        return snooze, await self._end(snooze, actor)

    async def _start(
        self,
        kind: SnoozeKind,
        target: str,
        match_key: str,
        supplier: str,
        until: datetime,
        actor: str,
        reason: str,
        existing: SnoozeRecord | None,
    ) -> SnoozeRecord:
        # At most one active snooze per target (``existing``): snoozing again moves its end
        # and reason, so one summary still covers everything held back since it began.
        snooze = existing
        if snooze is None:
            snooze = SnoozeRecord(
                target_kind=kind.value,
                target=target,
                match_key=match_key,
                supplier=supplier,
                started_at=self._clock.now(),
            )
            self._session.add(snooze)
        snooze.until, snooze.created_by, snooze.reason = until, actor, reason
        await self._session.flush()
        self._active.forget()
        await SNOOZE_END_TIMER.schedule(
            self._timers, until, SnoozeEnd(snooze_id=snooze.id), key=snooze_timer_key(snooze.id)
        )
        log.info(
            "snooze #%d of %s %s until %s by %s: %s",
            snooze.id,
            kind.value,
            target,
            until.isoformat(),
            actor,
            reason,
        )
        payload = SnoozedPayload(target=target, until=until.isoformat(), reason=reason)
        await self._log_to_situation(snooze, EntryKind.SNOOZED, actor, payload)
        return snooze

    async def _end(self, snooze: SnoozeRecord, actor: str | None) -> int:
        snooze.ended_at = self._clock.now()
        snooze.ended_by = actor
        alerts = list(
            await self._session.scalars(
                select(AlertRecord)
                .where(AlertRecord.snooze_id == snooze.id)
                .order_by(AlertRecord.id)
            )
        )
        await self._notifier.snooze_ended(snooze, alerts)
        log.info(
            "snooze #%d of %s %s ended by %s: %d alerts arrived meanwhile",
            snooze.id,
            snooze.target_kind,
            snooze.target,
            actor or "its timer",
            len(alerts),
        )
        payload = SnoozeEndedPayload(target=snooze.target, count=len(alerts))
        await self._log_to_situation(snooze, EntryKind.SNOOZE_ENDED, actor or "weerbaar", payload)
        return len(alerts)

    async def _log_to_situation(
        self,
        snooze: SnoozeRecord,
        kind: EntryKind,
        actor: str,
        payload: SnoozedPayload | SnoozeEndedPayload,
    ) -> None:
        """Record it in the supplier's open situation's log too, when there is one."""
        situation = await self._alerts.open_situation_of(snooze.supplier)
        if situation is not None:
            await self._log.append(situation.id, kind, actor, payload)
