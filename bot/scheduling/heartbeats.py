"""The periodic look for silent sources, and the last-contact ages on ``/metrics``."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from bot.metrics import Metrics
from bot.services import ServiceFactory

log = logging.getLogger(__name__)


class HeartbeatCheck:
    """Announces silent sources and refreshes their ages; ``run`` never raises."""

    def __init__(self, factory: ServiceFactory, metrics: Metrics) -> None:
        self._factory = factory
        self._metrics = metrics

    async def run(self) -> None:
        """One check: silence alerts in one transaction, then the gauges."""
        try:
            async with self._factory.transaction() as services:
                await services.heartbeats.check()
                views = await services.heartbeats.overview()
                now = services.clock.now()
        except Exception:  # a database outage must not stop later checks
            log.exception("checking for silent sources failed")
            return
        for view in views:
            if view.last_contact_at is not None:
                age = (now - view.last_contact_at).total_seconds()
                self._metrics.source_last_contact_age.labels(source=view.expectation.source).set(
                    age
                )


def register_heartbeat_check(
    scheduler: BaseScheduler, check: HeartbeatCheck, interval_seconds: float
) -> None:
    """The check as a scheduler job, never overlapping itself."""
    scheduler.add_job(
        check.run,
        "interval",
        seconds=interval_seconds,
        id="heartbeat-check",
        max_instances=1,
        coalesce=True,
    )
