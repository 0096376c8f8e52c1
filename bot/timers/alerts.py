"""Timer handlers of the alerts area: a grouping window ended, a snooze ran out."""

from __future__ import annotations

from bot.services import Services
from bot.storage.models import TimerRecord


async def post_group_summary(services: Services, timer: TimerRecord) -> None:
    """A supplier's grouping window ended: post what it collected."""
    payload = timer.payload
    await services.alerts.announce_group(payload["supplier"], payload["alert_ids"])


async def end_snooze(services: Services, timer: TimerRecord) -> None:
    """A snooze ran out: end it and post what arrived meanwhile."""
    await services.snoozes.expire(timer.payload["snooze_id"])
