"""The intake applies a batch again when PostgreSQL aborts it to break a deadlock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.config import AlertSourceSettings, IntakeSettings
from bot.intake.server import IntakeApp
from bot.metrics import Metrics
from bot.storage.db import Database
from bot.storage.models import AlertRecord
from tests.support.databases import ReusedPostgresDatabase
from tests.support.intake import intake_factory
from tests.support.postgres import until_waiting_for_locks

TOKEN = "am-token"


@pytest_asyncio.fixture(loop_scope="session")
async def postgres_url(reused_postgres: ReusedPostgresDatabase) -> str:
    """A migrated, empty PostgreSQL database (skipped without a server)."""
    return await reused_postgres.emptied()


async def healthy() -> dict[str, Any]:
    return {"healthy": True}


def intake(db: Database) -> IntakeApp:
    factory = intake_factory(db)
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


async def test_a_batch_aborted_by_a_deadlock_is_applied_again_and_stored_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture
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
            # Forcing the deadlock: another session (a second bot process, say) holds
            # alert y, so the batch's look-up locks x and waits for y; that session then
            # asks for x. PostgreSQL breaks the cycle by aborting the batch, which waited
            # first: the other session's deadlock check only runs after 10 s.
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("SET LOCAL deadlock_timeout = '10s'")
            await blocker.execute("SELECT id FROM alerts WHERE external_id = 'y' FOR UPDATE")
            request = asyncio.create_task(post(["x", "y"]))
            await until_waiting_for_locks(watcher)
            await blocker.execute("SELECT id FROM alerts WHERE external_id = 'x' FOR UPDATE")
            await tx.commit()
            assert await request == 202
        assert "group commit of 1 requests failed" in caplog.text
        async with db.transaction() as session:
            alerts = list(await session.scalars(select(AlertRecord).order_by(AlertRecord.id)))
        assert [(a.external_id, a.count) for a in alerts] == [("x", 2), ("y", 2)]
    finally:
        await blocker.close()
        await watcher.close()
        await server.close()
        await db.dispose()
