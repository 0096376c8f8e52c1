"""Alert storms: one post per supplier, then one summary per window (controllable clock)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.alerts.lookups import Needs
from bot.alerts.model import IncomingAlert
from bot.matrix.notices import ALERT_ID_FIELD, ALERT_IDS_FIELD, MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.scheduling.runner import TimerRunner
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.databases import WatchedPostgres
from tests.support.factories import COORDINATION
from tests.support.paths import PLAYBOOKS
from tests.support.postgres import until_waiting_for_locks


def grouping_factory(database: Database, clock: ManualClock) -> ServiceFactory:
    return ServiceFactory(
        database,
        clock,
        notifier_for=lambda outbox: MatrixNotifier(outbox, COORDINATION, "en"),
        taskforce=["@alice:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
        alert_group_window=timedelta(minutes=1),
    )


async def posts(database: Database) -> list[dict[str, object]]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [row.content for row in rows]


async def receive(factory: ServiceFactory, supplier: str, title: str) -> int:
    async with factory.transaction() as services:
        alert = await services.alerts.receive(IncomingAlert(supplier=supplier, title=title))
        return alert.id


async def test_a_real_alert_is_never_held_back_in_an_exercises_window(
    database: Database,
) -> None:
    # A drill of Acme is running: its alerts open Acme's grouping window. A real Acme
    # alert must still be posted at once, unmarked, not collected into a summary that
    # says OEFENING/EXERCISE; and the drill's repeats stay in the drill's own summary.
    clock = ManualClock()
    factory = grouping_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    drill = IncomingAlert(supplier="Acme", title="drill", exercise=True)
    async with factory.transaction() as services:
        first_drill = (await services.alerts.receive(drill)).id
        second_drill = (await services.alerts.receive(drill)).id
    real = await receive(factory, "Acme", "real outage")
    notices = {p.get(ALERT_ID_FIELD): str(p["body"]) for p in await posts(database)}
    assert set(notices) == {first_drill, real}
    assert notices[first_drill].startswith("OEFENING/EXERCISE")
    assert not notices[real].startswith("OEFENING/EXERCISE")
    clock.advance(minutes=1)
    await runner.fire_due()
    summaries = [p for p in await posts(database) if ALERT_IDS_FIELD in p]
    assert [(p[ALERT_IDS_FIELD], str(p["body"])[:17]) for p in summaries] == [
        ([second_drill], "OEFENING/EXERCISE")
    ]


async def test_a_storm_is_posted_as_one_alert_and_one_summary_per_window(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = grouping_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    first = await receive(factory, "Acme", "first")
    storm = [await receive(factory, "acme", f"storm {number}") for number in range(12)]
    other = await receive(factory, "Globex", "unrelated")
    clock.advance(seconds=59)
    assert await runner.fire_due() == 0
    assert [p.get(ALERT_ID_FIELD) for p in await posts(database)] == [first, other]

    clock.advance(seconds=1)
    assert await runner.fire_due() == 2  # Acme's window with 12, Globex's empty one
    summary = (await posts(database))[-1]
    assert str(summary["body"]).startswith("12 new alerts for Acme in the last minute")
    assert summary[ALERT_IDS_FIELD] == storm
    assert "#" + str(storm[9]) in str(summary["body"])
    assert "… and 2 more" in str(summary["body"])

    # the storm goes on: collected again, one more summary at the end of the next window
    more = [await receive(factory, "Acme", f"later {number}") for number in range(3)]
    clock.advance(minutes=1)
    assert await runner.fire_due() == 1
    latest = await posts(database)
    assert len(latest) == 4 and latest[-1][ALERT_IDS_FIELD] == more
    assert str(latest[-1]["body"]).startswith("3 new alerts for Acme")

    # a quiet window closes; the next alert is posted on its own again
    clock.advance(minutes=1)
    assert await runner.fire_due() == 1
    calm = await receive(factory, "Acme", "calm")
    assert (await posts(database))[-1].get(ALERT_ID_FIELD) == calm


async def test_a_held_back_alert_shows_its_state_and_the_summary_follows_changes(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = grouping_factory(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    await receive(factory, "Acme", "first")
    held = await receive(factory, "Acme", "second")
    still_open = await receive(factory, "Acme", "third")
    clock.advance(seconds=57)
    async with factory.transaction() as services:  # the source resolves it in the window
        await services.alerts.resolve(held, "alertmanager")
    clock.advance(seconds=3)
    assert await runner.fire_due() == 1

    summary = (await posts(database))[-1]
    lines = str(summary["body"]).splitlines()
    assert lines[0] == "2 new alerts for Acme in the last minute"
    assert lines[1].startswith(f"#{held} [S3] second — ✅ Resolved by alertmanager at ")
    assert lines[2] == f"#{still_open} [S3] third"

    async with factory.transaction() as services:
        await services.alerts.acknowledge(still_open, "@alice:test")
    edit = (await posts(database))[-1]
    new = edit["m.new_content"]
    assert isinstance(new, dict) and new[ALERT_IDS_FIELD] == [held, still_open]
    edited = str(new["body"]).splitlines()
    assert edited[1] == lines[1]
    assert edited[2].startswith(f"#{still_open} [S3] third — ✔ Acknowledged by @alice:test at ")
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
    assert rows[-1].replaces_outbox_id == rows[-2].id  # the edit points at the summary


@pytest.mark.parametrize("closed_before", [True, False], ids=["window-closed", "no-window"])
async def test_two_instances_opening_a_window_together_announce_every_alert_once(
    watched_postgres: WatchedPostgres, closed_before: bool
) -> None:
    # Two instances share one PostgreSQL database. Instance 2's intake batch read that
    # Acme had no open window; before it opens one, instance 1 opens it and admits a
    # second alert into it. Every alert must still be announced: alone or in a summary.
    database, admin = watched_postgres.database, watched_postgres.admin
    clock = ManualClock()
    factory = grouping_factory(database, clock)
    if closed_before:  # Acme's window timer exists, closed; else there is none yet
        await receive(factory, "Acme", "earlier")
        clock.advance(minutes=1)
        assert await TimerRunner(factory, timer_handlers()).fire_due() == 1

    async with factory.transaction() as services:  # instance 2's batch
        await services.alert_lookups.preload(Needs(suppliers=frozenset({"Acme"})))
        first = asyncio.create_task(receive(factory, "Acme", "first"))  # instance 1
        await until_waiting_for_locks(admin, unless_done=first)
        second = asyncio.create_task(receive(factory, "Acme", "second"))
        await until_waiting_for_locks(admin, 2, unless_done=second)
        third = await services.alerts.receive(IncomingAlert(supplier="Acme", title="third"))
    ids = [await first, await second, third.id]
    clock.advance(minutes=1)
    await TimerRunner(factory, timer_handlers()).fire_due()

    announced: list[object] = []
    for post in await posts(database):
        if "m.new_content" not in post:
            announced += [post[ALERT_ID_FIELD]] if ALERT_ID_FIELD in post else []
            announced += post.get(ALERT_IDS_FIELD, [])  # type: ignore[arg-type]
    assert sorted(a for a in announced if a in ids) == sorted(ids)
