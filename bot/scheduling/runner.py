"""Firing due timers: each in its own transaction together with what its handler does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.services import ServiceFactory, Services
from bot.storage.models import TimerRecord

log = logging.getLogger(__name__)

TimerHandler = Callable[[Services, TimerRecord], Awaitable[None]]
BATCH = 100


class TimerRunner:
    """Finds due timers and runs their handlers, exactly once each."""

    def __init__(self, factory: ServiceFactory, handlers: Mapping[str, TimerHandler]) -> None:
        self._factory = factory
        self._handlers = dict(handlers)

    async def fire_due(self) -> int:
        """Fire every timer that is due now; returns how many fired."""
        now = self._factory.clock.now()
        async with self._factory.db.transaction() as session:
            due = list(
                await session.scalars(
                    select(TimerRecord.id)
                    .where(
                        TimerRecord.fired_at.is_(None),
                        TimerRecord.cancelled_at.is_(None),
                        TimerRecord.due_at <= now,
                    )
                    .order_by(TimerRecord.due_at, TimerRecord.id)
                    .limit(BATCH)
                )
            )
        fired = 0
        for timer_id in due:
            fired += await self._fire(timer_id)
        return fired

    async def _fire(self, timer_id: int) -> int:
        async with self._factory.transaction() as services:
            timer = await services.session.scalar(
                select(TimerRecord).where(TimerRecord.id == timer_id).with_for_update()
            )
            if timer is None or timer.fired_at is not None or timer.cancelled_at is not None:
                return 0  # cancelled or fired by someone else meanwhile
            timer.fired_at = self._factory.clock.now()
            handler = self._handlers.get(timer.kind)
            if handler is None:
                timer.last_error = f"no handler for timer kind {timer.kind!r}"
                log.error("timer %d: %s", timer.id, timer.last_error)
                return 0
            try:
                # A savepoint: a failing handler leaves nothing half done, and the timer is
                # still marked fired (with its error) so it cannot fail again every second.
                async with services.session.begin_nested():
                    await handler(services, timer)
            except Exception as exc:
                timer.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("timer %d (%s) failed", timer.id, timer.kind)
                return 0
            return 1


class JobScheduler(AsyncIOScheduler):  # type: ignore[misc]  # APScheduler is untyped
    """An AsyncIOScheduler that can stop without cutting a running job short.

    APScheduler's shutdown cancels jobs in flight; a job cancelled inside a database
    transaction is never awaited, so its connection can keep SQLite locked after the bot
    stopped. ``stop()`` lets running jobs finish first.
    """

    def __init__(self) -> None:
        # APScheduler warns on every skipped overlapping run (48 lines in a 10,000-alert
        # storm); its logger is replaced by one that drops those, and _skipped says once
        # when a job starts overrunning and once when it caught up.
        super().__init__(timezone="UTC", logger=_quiet_scheduler_logger())
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._skipped: dict[str, int] = {}
        self.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        self.add_listener(self._finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.add_listener(self._overran, EVENT_JOB_MAX_INSTANCES)

    def _submitted(self, _event: object) -> None:
        self._running += 1
        self._idle.clear()

    def _finished(self, event: JobEvent) -> None:
        self._running = max(0, self._running - 1)
        if self._running == 0:
            self._idle.set()
        skipped = self._skipped.pop(event.job_id, 0)
        if skipped:
            log.info("job %s caught up; %d overlapping runs were skipped", event.job_id, skipped)

    def _overran(self, event: JobEvent) -> None:
        skipped = self._skipped.get(event.job_id, 0)
        if not skipped:
            log.warning(
                "job %s is still running when due again; overlapping runs are skipped "
                "until it finishes",
                event.job_id,
            )
        self._skipped[event.job_id] = skipped + 1

    async def stop(self, timeout: float = 30.0) -> None:
        """Start no more jobs, wait (bounded) for running ones to finish, then shut down."""
        self.pause()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("scheduler jobs still running after %.0f s; cancelling them", timeout)
        self.shutdown(wait=False)


class _DropSkippedRuns(logging.Filter):
    """Drops APScheduler's per-run "skipped: maximum number of running instances" line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


def _quiet_scheduler_logger() -> logging.Logger:
    logger = logging.getLogger("bot.scheduling.apscheduler")
    if not logger.filters:
        logger.addFilter(_DropSkippedRuns())
    return logger


def start_scheduler(runner: TimerRunner, interval_seconds: float = 1.0) -> JobScheduler:
    """A scheduler that fires due timers every ``interval_seconds`` (never overlapping).

    Other periodic jobs (feed pollers) are added to the same scheduler. Call
    ``runner.fire_due()`` once before, so timers missed while the bot was down fire now.
    """
    scheduler = JobScheduler()
    scheduler.add_job(
        runner.fire_due,
        "interval",
        seconds=interval_seconds,
        id="fire-due-timers",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
