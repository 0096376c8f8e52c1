"""The lauwe fase with a controllable clock: check-ins, reminders, updates, proposals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.kinds import EntryKind
from bot.errors import AlertAlreadyTracked, SituationClosed, SupplierHasOpenSituation
from bot.matrix.notices import MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.scheduling.runner import TimerRunner
from bot.services import ServiceFactory
from bot.situations.phases import Phase
from bot.situations.watch import WatchPolicy, checkin_key, overdue_key
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from bot.suppliers.file import DependencyEntry, ServiceEntry, SupplierEntry
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.factories import COORDINATION
from tests.support.paths import PLAYBOOKS

ALICE, BOB = "@alice:test", "@bob:test"
QUIET_RULES = WatchPolicy(
    checkin_interval=timedelta(hours=4),
    checkin_grace=timedelta(hours=1),
    propose_severity=None,
    propose_alert_count=0,
    propose_on_vital=False,
)


def watch_factory(
    database: Database, clock: ManualClock, policy: WatchPolicy = QUIET_RULES
) -> ServiceFactory:
    return ServiceFactory(
        database,
        clock,
        notifier_for=lambda outbox: MatrixNotifier(outbox, COORDINATION, "en"),
        taskforce=[ALICE, BOB],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
        watch_policy=policy,
    )


async def posts(database: Database) -> list[dict[str, Any]]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [row.content for row in rows]


async def receive(
    factory: ServiceFactory, supplier: str = "Acme", severity: Severity = Severity.S3
) -> int:
    async with factory.transaction() as services:
        alert = await services.alerts.receive(
            IncomingAlert(supplier=supplier, title="Payroll slow", severity=severity)
        )
        return alert.id


async def lauwe_situation(factory: ServiceFactory, supplier: str = "Acme") -> int:
    """A situation opened by alice from a fresh alert and moved into the lauwe fase."""
    alert_id = await receive(factory, supplier)
    async with factory.transaction() as services:
        situation = await services.situations.track_alert(alert_id, ALICE)
        await services.situations.change_phase(situation.id, Phase.LAUWE_FASE, BOB, "watch it")
        return situation.id


async def test_checkins_ask_the_owner_remind_once_and_follow_the_updates(
    database: Database,
) -> None:
    clock = ManualClock()
    start = clock.now()
    factory = watch_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await lauwe_situation(factory)
    async with factory.transaction() as services:
        pending = await services.timers.pending(checkin_key(situation_id))
    assert pending is not None and pending.due_at == start + timedelta(hours=4)

    before = len(await posts(database))
    clock.advance(hours=4)
    assert await runner.fire_due() == 1
    asked = (await posts(database))[-1]
    assert asked["body"].startswith(f"{ALICE}: check-in for situation #{situation_id} (Acme")
    assert asked["m.mentions"] == {"user_ids": [ALICE]}
    assert 'href="https://matrix.to/#/@alice:test"' in asked["formatted_body"]

    clock.advance(minutes=59)
    assert await runner.fire_due() == 0
    clock.advance(minutes=1)
    assert await runner.fire_due() == 1  # one reminder, and only one
    reminder = (await posts(database))[-1]
    assert reminder["body"].startswith(f"Reminder {ALICE}: no update yet for situation")
    clock.advance(hours=1)
    assert await runner.fire_due() == 0
    assert len(await posts(database)) == before + 2

    # an update is logged and moves the next check-in to one interval after it
    async with factory.transaction() as services:
        entry = await services.watch.record_update(situation_id, "supplier says 2 h", BOB)
        assert (entry.kind, entry.payload["text"]) == ("situation_update", "supplier says 2 h")
        pending = await services.timers.pending(checkin_key(situation_id))
    assert pending is not None and pending.due_at == start + timedelta(hours=10)
    clock.advance(hours=2)  # the old cadence would have fired at +8 h
    assert await runner.fire_due() == 0
    clock.advance(hours=2)
    assert await runner.fire_due() == 1
    # answered within the grace period: no reminder
    clock.advance(minutes=30)
    async with factory.transaction() as services:
        await services.watch.record_update(situation_id, "fixed, watching", ALICE)
        assert await services.timers.pending(overdue_key(situation_id)) is None
    clock.advance(hours=1)
    assert await runner.fire_due() == 0

    # leaving the lauwe fase stops the check-ins
    async with factory.transaction() as services:
        await services.situations.change_phase(situation_id, Phase.DE_ESCALATION, BOB, "calm")
        assert await services.timers.pending(checkin_key(situation_id)) is None
    clock.advance(days=2)
    assert await runner.fire_due() == 0


async def test_the_owner_set_is_asked_and_everything_is_logged(database: Database) -> None:
    clock = ManualClock()
    factory = watch_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await lauwe_situation(factory)
    async with factory.transaction() as services:
        await services.watch.set_owner(situation_id, BOB, ALICE)
    clock.advance(hours=4)
    assert await runner.fire_due() == 1
    assert (await posts(database))[-1]["m.mentions"] == {"user_ids": [BOB]}
    async with factory.transaction() as services:
        kinds = [entry.kind for entry in await services.log.entries(situation_id)]
        assert (await services.log.verify(situation_id)).intact
    assert kinds == ["situation_opened", "phase_changed", "owner_set"]


async def test_tracking_refuses_an_alert_with_a_situation_or_a_supplier_with_one(
    database: Database,
) -> None:
    factory = watch_factory(database, ManualClock())
    first = await receive(factory)
    async with factory.transaction() as services:
        situation = await services.situations.track_alert(first, ALICE)
    with pytest.raises(AlertAlreadyTracked):
        async with factory.transaction() as services:
            await services.situations.track_alert(first, ALICE)
    second = await receive(factory, "Globex")
    async with factory.transaction() as services:
        # attach happens only at receipt: make it look like an older, unattached alert
        alert = await services.alerts.get(second)
        alert.supplier = "acme"
    with pytest.raises(SupplierHasOpenSituation) as refused:
        async with factory.transaction() as services:
            await services.situations.track_alert(second, ALICE)
    assert refused.value.params["situation_id"] == situation.id


async def test_a_closed_situation_takes_no_updates(database: Database) -> None:
    factory = watch_factory(database, ManualClock())
    alert_id = await receive(factory)
    async with factory.transaction() as services:
        situation = await services.situations.track_alert(alert_id, ALICE)
        await services.situations.change_phase(situation.id, Phase.CLOSED, ALICE, "false alarm")
    with pytest.raises(SituationClosed):
        async with factory.transaction() as services:
            await services.watch.record_update(situation.id, "late", ALICE)


async def proposals(database: Database) -> list[str]:
    return [p["body"] for p in await posts(database) if p["body"].startswith("Proposal:")]


async def test_a_severe_alert_in_the_lauwe_fase_proposes_escalation_once(
    database: Database,
) -> None:
    clock = ManualClock()
    policy = WatchPolicy(propose_severity=Severity.S1, propose_alert_count=0)
    factory = watch_factory(database, clock, policy)
    situation_id = await lauwe_situation(factory)
    await receive(factory, severity=Severity.S2)
    assert await proposals(database) == []
    severe = await receive(factory, severity=Severity.S1)
    await receive(factory, severity=Severity.S1)
    found = await proposals(database)
    assert len(found) == 1
    assert f"situation #{situation_id} (Acme: Payroll slow)" in found[0]
    assert f"alert #{severe} has severity S1" in found[0]
    assert f"!escalate {severe}" in found[0]
    assert "Weerbaar only proposes; the taskforce decides." in found[0]
    async with factory.transaction() as services:
        entries = await services.log.entries(situation_id)
    proposed = [e for e in entries if e.kind == EntryKind.ESCALATION_PROPOSED]
    assert len(proposed) == 1
    assert (proposed[0].actor, proposed[0].payload["rule"]) == ("weerbaar", "severity")


async def test_many_alerts_in_the_window_propose_escalation(database: Database) -> None:
    clock = ManualClock()
    policy = WatchPolicy(
        propose_severity=None, propose_alert_count=3, propose_window=timedelta(hours=1)
    )
    factory = watch_factory(database, clock, policy)
    await receive(factory)  # long before: outside the window
    clock.advance(hours=2)
    await lauwe_situation(factory)
    await receive(factory)
    assert await proposals(database) == []
    await receive(factory)
    found = await proposals(database)
    assert len(found) == 1 and "3 alerts for this supplier in the last 1 hours" in found[0]


async def test_exercise_alerts_do_not_count_towards_a_real_situations_proposal(
    database: Database,
) -> None:
    # An exercise drilling the same supplier must not push the real situation in the lauwe
    # fase towards escalation (a proposal that would stay in its hash-chained log).
    clock = ManualClock()
    policy = WatchPolicy(
        propose_severity=None, propose_alert_count=3, propose_window=timedelta(hours=1)
    )
    factory = watch_factory(database, clock, policy)
    situation_id = await lauwe_situation(factory)
    for _ in range(2):
        async with factory.transaction() as services:
            await services.alerts.receive(
                IncomingAlert(supplier="Acme", title="Drill: payroll down", exercise=True)
            )
    await receive(factory)
    assert await proposals(database) == []
    async with factory.transaction() as services:
        entries = await services.log.entries(situation_id)
    assert EntryKind.ESCALATION_PROPOSED not in {entry.kind for entry in entries}


async def test_the_watch_of_an_exercise_is_marked_as_one(database: Database) -> None:
    # Check-ins and proposals go to the coordination room (and, in degraded mode, by
    # mail): about an exercise they must say so, like every other message about it.
    clock = ManualClock()
    policy = replace(QUIET_RULES, propose_severity=Severity.S1)
    factory = watch_factory(database, clock, policy)
    runner = TimerRunner(factory, timer_handlers())
    async with factory.transaction() as services:
        drill = IncomingAlert(supplier="Acme", title="Drill: payroll down", exercise=True)
        alert = await services.alerts.receive(drill)
        situation = await services.situations.track_alert(alert.id, ALICE)
        await services.situations.change_phase(situation.id, Phase.LAUWE_FASE, BOB, "drill")
    before = len(await posts(database))
    async with factory.transaction() as services:
        await services.alerts.receive(drill.model_copy(update={"severity": Severity.S1}))
    clock.advance(hours=4)
    assert await runner.fire_due() == 1
    clock.advance(hours=1)
    assert await runner.fire_due() == 1
    notices = [post for post in (await posts(database))[before:] if "#1" in post["body"]]
    bodies = [post["body"] for post in notices]
    _alert, proposal, checkin, reminder = bodies
    assert "Proposal: consider escalating situation #1" in proposal
    assert f"{ALICE}: check-in for situation #1" in checkin
    assert f"Reminder {ALICE}: no update yet for situation #1" in reminder
    assert all(body.startswith("OEFENING/EXERCISE — ") for body in bodies)


async def test_a_supplier_of_a_vital_process_proposes_on_entering(database: Database) -> None:
    clock = ManualClock()
    policy = WatchPolicy(propose_severity=None, propose_alert_count=0, propose_on_vital=True)
    factory = watch_factory(database, clock, policy)
    payroll = ServiceEntry(
        name="Payroll",
        dependencies=[
            DependencyEntry(organisation="UWV", process="benefits", criticality="vital"),
            DependencyEntry(organisation="RVO", process="grants", criticality="important"),
        ],
    )
    async with factory.transaction() as services:
        await services.suppliers.replace_all(
            [SupplierEntry(name="Acme Cloud", aliases=["Acme"], services=[payroll])]
        )
    alert_id = await receive(factory)
    async with factory.transaction() as services:
        situation = await services.situations.track_alert(alert_id, ALICE)
    assert await proposals(database) == []  # signal: not yet
    async with factory.transaction() as services:
        await services.situations.change_phase(situation.id, Phase.LAUWE_FASE, ALICE, "watch")
    found = await proposals(database)
    assert len(found) == 1
    assert "vital processes depend on this supplier: UWV / benefits (Payroll)" in found[0]
    assert "RVO" not in found[0]


async def test_the_picture_shows_open_situations_by_phase(database: Database) -> None:
    clock = ManualClock()
    factory = watch_factory(database, clock)
    lauwe = await lauwe_situation(factory, "Acme")
    clock.advance(hours=1)
    signal_alert = await receive(factory, "Globex")
    async with factory.transaction() as services:
        signal = (await services.situations.track_alert(signal_alert, BOB)).id
        await services.watch.record_update(lauwe, "watching", BOB)
    closed_alert = await receive(factory, "Initech")
    async with factory.transaction() as services:
        closed = (await services.situations.track_alert(closed_alert, BOB)).id
        await services.situations.change_phase(closed, Phase.CLOSED, BOB, "false alarm")
    clock.advance(minutes=30)
    async with factory.transaction() as services:
        pictures = await services.watch.picture()
    assert [p.situation.id for p in pictures] == [signal, lauwe]
    first, second = pictures
    assert (first.owner, first.next_checkin, first.last_update_at) == (BOB, None, None)
    assert first.age == timedelta(minutes=30)
    assert (second.owner, second.last_update_by) == (ALICE, BOB)
    assert second.next_checkin == clock.now() - timedelta(minutes=30) + timedelta(hours=4)
    assert second.age == timedelta(hours=1, minutes=30)
