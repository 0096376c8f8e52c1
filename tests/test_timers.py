"""Durable timers: fire once when due, survive restarts, cancel, reschedule by key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduling.runner import TimerRunner
from bot.services import ServiceFactory, Services
from bot.storage.db import Database
from bot.storage.models import OutboxRecord, TimerRecord
from tests.support.clock import ManualClock
from tests.support.factories import make_factory


async def remind(services: Services, timer: TimerRecord) -> None:
    await services.outbox.post(timer.payload["room"], {"body": timer.payload["text"]})


async def explode(services: Services, timer: TimerRecord) -> None:
    await services.outbox.post("!r:test", {"body": "half done"})
    raise RuntimeError("handler bug")


def runner_for(database: Database, clock: ManualClock) -> tuple[TimerRunner, ServiceFactory]:
    factory = make_factory(database, clock=clock)
    return TimerRunner(factory, {"remind": remind, "explode": explode}), factory


async def bodies(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [row.content["body"] for row in rows]


async def test_a_timer_fires_once_when_due_even_after_a_restart(database: Database) -> None:
    clock = ManualClock()
    runner, factory = runner_for(database, clock)
    async with factory.transaction() as services:
        await services.timers.schedule(
            "remind", clock.now() + timedelta(minutes=5), {"room": "!r:test", "text": "check in"}
        )
    assert await runner.fire_due() == 0
    clock.advance(minutes=10)  # due while "down": a new runner still fires it, once
    restarted, _ = runner_for(database, clock)
    assert await restarted.fire_due() == 1
    assert await restarted.fire_due() == 0
    assert await runner.fire_due() == 0
    assert await bodies(database) == ["check in"]


async def test_keyed_timers_reschedule_and_cancel(database: Database) -> None:
    clock = ManualClock()
    runner, factory = runner_for(database, clock)
    async with factory.transaction() as services:
        for text in ("first", "second"):
            await services.timers.schedule(
                "remind",
                clock.now() + timedelta(minutes=1),
                {"room": "!r:test", "text": text},
                key="checkin:situation:1",
            )
        await services.timers.schedule(
            "remind", clock.now(), {"room": "!r:test", "text": "other"}, key="checkin:situation:2"
        )
        assert await services.timers.cancel_prefix("checkin:situation:2") == 1
    clock.advance(minutes=2)
    assert await runner.fire_due() == 1
    assert await bodies(database) == ["second"]
    async with factory.transaction() as services:
        assert not await services.timers.cancel("checkin:situation:1")  # already fired
        await services.timers.schedule(
            "remind", clock.now(), {"room": "!r:test", "text": "again"}, key="checkin:situation:1"
        )
    assert await runner.fire_due() == 1
    assert await bodies(database) == ["second", "again"]


async def test_a_failing_handler_leaves_nothing_and_does_not_fire_again(
    database: Database,
) -> None:
    clock = ManualClock()
    runner, factory = runner_for(database, clock)
    async with factory.transaction() as services:
        timer = await services.timers.schedule("explode", clock.now(), {})
        unknown = await services.timers.schedule("no-such-kind", clock.now(), {})
    assert await runner.fire_due() == 0
    assert await runner.fire_due() == 0
    assert await bodies(database) == []
    async with database.transaction() as session:
        failed = await session.get(TimerRecord, timer.id)
        lost = await session.get(TimerRecord, unknown.id)
    assert failed is not None and failed.fired_at is not None
    assert failed.last_error == "RuntimeError: handler bug"
    assert lost is not None and "no handler" in (lost.last_error or "")
