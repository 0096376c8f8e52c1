"""Group commit: concurrent units of work applied in one transaction per batch.

A commit costs far more than the work of one intake request, so requests that arrive
together share one. Invariants, and why they hold:

- A unit's outcome is handed back only after the transaction holding its changes has
  committed (or the unit failed and changed nothing): results are collected while the
  batch runs and released only once ``transaction()`` has returned. So nothing answered
  as done can be lost in a crash.
- Units of a batch see each other exactly as sequential transactions would: they run
  one after another, in arrival order, in the same session, so the second of two alerts
  with one de-duplication key finds the first and counts it.
- One failing unit fails nobody else. A batch first runs without savepoints (two
  statements less per unit); if any unit raises, that transaction is rolled back
  before anyone was answered, and the batch runs again with each unit inside a
  SAVEPOINT, so only a failing unit's own changes are rolled back and its exception
  becomes its outcome. Units only change the database, so running one again after a
  rollback applies it once.
- The batch reads what all its units will look up first, in a few statements
  (``bot.alerts.lookups``); a unit whose savepoint is rolled back makes the batch drop
  those answers, since the rollback may have undone what they reflect.
- A batch's new alerts are inserted in one statement, and each supplier's grouping
  window rewritten once, when the transaction settles before commit
  (``AlertService.settle``). In the savepoint pass each unit settles inside its own
  savepoint, and a rolled-back one's unsettled alerts are discarded with it.
- Likewise the batch reads which of its units' signatures were used before in one
  statement and inserts its new receipts in one (``bot.storage.receipts``); a unit
  replaying a signature, also one first used earlier in the same batch, is refused as
  it would be in a transaction of its own. A concurrent first use elsewhere makes that
  insert fail, so the batch runs again unit by unit and the look-up then sees it.
- If the batch transaction itself fails (its commit, the connection, or a deadlock
  PostgreSQL broke by aborting it, in a unit or in the look-ups), no unit has
  been answered yet, so each is run again in a transaction of its own and gets the
  outcome it would have had without batching.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import operator
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.alerts.lookups import NO_NEEDS, Needs
from bot.services import ServiceFactory, Services
from bot.storage.retry import is_transient, retry_transient

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Services], Awaitable[T]]


@dataclass
class _Unit(Generic[T]):
    work: Work[T]
    needs: Needs
    receipt: str | None
    answer: asyncio.Future[T] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


async def apply_alone(
    factory: ServiceFactory, work: Work[T], needs: Needs = NO_NEEDS, receipt: str | None = None
) -> T:
    """Run ``work`` in a transaction of its own: the unbatched path, and the fallback.

    A transaction the database aborted for another one's sake (a deadlock, a
    serialization failure, SQLite's busy timeout) is run again from the start; it
    committed nothing, so running ``work`` again cannot apply it twice.
    """

    async def once() -> T:
        async with factory.transaction() as services:
            # The same look-ups as in a batch, so both paths run the same code.
            await _preload(services, needs, [receipt] if receipt else [])
            return await work(services)

    return await retry_transient(once)


async def _preload(services: Services, needs: Needs, receipts: Iterable[str]) -> None:
    """Read what the units will look up and whether their signatures were used."""
    await services.receipts.preload(receipts)
    await services.alert_lookups.preload(needs)


class GroupCommit(Generic[T]):
    """Runs submitted work in shared transactions of up to ``max_size`` units.

    A batch starts once the previous one has committed; it takes what has queued up
    meanwhile, and when that is less than ``max_size`` waits at most ``max_wait``
    seconds for more. Under load a batch therefore forms while the last one commits,
    and a lone request waits only ``max_wait``.

    One batch at a time, also on PostgreSQL: concurrent batches each touch many
    suppliers' grouping timers, in different orders, and deadlock (tried: 4 workers);
    they would also race on read-modify-write updates (an alert's count, a window's
    alert ids), which one batch at a time rules out within the process.
    """

    def __init__(
        self, factory: ServiceFactory, max_size: int = 200, max_wait: float = 0.002
    ) -> None:
        self._factory = factory
        self._max_size = max_size
        self._max_wait = max_wait
        self._queue: asyncio.Queue[_Unit[T]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, work: Work[T], needs: Needs = NO_NEEDS, receipt: str | None = None) -> T:
        """Apply ``work`` in the next batch; its result or exception once committed.

        ``needs`` says what it will look up and ``receipt`` which signature it will claim,
        to be read together with the batch's others.
        """
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run_batches(), name="intake-group-commit")
        unit: _Unit[T] = _Unit(work, needs, receipt)
        self._queue.put_nowait(unit)
        return await unit.answer

    async def close(self) -> None:
        """Stop the batch worker; units not yet committed are cancelled."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._queue.empty():
            self._queue.get_nowait().answer.cancel()

    async def _run_batches(self) -> None:
        while True:
            batch = await self._next_batch()
            try:
                await self._run(batch)
            finally:
                # Only reached unanswered when the worker is cancelled mid-batch.
                for unit in batch:
                    unit.answer.cancel()

    async def _next_batch(self) -> list[_Unit[T]]:
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self._max_wait
        while len(batch) < self._max_size:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        # A sender that went away needs no answer, and its request need not be applied.
        return [unit for unit in batch if not unit.answer.done()]

    async def _run(self, batch: list[_Unit[T]]) -> None:
        try:
            answers = await self._together(batch)
        except Exception:
            log.warning("group commit of %d requests failed; applying each alone", len(batch))
            for unit in batch:
                try:
                    value = await apply_alone(self._factory, unit.work, unit.needs, unit.receipt)
                except Exception as exc:
                    _reject(unit.answer, exc)
                else:
                    _resolve(unit.answer, value)
            return
        for answer in answers:
            answer()

    async def _together(self, batch: list[_Unit[T]]) -> list[Callable[[], None]]:
        """Run the batch in one transaction; the answers to give once it has committed."""
        try:
            return await self._without_savepoints(batch)
        except Exception as exc:
            if is_transient(exc):
                raise
            # Some unit failed; nothing was committed or answered: again, unit by unit.
        return await self._in_savepoints(batch)

    async def _without_savepoints(self, batch: list[_Unit[T]]) -> list[Callable[[], None]]:
        values: list[T] = []
        async with self._factory.transaction() as services:
            await self._preload_batch(services, batch)
            for unit in batch:
                values.append(await unit.work(services))
        return [
            functools.partial(_resolve, unit.answer, value)
            for unit, value in zip(batch, values, strict=True)
        ]

    @staticmethod
    async def _preload_batch(services: Services, batch: list[_Unit[T]]) -> None:
        needs = functools.reduce(operator.or_, (unit.needs for unit in batch), NO_NEEDS)
        await _preload(services, needs, (unit.receipt for unit in batch if unit.receipt))

    async def _in_savepoints(self, batch: list[_Unit[T]]) -> list[Callable[[], None]]:
        answers: list[Callable[[], None]] = []
        async with self._factory.transaction() as services:
            await self._preload_batch(services, batch)
            for unit in batch:
                try:
                    async with services.session.begin_nested():
                        value = await unit.work(services)
                        await services.receipts.settle()
                        await services.alerts.settle()
                        # Flushed inside the savepoint, so a constraint this unit breaks
                        # is its own error, not that of the next unit's autoflush.
                        await services.session.flush()
                except Exception as exc:
                    if is_transient(exc):
                        # Aborted for another transaction's sake (a deadlock): not this
                        # unit's fault, so the batch is applied again unit by unit, retried.
                        raise
                    services.alert_lookups.forget()
                    services.receipts.forget()
                    services.alerts.discard_unsettled()
                    answers.append(functools.partial(_reject, unit.answer, exc))
                else:
                    answers.append(functools.partial(_resolve, unit.answer, value))
        return answers


# A sender that went away has cancelled its answer; there is nobody left to tell.
def _resolve(answer: asyncio.Future[T], value: T) -> None:
    if not answer.done():
        answer.set_result(value)


def _reject(answer: asyncio.Future[T], error: Exception) -> None:
    if not answer.done():
        answer.set_exception(error)
