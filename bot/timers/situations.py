"""Timer handlers of the lauwe fase: a check-in came due, or went unanswered."""

from __future__ import annotations

from bot.services import Services
from bot.storage.models import TimerRecord


async def checkin_due(services: Services, timer: TimerRecord) -> None:
    """A situation's check-in came due: ask its owner for an update."""
    await services.watch.checkin_due(int(timer.payload["situation_id"]))


async def checkin_overdue(services: Services, timer: TimerRecord) -> None:
    """A check-in went unanswered for the grace period: remind the owner once."""
    await services.watch.checkin_overdue(int(timer.payload["situation_id"]))
