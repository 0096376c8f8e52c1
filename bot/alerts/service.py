"""Receiving and looking up alerts."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.model import IncomingAlert
from bot.clock import Clock
from bot.errors import AlertNotFound
from bot.storage.models import AlertRecord


class AlertNotifier(Protocol):
    """Tells the taskforce about a new alert, within the same transaction."""

    async def alert_received(self, alert: AlertRecord) -> None:
        """Announce ``alert`` (it is already stored)."""
        ...


class AlertService:
    """Stores alerts and announces them."""

    def __init__(self, session: AsyncSession, notifier: AlertNotifier, clock: Clock) -> None:
        self._session = session
        self._notifier = notifier
        self._clock = clock

    async def receive(self, incoming: IncomingAlert) -> AlertRecord:
        """Persist ``incoming`` and queue its announcement; returns the stored alert."""
        alert = AlertRecord(
            source=incoming.source,
            supplier=incoming.supplier,
            severity=incoming.severity.value,
            title=incoming.title,
            details=incoming.details,
            links=[str(url) for url in incoming.links],
            external_id=incoming.external_id,
            received_at=self._clock.now(),
        )
        self._session.add(alert)
        await self._session.flush()
        await self._notifier.alert_received(alert)
        return alert

    async def get(self, alert_id: int) -> AlertRecord:
        """The alert with ``alert_id``; raises AlertNotFound."""
        alert = await self._session.get(AlertRecord, alert_id)
        if alert is None:
            raise AlertNotFound(alert_id=alert_id)
        return alert
