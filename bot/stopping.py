"""Cooperative stopping for the bot's long-running loops.

Cancelling a task that is inside a database transaction can leave an aiosqlite
connection half-closed, still holding SQLite's write lock, so the next process on the
same file waits for it in vain. The loops therefore stop only where they wait (for the
network, or for time to pass): a unit of work they started is finished first.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Stopped(BaseException):  # a signal, not an error: no "Error" suffix
    """Raised from a wait that a stop request interrupted.

    Like CancelledError it is not an Exception: handlers that catch failures to retry
    them must not mistake a stop for one.
    """


class StopSignal:
    """Set once to ask loops to end at their next wait."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        """Ask every loop that watches this signal to stop."""
        self._event.set()

    @property
    def is_set(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()

    async def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds``; raises Stopped as soon as a stop is asked for."""
        if self.is_set:
            raise Stopped
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return
        raise Stopped

    async def wait(self, event: asyncio.Event, timeout: float) -> None:
        """Wait until ``event`` is set or ``timeout`` passes; raises Stopped on a stop."""
        if self.is_set:
            raise Stopped
        with contextlib.suppress(TimeoutError):
            await self.race(asyncio.wait_for(event.wait(), timeout))

    async def race(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` unless a stop comes first; then it is cancelled and Stopped
        raised. Only for waits that are safe to abandon, such as a network request."""
        if self.is_set:
            if inspect.iscoroutine(awaitable):
                awaitable.close()  # never started: close it rather than leave it unawaited
            raise Stopped
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._event.wait())
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            work.cancel()
            raise
        finally:
            stop.cancel()
        if work.done():
            return work.result()
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        raise Stopped


async def wait_for_tasks(tasks: list[asyncio.Task[None]], timeout: float) -> None:
    """Wait up to ``timeout`` for ``tasks`` to end on their own after a stop request.

    A task still running then is named in the log (so an operator learns which loop held
    on) and cancelled as a last resort.
    """
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        log.error("%s did not stop within %.0f s; cancelling it", task.get_name(), timeout)
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, Exception):
            log.error("%s ended with an error while stopping: %r", task.get_name(), result)
