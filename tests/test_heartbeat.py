"""Sources that fall silent, with a controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.alerts.heartbeat import (
    HEARTBEAT_SOURCE,
    Expectation,
    HeartbeatPolicy,
    heartbeat_policy,
)
from bot.alerts.service import AlertStatus
from bot.config import AlertSourceSettings, IntakeSettings, PollerSettings, Settings
from bot.intake.formats import alertmanager
from bot.matrix.notices import MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord
from tests.support.clock import ManualClock
from tests.support.databases import WatchedPostgres
from tests.support.paths import PLAYBOOKS
from tests.support.postgres import until_waiting_for_locks

ROOM = "!coordination:test"
POLICY = HeartbeatPolicy(
    (
        Expectation("prom", "alertmanager", timedelta(minutes=15)),
        Expectation("feed", "poller rss", None),
    ),
    language="en",
    timezone="Europe/Amsterdam",
)


def factory_for(database: Database, clock: ManualClock) -> ServiceFactory:
    return ServiceFactory(
        database,
        clock,
        notifier_for=lambda outbox: MatrixNotifier(outbox, ROOM, "en", "Europe/Amsterdam"),
        taskforce=["@alice:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
        heartbeat_policy=POLICY,
    )


async def bodies(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [str(row.content.get("body", "")) for row in rows]


async def contact(factory: ServiceFactory, source: str) -> None:
    async with factory.transaction() as services:
        await services.heartbeats.contact(source)


async def check(factory: ServiceFactory) -> list[str]:
    async with factory.transaction() as services:
        return await services.heartbeats.check()


async def test_a_silent_source_is_announced_once_and_its_return_once(database: Database) -> None:
    clock = ManualClock()  # 09:00 UTC is 10:00 in Amsterdam
    factory = factory_for(database, clock)
    await contact(factory, "prom")
    clock.advance(minutes=14)
    assert await check(factory) == []
    clock.advance(minutes=1)
    assert await check(factory) == ["prom"]
    clock.advance(minutes=30)
    assert await check(factory) == []  # still silent: not announced again

    async with database.transaction() as session:
        alert = (await session.scalars(select(AlertRecord))).one()
    assert (alert.source, alert.supplier) == (HEARTBEAT_SOURCE, "prom")
    assert alert.title == "source prom silent since 10:00"
    assert "expected every 15m" in alert.details
    posted = await bodies(database)
    assert len(posted) == 1 and "source prom silent since 10:00" in posted[0]

    await contact(factory, "prom")
    await contact(factory, "prom")
    posted = await bodies(database)
    back = [body for body in posted if "is back" in body]
    assert back == ["source prom is back (silent since 10:00)"]
    async with database.transaction() as session:
        assert (await session.get(AlertRecord, alert.id)).status == AlertStatus.RESOLVED  # type: ignore[union-attr]

    # Back to normal: the next silence is a new alert.
    clock.advance(minutes=15)
    assert await check(factory) == ["prom"]
    async with database.transaction() as session:
        assert len((await session.scalars(select(AlertRecord))).all()) == 2


async def test_a_busy_source_is_noted_at_most_once_a_second(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    first = clock.now()
    await contact(factory, "prom")
    clock.advance(seconds=0.5)
    await contact(factory, "prom")
    async with factory.transaction() as services:
        assert (await services.heartbeats.overview())[0].last_contact_at == first
    clock.advance(seconds=0.5)
    await contact(factory, "prom")
    async with factory.transaction() as services:
        assert (await services.heartbeats.overview())[0].last_contact_at == clock.now()


async def test_a_source_never_heard_from_is_silent_after_its_interval(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    assert await check(factory) == []  # starts watching now
    clock.advance(minutes=15)
    assert await check(factory) == ["prom"]  # feed has no expect_every: never silent


async def test_the_overview_lists_every_source_in_configuration_order(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    await contact(factory, "feed")
    async with factory.transaction() as services:
        views = await services.heartbeats.overview()
    assert [(v.expectation.source, v.last_contact_at, v.silent_since) for v in views] == [
        ("prom", None, None),
        ("feed", clock.now(), None),
    ]


def test_the_policy_names_the_default_source_every_source_and_poller(tmp_path: Path) -> None:
    settings = Settings(
        matrix={
            "homeserver": "http://127.0.0.1:1",
            "user_id": "@bot:test",
            "access_token": "t",
            "coordination_room": ROOM,
        },
        intake=IntakeSettings(
            hmac_secret="s",
            expect_every="1h",
            sources=[
                AlertSourceSettings(
                    name="prom", kind="alertmanager", auth="hmac", secret="x", expect_every="15m"
                )
            ],
        ),
        pollers=[PollerSettings(name="feed", kind="rss", url="http://x", supplier="Acme")],
        taskforce=["@alice:test"],
        encryption={"enabled": False},
        data_dir=tmp_path,
    )
    assert heartbeat_policy(settings).expectations == (
        Expectation("generic", "generic", timedelta(hours=1)),
        Expectation("prom", "alertmanager", timedelta(minutes=15)),
        Expectation("feed", "poller rss", None),
    )


@pytest.mark.parametrize("text", ["0m", "soon", "15"])
def test_expect_every_refuses_what_is_not_a_positive_duration(text: str) -> None:
    with pytest.raises(ValidationError, match="expect_every"):
        PollerSettings(name="f", kind="rss", url="http://x", supplier="A", expect_every=text)


def test_the_watchdog_alert_is_a_heartbeat_not_an_alert() -> None:
    def alert(name: str) -> dict[str, Any]:
        labels = {"alertname": name, "supplier": "Acme"}
        return {"status": "firing", "labels": labels, "startsAt": "2026-11-23T09:00:00Z"}

    webhook = alertmanager.AlertmanagerWebhook.model_validate(
        {
            "version": "4",
            "groupKey": "g",
            "status": "firing",
            "receiver": "weerbaar",
            "alerts": [alert("Watchdog"), alert("DiskFull")],
        }
    )
    source = AlertSourceSettings(name="prom", kind="alertmanager", auth="hmac", secret="x")
    actions = alertmanager.to_actions(webhook, source)
    assert [action.alert.title for action in actions] == ["DiskFull"]  # type: ignore[union-attr]


async def test_a_source_back_on_two_instances_at_once_is_announced_back_once(
    watched_postgres: WatchedPostgres,
) -> None:
    # Two instances share one PostgreSQL database, and a silent source (an Alertmanager
    # pair, say) reaches both at the same moment.
    database, admin = watched_postgres.database, watched_postgres.admin
    clock = ManualClock()
    factory = factory_for(database, clock)
    await contact(factory, "prom")
    clock.advance(minutes=15)
    assert await check(factory) == ["prom"]
    clock.advance(minutes=5)
    async with factory.transaction() as services:  # instance 1
        await services.heartbeats.contact("prom")
        other = asyncio.create_task(contact(factory, "prom"))  # instance 2
        # Until it has finished or waits for instance 1's locks.
        await until_waiting_for_locks(admin, unless_done=other)
    await other
    back = [body for body in await bodies(database) if "is back" in body]
    assert back == ["source prom is back (silent since 10:00)"]


async def test_a_contact_on_the_other_instance_during_the_check_is_not_called_silent(
    watched_postgres: WatchedPostgres,
) -> None:
    # The source is heard from on instance 2 just as the active instance 1 checks: its
    # contact is written but not yet committed when the check reads the row.
    database, admin = watched_postgres.database, watched_postgres.admin
    clock = ManualClock()
    factory = factory_for(database, clock)
    await contact(factory, "prom")
    clock.advance(minutes=15)
    async with factory.transaction() as services:  # instance 2
        await services.heartbeats.contact("prom")
        await services.session.flush()  # as the next request of its batch does
        checking = asyncio.create_task(check(factory))  # instance 1
        await until_waiting_for_locks(admin, unless_done=checking)
    assert await checking == []
    assert not [body for body in await bodies(database) if "silent" in body]


async def test_a_contact_on_the_other_instance_after_the_check_announces_the_return(
    watched_postgres: WatchedPostgres,
) -> None:
    # The other order: the check marks the source silent, and a contact on instance 2
    # reaches the row before that is committed. The source spoke after its silence was
    # posted, so it is back; before, the mark stayed until a later contact.
    database, admin = watched_postgres.database, watched_postgres.admin
    clock = ManualClock()
    factory = factory_for(database, clock)
    await contact(factory, "prom")
    clock.advance(minutes=15)
    async with factory.transaction() as services:  # instance 1
        assert await services.heartbeats.check() == ["prom"]
        await services.session.flush()
        other = asyncio.create_task(contact(factory, "prom"))  # instance 2
        await until_waiting_for_locks(admin, unless_done=other)
    await other
    back = [body for body in await bodies(database) if "is back" in body]
    assert back == ["source prom is back (silent since 10:00)"]
    async with factory.transaction() as services:
        assert (await services.heartbeats.overview())[0].silent_since is None
