"""Timer handlers of the drill plan: reminding an owner of a planned drill."""

from __future__ import annotations

from bot.services import Services
from bot.storage.models import TimerRecord
from bot.suppliers.timers import DRILL_REMINDER, ForDrill
from bot.timers.registry import Timer


async def drill_reminder(services: Services, about: ForDrill, _: TimerRecord) -> None:
    """A planned drill is a week or a day away: remind the fallback option's owner."""
    await services.drills.remind(about.drill_id, about.days)


TIMERS = (Timer(DRILL_REMINDER, drill_reminder),)
