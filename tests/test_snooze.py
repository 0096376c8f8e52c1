"""Snoozing alerts: stored and counted but not posted, S1 still posted, one summary at the end
(domain level, on SQLite and PostgreSQL, with a clock the test moves)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.kinds import EntryKind
from bot.errors import NotSnoozed, SnoozeNeedsSourceId
from bot.matrix.notices import ALERT_ID_FIELD, ALERT_IDS_FIELD, MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.reports.describe import describe_entry
from bot.scheduling.runner import TimerRunner
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord
from bot.suppliers.file import SupplierEntry
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.databases import WatchedPostgres
from tests.support.paths import PLAYBOOKS
from tests.support.postgres import until_waiting_for_locks

ROOM = "!coordination:test"
ALICE = "@alice:test"


def snooze_factory(database: Database, clock: ManualClock) -> ServiceFactory:
    return ServiceFactory(
        database,
        clock,
        notifier_for=lambda outbox: MatrixNotifier(outbox, ROOM, "en"),
        taskforce=[ALICE],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
    )


async def posts(database: Database) -> list[dict[str, Any]]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [row.content for row in rows]


async def receive(
    factory: ServiceFactory,
    supplier: str,
    title: str,
    severity: Severity = Severity.S3,
    external_id: str | None = None,
) -> AlertRecord:
    async with factory.transaction() as services:
        return await services.alerts.receive(
            IncomingAlert(
                supplier=supplier,
                title=title,
                severity=severity,
                external_id=external_id,
                source="nagios",
            )
        )


async def snooze_acme(factory: ServiceFactory, clock: ManualClock, hours: int = 2) -> int:
    async with factory.transaction() as services:
        snooze = await services.snoozes.snooze_supplier(
            "Acme", clock.now() + timedelta(hours=hours), ALICE, "planned maintenance"
        )
        return snooze.id


async def test_snoozed_alerts_are_stored_and_counted_and_summarised_once_when_it_ends(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    with caplog.at_level(logging.INFO, logger="bot.alerts.snooze"):
        snooze_id = await snooze_acme(factory, clock)
    assert f"by {ALICE}: planned maintenance" in caplog.text

    disk = await receive(factory, "ACME ", "disk full", external_id="d1")
    await receive(factory, "acme", "disk full", external_id="d1")  # a repeat: counted
    slow = await receive(factory, "Acme", "slow", Severity.S2)
    down = await receive(factory, "Acme", "all down", Severity.S1)
    other = await receive(factory, "Globex", "unrelated")
    async with factory.transaction() as services:
        stored = await services.alerts.get(disk.id)
        assert (stored.count, stored.snooze_id) == (2, snooze_id)
    posted = await posts(database)
    assert [p.get(ALERT_ID_FIELD) for p in posted] == [down.id, other.id]
    assert "Arrived during snooze" in posted[0]["body"]
    assert "snooze" not in posted[1]["body"]

    clock.advance(hours=2)
    assert await runner.fire_due() == 1
    summary = (await posts(database))[-1]
    assert summary["body"].splitlines() == [
        "Snooze of Acme is over: 3 alerts arrived meanwhile.",
        "By severity: S1: 1, S2: 1, S3: 1",
        f"#{disk.id} [S3] disk full",
        f"#{slow.id} [S2] slow",
        f"#{down.id} [S1] all down",
    ]
    assert summary[ALERT_IDS_FIELD] == [disk.id, slow.id, down.id]
    clock.advance(hours=1)
    assert await runner.fire_due() == 0  # fired exactly once

    after = await receive(factory, "Acme", "after the snooze")
    assert (await posts(database))[-1][ALERT_ID_FIELD] == after.id
    async with factory.transaction() as services:
        assert await services.snoozes.active() == []


async def test_unsnooze_ends_it_early_with_the_summary_and_its_timer_never_fires(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    await snooze_acme(factory, clock)
    held = [await receive(factory, "Acme", f"storm {n}") for n in range(5)]
    clock.advance(minutes=10)
    async with factory.transaction() as services:
        snooze, count = await services.snoozes.unsnooze_supplier("acme", "@bob:test")
    assert (count, snooze.ended_by, snooze.ended_at) == (5, "@bob:test", clock.now())
    summary = (await posts(database))[-1]["body"].splitlines()
    assert summary[0] == "Snooze of Acme ended early by @bob:test: 5 alerts arrived meanwhile."
    assert summary[1:] == [
        "By severity: S3: 5",
        *[f"#{alert.id} [S3] {alert.title}" for alert in held[:3]],
        "… and 2 more",
    ]
    clock.advance(hours=3)
    assert await runner.fire_due() == 0
    with pytest.raises(NotSnoozed):
        async with factory.transaction() as services:
            await services.snoozes.unsnooze_supplier("Acme", ALICE)


async def test_a_supplier_snooze_holds_back_real_alerts_only(database: Database) -> None:
    # A drill of Acme during its (real) snooze: the drill's alerts are posted as they come,
    # marked, and the snooze's summary (and the count in the real situation's log) holds
    # only the real alerts, unmarked.
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    await snooze_acme(factory, clock)
    async with factory.transaction() as services:
        drill = await services.alerts.receive(
            IncomingAlert(supplier="Acme", title="drill", source="nagios", exercise=True)
        )
    real = await receive(factory, "Acme", "real trouble")
    notice = (await posts(database))[-1]
    assert notice[ALERT_ID_FIELD] == drill.id and notice["body"].startswith("OEFENING/EXERCISE")
    async with factory.transaction() as services:
        _, count = await services.snoozes.unsnooze_supplier("Acme", ALICE)
    summary = (await posts(database))[-1]["body"]
    assert count == 1 and summary.startswith("Snooze of Acme ended early by @alice:test: 1 ")
    assert f"#{real.id} [S3] real trouble" in summary and "OEFENING" not in summary


async def test_snoozing_again_moves_the_end_of_the_one_active_snooze(database: Database) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    first = await snooze_acme(factory, clock, hours=1)
    async with factory.transaction() as services:
        await services.snoozes.snooze_supplier(
            "Globex", clock.now() + timedelta(hours=3), ALICE, "x"
        )
    await receive(factory, "Acme", "held")
    assert await snooze_acme(factory, clock, hours=2) == first
    async with factory.transaction() as services:
        active = await services.snoozes.active()
    assert [(s.target, s.until - clock.now()) for s in active] == [
        ("Acme", timedelta(hours=2)),
        ("Globex", timedelta(hours=3)),
    ]
    clock.advance(hours=1)
    assert await runner.fire_due() == 0
    clock.advance(hours=1)
    assert await runner.fire_due() == 1
    assert "1 alert arrived" in (await posts(database))[-1]["body"]


async def test_snooze_and_its_end_are_logged_in_the_open_situation(database: Database) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    first = await receive(factory, "Acme", "payroll slow")
    async with factory.transaction() as services:
        situation = await services.situations.track_alert(first.id, ALICE)
    await snooze_acme(factory, clock)
    await receive(factory, "Acme", "held back")
    clock.advance(hours=2)
    assert await runner.fire_due() == 1
    async with factory.transaction() as services:
        snoozed = await services.log.of_kind(situation.id, EntryKind.SNOOZED)
        ended = await services.log.of_kind(situation.id, EntryKind.SNOOZE_ENDED)
    assert [entry.actor for entry in snoozed] == [ALICE]
    assert describe_entry(snoozed[0], "en", "UTC") == (
        "Alerts of Acme snoozed until Mon 23 Nov 2026 11:00: planned maintenance"
    )
    assert describe_entry(ended[0], "nl", "UTC") == (
        "Sluimer van Acme voorbij (1 melding in de tussentijd)"
    )


async def test_an_alert_snooze_holds_back_only_that_alert_firing_again(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    flapping = await receive(factory, "Acme", "link flaps", external_id="link-7")
    async with factory.transaction() as services:
        await services.alerts.resolve(flapping.id, ALICE)
        snooze = await services.snoozes.snooze_alert(
            flapping.id, clock.now() + timedelta(hours=1), ALICE, "known flapping"
        )
    assert snooze.target == f"#{flapping.id}"
    again = await receive(factory, "Acme", "link flaps", external_id="link-7")
    other = await receive(factory, "Acme", "disk full", external_id="disk-1")
    assert [p.get(ALERT_ID_FIELD) for p in await posts(database)][-1] == other.id
    async with factory.transaction() as services:
        assert (await services.alerts.get(again.id)).snooze_id == snooze.id
        assert (await services.alerts.get(other.id)).snooze_id is None
        _, count = await services.snoozes.unsnooze_alert(flapping.id, ALICE)
    assert count == 1

    unnamed = await receive(factory, "Acme", "no id of its own")
    with pytest.raises(SnoozeNeedsSourceId):
        async with factory.transaction() as services:
            await services.snoozes.snooze_alert(
                unnamed.id, clock.now() + timedelta(hours=1), ALICE, "x"
            )


async def test_a_snooze_started_before_a_rename_holds_and_ends_under_the_new_name(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = snooze_factory(database, clock)
    async with factory.transaction() as services:
        await services.suppliers.replace_all([SupplierEntry(name="Acme")])
    await snooze_acme(factory, clock)
    # The new registry renames the supplier and keeps the old name as an alias.
    async with factory.transaction() as services:
        await services.suppliers.replace_all([SupplierEntry(name="Acme B.V.", aliases=["Acme"])])
    before = len(await posts(database))
    held = await receive(factory, "Acme B.V.", "disk full")
    assert held.snooze_id is not None and len(await posts(database)) == before
    async with factory.transaction() as services:
        snooze, count = await services.snoozes.unsnooze_supplier("Acme B.V.", ALICE)
    assert (snooze.id, count) == (held.snooze_id, 1)


async def test_a_snooze_ended_twice_at_once_posts_one_summary(
    watched_postgres: WatchedPostgres,
) -> None:
    # Two members end the snooze at the same moment (or one does as its timer fires).
    database, admin = watched_postgres.database, watched_postgres.admin
    clock = ManualClock()
    factory = snooze_factory(database, clock)

    async def unsnooze_as_bob() -> None:
        async with factory.transaction() as services:
            await services.snoozes.unsnooze_supplier("Acme", "@bob:test")

    await snooze_acme(factory, clock)
    await receive(factory, "Acme", "disk full")
    async with factory.transaction() as services:
        await services.snoozes.unsnooze_supplier("Acme", ALICE)
        other = asyncio.create_task(unsnooze_as_bob())
        # Until it has finished or waits for this transaction's locks.
        await until_waiting_for_locks(admin, unless_done=other)
    with pytest.raises(NotSnoozed):
        await other
    ended = [p["body"] for p in await posts(database) if "Snooze of Acme" in p["body"]]
    assert len(ended) == 1 and "by @alice:test" in ended[0]
