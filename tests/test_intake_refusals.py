"""Requests the intake must refuse with a 4xx and store nothing, on both databases.

The intake runs as an aiohttp test server over the database without a homeserver: what
it answers and what it stored is all these tests look at.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.config import AlertSourceSettings, IntakeSettings
from bot.intake.server import IntakeApp
from bot.intake.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.metrics import Metrics
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord, WebhookReceiptRecord
from tests.support.intake import intake_factory

SECRET = "intake-secret"
AM_TOKEN = "am-token"
PD_SECRET = "pd-secret"


async def healthy() -> dict[str, Any]:
    return {"healthy": True}


@pytest_asyncio.fixture(loop_scope="session")
async def intake(database: Database) -> AsyncIterator[TestServer]:
    """The intake over ``database``, with an Alertmanager and a PagerDuty source."""
    factory = intake_factory(database)
    sources = [
        AlertSourceSettings(name="prom", kind="alertmanager", auth="bearer", secret=AM_TOKEN),
        AlertSourceSettings(name="pd", kind="pagerduty", auth="hmac", secret=PD_SECRET),
    ]
    settings = IntakeSettings(host="127.0.0.1", port=0, hmac_secret=SECRET, sources=sources)
    server = TestServer(IntakeApp(settings, factory, healthy, Metrics()).build(), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret.encode(), timestamp, body),
        "Content-Type": "application/json",
    }


async def post(
    server: TestServer, path: str, body: bytes | str, headers: dict[str, str]
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.make_url(path), data=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


async def stored(database: Database) -> tuple[int, int, int]:
    """How many alerts, outbox messages and receipts the database holds."""
    async with database.transaction() as session:
        return (
            await session.scalar(select(func.count()).select_from(AlertRecord)) or 0,
            await session.scalar(select(func.count()).select_from(OutboxRecord)) or 0,
            await session.scalar(select(func.count()).select_from(WebhookReceiptRecord)) or 0,
        )


async def test_a_body_that_is_not_the_gzip_it_claims_is_400(
    intake: TestServer, database: Database
) -> None:
    body = b"this is not gzip"
    headers = {**signed(body), "Content-Encoding": "gzip"}
    status, answer = await post(intake, "/alerts", body, headers)
    assert (status, answer["error"]) == (400, "malformed_json")
    assert await stored(database) == (0, 0, 0)


def alertmanager_group(*labels: dict[str, str]) -> bytes:
    """An Alertmanager group firing one alert per label set."""
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "Down", **alert_labels},
            "startsAt": "2026-11-23T08:00:00Z",
        }
        for alert_labels in labels
    ]
    group = {"version": "4", "groupKey": "g", "status": "firing", "receiver": "w"}
    return json.dumps({**group, "alerts": alerts}).encode()


async def test_a_native_alert_that_maps_to_an_invalid_alert_is_422_and_stores_nothing(
    intake: TestServer, database: Database
) -> None:
    # Valid in its own format, but the alert it maps to is not: a supplier name longer
    # than an alert's 200 characters, or one with a lone surrogate (valid JSON, not text).
    body = alertmanager_group({"supplier": "Acme"}, {"supplier": "A" * 201})
    headers = {"Authorization": f"Bearer {AM_TOKEN}"}
    status, answer = await post(intake, "/alerts/alertmanager/prom", body, headers)
    assert (status, answer["error"]) == (422, "invalid_alert")
    assert [problem["field"] for problem in answer["detail"]] == ["supplier"]
    event = {
        "routing_key": "r",
        "event_action": "trigger",
        "payload": {
            "summary": "Down",
            "source": "db1",
            "severity": "critical",
            "custom_details": {"supplier": "Acme \ud800"},
        },
    }
    body = json.dumps(event).encode()
    status, answer = await post(intake, "/alerts/pagerduty/pd", body, signed(body, PD_SECRET))
    assert (status, answer["error"]) == (422, "invalid_alert")
    assert await stored(database) == (0, 0, 0)


async def test_text_with_nul_characters_is_accepted_on_both_databases(
    intake: TestServer, database: Database
) -> None:
    # JSON allows "\u0000"; PostgreSQL's text columns cannot hold it.
    alert = {"supplier": "Acme\u0000", "title": "Down\u0000", "external_id": "a\u0000"}
    body = json.dumps(alert).encode()
    assert await post(intake, "/alerts", body, signed(body)) == (
        202,
        {"id": 1, "status": "accepted"},
    )
    body = json.dumps({**alert, "title": "Down again"}).encode()
    assert await post(intake, "/alerts", body, signed(body)) == (
        202,
        {"id": 1, "status": "updated"},
    )
    headers = {"Authorization": f"Bearer {AM_TOKEN}"}
    group = json.loads(alertmanager_group({"supplier": "Acme"}))
    group["alerts"][0]["fingerprint"] = "f\u0000"
    status, answer = await post(intake, "/alerts/alertmanager/prom", json.dumps(group), headers)
    assert (status, answer["alerts"]) == (202, [{"id": 2, "status": "accepted"}])
    group["alerts"][0]["status"] = "resolved"
    status, answer = await post(intake, "/alerts/alertmanager/prom", json.dumps(group), headers)
    assert (status, answer["alerts"]) == (202, [{"id": 2, "status": "resolved"}])
    async with database.transaction() as session:
        alerts = list(await session.scalars(select(AlertRecord).order_by(AlertRecord.id)))
    assert [(a.supplier, a.title, a.external_id, a.count) for a in alerts] == [
        ("Acme", "Down", "a", 2),
        ("Acme", "Down", "f", 1),
    ]


async def test_json_nested_deeper_than_python_parses_is_400(
    intake: TestServer, database: Database
) -> None:
    # 10 KB, far within the size cap; too deep for Python's json module to recurse.
    body = b"[" * 5000 + b"]" * 5000
    status, answer = await post(intake, "/alerts", body, signed(body))
    assert (status, answer["error"]) == (400, "malformed_json")
    body = b'{"a":' * 5000 + b"1" + b"}" * 5000
    status, answer = await post(intake, "/heartbeat/generic", body, signed(body))
    assert (status, answer["error"]) == (400, "malformed_json")
    assert await stored(database) == (0, 0, 0)
