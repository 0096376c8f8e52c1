"""Timer handlers of the alerts area: a grouping window ended, a snooze ran out."""

from __future__ import annotations

from bot.alerts.timers import GROUP_TIMER, SNOOZE_END_TIMER, GroupWindow, SnoozeEnd
from bot.services import Services
from bot.storage.models import TimerRecord
from bot.timers.registry import Timer


async def post_group_summary(services: Services, window: GroupWindow, _: TimerRecord) -> None:
    """A supplier's grouping window ended: post what it collected."""
    await services.alerts.announce_group(window.supplier, window.alert_ids)


async def end_snooze(services: Services, snooze: SnoozeEnd, _: TimerRecord) -> None:
    """A snooze ran out: end it and post what arrived meanwhile."""
    await services.snoozes.expire(snooze.snooze_id)


TIMERS = (Timer(GROUP_TIMER, post_group_summary), Timer(SNOOZE_END_TIMER, end_snooze))
