"""Timer handlers of the drill plan: reminding an owner of a planned drill, the digest."""

from __future__ import annotations

from bot.services import Services
from bot.storage.models import TimerRecord
from bot.suppliers.timers import (
    DIGEST_TIMER,
    DRILL_DUE,
    DRILL_REMINDER,
    IMPROVEMENT_DUE,
    DigestState,
    DrillDue,
    ForDrill,
    ForTest,
)
from bot.timers.registry import Timer


async def drill_reminder(services: Services, about: ForDrill, _: TimerRecord) -> None:
    """A planned drill is a week or a day away: remind the fallback option's owner."""
    await services.drills.remind(about.drill_id, about.days)


async def drill_due(services: Services, about: DrillDue, _: TimerRecord) -> None:
    """A planned drill is due now: tell the fallback option's owner how to start it."""
    await services.drills.due(about.drill_id)


async def improvement_due(services: Services, about: ForTest, _: TimerRecord) -> None:
    """An improvement action kept on a fallback test is due: remind its owner."""
    await services.drills.remind_improvement(about.test_id)


async def arm_digest(services: Services) -> None:
    """At start: the weekly digest armed as configured (or cancelled when off)."""
    await services.digest.arm()


async def digest_due(services: Services, previous: DigestState, timer: TimerRecord) -> None:
    """Post the weekly digest (unless nothing changed) and arm the next one."""
    fired_at = timer.fired_at
    assert fired_at is not None  # the runner stamps it before calling the handler
    await services.digest.send(previous, fired_at)


TIMERS = (
    Timer(DRILL_REMINDER, drill_reminder),
    Timer(DRILL_DUE, drill_due),
    Timer(IMPROVEMENT_DUE, improvement_due),
    Timer(DIGEST_TIMER, digest_due),
)
