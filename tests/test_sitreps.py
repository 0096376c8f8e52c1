"""Situation reports: recorded in the log, asked for at a cadence that stops on closing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.matrix.outbox import MESSAGE_EVENT
from bot.scheduling.runner import TimerRunner
from bot.services import ServiceFactory
from bot.situations.phases import Phase
from bot.situations.sitreps import sitrep_timer_key
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.factories import (
    ALICE,
    BOB,
    CAROL,
    COORDINATION,
    kinds,
    make_factory,
    open_incident,
)


def sitrep_factory(database: Database, clock: ManualClock, minutes: int | None) -> ServiceFactory:
    base = make_factory(database, clock)
    return ServiceFactory(
        database,
        clock,
        notifier_for=base._notifier_for,
        taskforce=[ALICE, BOB, CAROL],
        playbooks=base._playbooks,
        on_outbox_commit=lambda rows: None,
        sitrep_interval=None if minutes is None else timedelta(minutes=minutes),
    )


async def requests(database: Database) -> list[dict[str, Any]]:
    """The sitrep requests the bot queued for the incident room."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxRecord)
            .where(OutboxRecord.room_id != COORDINATION)
            .where(OutboxRecord.event_type == MESSAGE_EVENT)
            .order_by(OutboxRecord.id)
        )
        return [row.content for row in rows if "situation report" in row.content["body"]]


async def test_the_coordinator_is_asked_once_per_interval(database: Database) -> None:
    clock = ManualClock()
    factory = sitrep_factory(database, clock, 120)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, CAROL, "coordinator", ALICE)

    clock.advance(minutes=119)
    assert await runner.fire_due() == 0
    clock.advance(minutes=1)
    assert await runner.fire_due() == 1
    assert await runner.fire_due() == 0  # exactly once for this interval
    (first,) = await requests(database)
    assert first["m.mentions"] == {"user_ids": [CAROL]}
    assert first["body"].startswith(f"{CAROL}: tijd voor een situatierapport")
    assert "Last one: none yet." in first["body"]

    # With a scribe, the scribe is asked; the next request comes one interval later.
    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, BOB, "scribe", CAROL)
    clock.advance(minutes=119)
    assert await runner.fire_due() == 0
    clock.advance(minutes=1)
    assert await runner.fire_due() == 1
    assert (await requests(database))[-1]["m.mentions"] == {"user_ids": [BOB]}
    assert (await kinds(database, situation_id)).count("reminder_sent") == 2


async def test_a_sitrep_is_logged_and_moves_the_next_request(database: Database) -> None:
    clock = ManualClock()
    factory = sitrep_factory(database, clock, 120)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    clock.advance(minutes=90)
    async with factory.transaction() as services:
        situation = await services.situations.get(situation_id)
        assert await services.sitreps.latest(situation_id) is None
        entry = await services.sitreps.record(situation, BOB, "Supplier restoring; ETA 14:00")
        latest = await services.sitreps.latest(situation_id)
        next_due = await services.sitreps.next_due(situation_id)
    assert entry.kind == "sitrep" and entry.payload == {"text": "Supplier restoring; ETA 14:00"}
    assert latest is not None and latest.seq == entry.seq
    assert next_due == clock.now() + timedelta(minutes=120)

    clock.advance(minutes=30)  # the original moment (T+120) passes quietly
    assert await runner.fire_due() == 0
    clock.advance(minutes=90)  # one interval after the sitrep
    assert await runner.fire_due() == 1
    (request,) = await requests(database)
    # Nobody holds a role yet: the request says so rather than mentioning no one silently.
    assert "nobody is scribe or coordinator" in request["body"]
    assert "m.mentions" not in request


async def test_closing_stops_the_cadence(database: Database) -> None:
    clock = ManualClock()
    factory = sitrep_factory(database, clock, 60)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.situations.change_phase(situation_id, Phase.EVALUATION, ALICE, "over")
        situation = await services.situations.get(situation_id)
        # A late sitrep is still recorded but does not restart the requests.
        await services.sitreps.record(situation, ALICE, "all restored")
        assert await services.timers.pending(sitrep_timer_key(situation_id)) is None
    clock.advance(hours=5)
    assert await runner.fire_due() == 0
    assert await requests(database) == []


async def test_no_requests_when_the_cadence_is_off(database: Database) -> None:
    clock = ManualClock()
    factory = sitrep_factory(database, clock, None)
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        situation = await services.situations.get(situation_id)
        await services.sitreps.record(situation, ALICE, "quiet")
        assert await services.sitreps.next_due(situation_id) is None
