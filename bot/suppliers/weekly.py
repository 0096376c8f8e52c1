"""Scheduling and sending the weekly drill digest (one keyed timer that re-arms itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.config import FallbackSettings
from bot.scheduling.timers import Timers
from bot.suppliers.digest import Digest, compose, next_digest, overdue_keys
from bot.suppliers.drills import DrillPlanner
from bot.suppliers.fallbacks import FallbackService
from bot.suppliers.timers import DIGEST_TIMER, DigestState

DIGEST_KEY = "drill-digest"


class DigestNotifier(Protocol):
    """Posts the weekly drill digest in the coordination room."""

    async def drill_digest(self, digest: Digest) -> None:
        """Post ``digest``."""
        ...


class WeeklyDigest:
    """Keeps the digest timer armed as configured and sends the digest when it fires."""

    def __init__(
        self,
        timers: Timers,
        clock: Clock,
        fallbacks: FallbackService,
        drills: DrillPlanner,
        settings: FallbackSettings,
        timezone: str,
        notifier: DigestNotifier,
    ) -> None:
        self._timers = timers
        self._clock = clock
        self._fallbacks = fallbacks
        self._drills = drills
        self._settings = settings
        self._timezone = timezone
        self._notifier = notifier

    async def arm(self) -> None:
        """At start: schedule the next digest as configured (moving a pending one whose
        day or time changed and keeping what it saw), or cancel it when turned off.

        A pending digest that came due while the bot was down is left as it is: it fires
        once after the start and then arms the next one as configured.
        """
        if self._settings.digest_day == 0:
            await self._timers.cancel(DIGEST_KEY)
            return
        pending = await self._timers.pending(DIGEST_KEY)
        if pending is not None:
            if pending.due_at <= self._clock.now():
                return
            state = DIGEST_TIMER.read(pending)
        else:
            overdue = overdue_keys(await self._fallbacks.states())
            state = DigestState(since=self._clock.now(), overdue=overdue)
        await self._schedule(state)

    async def send(self, previous: DigestState, fired_at: datetime) -> Digest | None:
        """Post what changed since ``previous`` (nothing when nothing did), then arm the
        next digest with what this one saw; returns the digest posted."""
        states = await self._fallbacks.states()
        digest = compose(
            previous.overdue,
            states,
            await self._drills.upcoming(),
            await self._fallbacks.tested_since(previous.since),
            previous.since,
        )
        if digest is not None:
            await self._notifier.drill_digest(digest)
        if self._settings.digest_day != 0:
            await self._schedule(DigestState(since=fired_at, overdue=overdue_keys(states)))
        return digest

    async def _schedule(self, state: DigestState) -> None:
        due = next_digest(
            self._clock.now(),
            self._settings.digest_day,
            self._settings.digest_time,
            self._timezone,
        )
        await DIGEST_TIMER.schedule(self._timers, due, state, key=DIGEST_KEY)
