"""Timer handlers of the alerts area."""

from __future__ import annotations

from bot.services import Services
from bot.storage.models import TimerRecord


async def post_group_summary(services: Services, timer: TimerRecord) -> None:
    """A supplier's grouping window ended: post what it collected."""
    payload = timer.payload
    await services.alerts.announce_group(payload["supplier"], payload["alert_ids"])
