"""The summary refresh timer: no longer scheduled, still fired for rows already stored.

Earlier versions refreshed the pinned summary from a timer; now every transaction that
logs something refreshes it (``ServiceFactory.transaction``).
"""

from __future__ import annotations

from bot.scheduling.kinds import TimerKind
from bot.services import Services
from bot.situations.timers import ForSituation
from bot.storage.models import TimerRecord
from bot.timers.registry import Timer

SUMMARY_REFRESH = TimerKind("summary.refresh", ForSituation)


async def summary_refresh(services: Services, about: ForSituation, _: TimerRecord) -> None:
    """Bring the summary up to date."""
    await services.summaries.refresh(about.situation_id)


TIMERS = (Timer(SUMMARY_REFRESH, summary_refresh),)
