"""The daily timer that verifies the hash chains of all open situations."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from bot.storage.models import TimerRecord

CHAIN_CHECK_TIMER = "chain_check"
CHAIN_CHECK_KEY = "chain-check"
CHAIN_CHECK_INTERVAL = timedelta(days=1)


async def arm_chain_check(services: Services) -> None:
    """Make sure the daily check is pending (the first start, or after a failed run)."""
    if await services.timers.pending(CHAIN_CHECK_KEY) is None:
        await _schedule_next(services)


async def chain_check_due(services: Services, timer: TimerRecord) -> None:
    """Verify every open situation's chain, then schedule the next check a day later."""
    await services.chains.check_open()
    await _schedule_next(services)


async def _schedule_next(services: Services) -> None:
    # One keyed timer: scheduling again re-arms the fired one instead of adding another.
    await services.timers.schedule(
        CHAIN_CHECK_TIMER,
        services.clock.now() + CHAIN_CHECK_INTERVAL,
        {},
        key=CHAIN_CHECK_KEY,
    )
