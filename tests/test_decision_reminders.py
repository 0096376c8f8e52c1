"""Review moments and action deadlines become reminders in the incident room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.decisions import option
from bot.errors import IncompleteDecision, MomentInThePast
from bot.matrix.outbox import MESSAGE_EVENT
from bot.scheduling.runner import TimerRunner
from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.factories import make_factory
from tests.support.fakes import escalate_with_room

ALERT = IncomingAlert(supplier="Acme", title="Outage", severity=Severity.S1, source="test")


async def _posted(database: Database, room: str) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxRecord)
            .where(OutboxRecord.room_id == room, OutboxRecord.event_type == MESSAGE_EVENT)
            .order_by(OutboxRecord.id)
        )
        return [row.content["body"] for row in rows]


async def test_reminders_fire_when_due_and_stop_when_done_or_closed(database: Database) -> None:
    clock = ManualClock()
    factory = make_factory(database, clock=clock)
    runner = TimerRunner(factory, timer_handlers())
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
    situation = await escalate_with_room(factory, alert.id, "@alice:test")
    room = situation.incident_room_id
    assert room is not None
    async with factory.transaction() as services:
        decision = await services.decisions.decide(
            situation.id,
            "@alice:test",
            "Fail over",
            "No ETA",
            options=[option("Wait", why_not="no ETA"), option("Fail over", chosen=True)],
            decision_point="continue-or-fail-over",
            present=["@bob:test", "@alice:test", "@bob:test"],
            review_at=clock.now() + timedelta(hours=1),
            decided_at=clock.now() - timedelta(minutes=20),
        )
        done = await services.actions.assign(
            situation.id, "@alice:test", "@bob:test", "Call", clock.now() + timedelta(hours=1)
        )
        late = await services.actions.assign(
            situation.id, "@alice:test", "@bob:test", "Write", clock.now() + timedelta(hours=1)
        )
        await services.actions.complete(situation.id, done.seq, "@bob:test")
        with pytest.raises(IncompleteDecision):
            await services.decisions.decide(situation.id, "@a:test", "x", "  ")
        with pytest.raises(MomentInThePast):
            await services.decisions.decide(
                situation.id, "@a:test", "x", "y", review_at=clock.now()
            )
    assert decision.payload["present"] == ["@alice:test", "@bob:test"]
    assert decision.payload["decision_point"] == "continue-or-fail-over"
    assert decision.recorded_at - decision.occurred_at == timedelta(minutes=20)
    before = len(await _posted(database, room))

    clock.advance(hours=2)
    assert await runner.fire_due() == 2  # the review and the open action; done's was cancelled
    reminders = (await _posted(database, room))[before:]
    assert any(f"besluit {decision.seq} herzien: Fail over" in body for body in reminders)
    assert any(f"actie {late.seq} is nu verlopen: Write" in body for body in reminders)
    assert not any("Call" in body for body in reminders)

    async with factory.transaction() as services:
        await services.decisions.decide(
            situation.id, "@a:test", "x", "y", review_at=clock.now() + timedelta(hours=1)
        )
        await services.situations.change_phase(situation.id, Phase.EVALUATION, "@a:test", "over")
    clock.advance(hours=2)
    assert await runner.fire_due() == 0  # entering evaluation cancelled the review
