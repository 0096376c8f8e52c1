"""The intake runs a transaction again when PostgreSQL aborts it to break a deadlock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.clock import SystemClock
from bot.config import AlertSourceSettings, IntakeSettings
from bot.intake.server import IntakeApp
from bot.matrix.notices import MatrixNotifier
from bot.metrics import Metrics
from bot.playbooks.catalog import DirectoryCatalog
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import AlertRecord
from tests.support.paths import PLAYBOOKS
from tests.support.postgres import fresh_postgres_database

TOKEN = "am-token"


@pytest_asyncio.fixture(loop_scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A migrated, empty PostgreSQL database (skipped without a server)."""
    async with fresh_postgres_database("weerbaar_retry") as url:
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        yield url


async def healthy() -> dict[str, Any]:
    return {"healthy": True}


def intake(db: Database) -> IntakeApp:
    factory = ServiceFactory(
        db,
        SystemClock(),
        notifier_for=lambda outbox: MatrixNotifier(outbox, "!coordination:test", "en"),
        taskforce=["@alice:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda: None,
    )
    source = AlertSourceSettings(name="prom", kind="alertmanager", auth="bearer", secret=TOKEN)
    settings = IntakeSettings(host="127.0.0.1", port=0, hmac_secret="x", sources=[source])
    return IntakeApp(settings, factory, healthy, Metrics())


def webhook(fingerprints: Sequence[str]) -> bytes:
    """An Alertmanager group firing one alert per fingerprint, in that order."""
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "Down", "supplier": "Acme", "instance": fingerprint},
            "startsAt": "2026-11-23T08:00:00Z",
            "fingerprint": fingerprint,
        }
        for fingerprint in fingerprints
    ]
    return json.dumps(
        {"version": "4", "groupKey": "g", "status": "firing", "receiver": "w", "alerts": alerts}
    ).encode()


async def waiting_for_locks(admin: asyncpg.Connection, count: int) -> None:
    """Until ``count`` other sessions wait for a row lock (bounded)."""
    for _ in range(2000):
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{count} sessions never waited for a lock")


async def test_a_deadlocked_request_is_run_again_and_both_are_stored_once(
    postgres_url: str,
) -> None:
    db = Database(postgres_url)
    server = TestServer(intake(db).build())
    await server.start_server()
    blocker = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    watcher = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with aiohttp.ClientSession() as http:

            async def post(fingerprints: Sequence[str]) -> int:
                async with http.post(
                    server.make_url("/alerts/alertmanager/prom"),
                    data=webhook(fingerprints),
                    headers={"Authorization": f"Bearer {TOKEN}"},
                ) as response:
                    await response.read()
                    return response.status

            assert await post(["x", "y"]) == 202
            # Forcing the deadlock: a third session holds alert x, so request A (x then y)
            # waits for x before it has locked y, while B (y then x) locks y and queues
            # for x behind A. Once x is free, A takes it and waits for B's y; B waits
            # for A's x: a deadlock, which PostgreSQL breaks by aborting one of them.
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("SELECT id FROM alerts WHERE external_id = 'x' FOR UPDATE")
            first = asyncio.create_task(post(["x", "y"]))
            await waiting_for_locks(watcher, 1)
            second = asyncio.create_task(post(["y", "x"]))
            await waiting_for_locks(watcher, 2)
            await tx.commit()
            assert list(await asyncio.gather(first, second)) == [202, 202]
        async with db.transaction() as session:
            alerts = list(await session.scalars(select(AlertRecord).order_by(AlertRecord.id)))
        assert [(a.external_id, a.count) for a in alerts] == [("x", 3), ("y", 3)]
    finally:
        await blocker.close()
        await watcher.close()
        await server.close()
        await db.dispose()
