"""Native intake formats posted to the running bot, answered in the real coordination room."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.config import ALERTMANAGER_MAX_ALERTS, AlertSourceSettings, IntakeSettings
from bot.intake.client import signed_headers
from bot.intake.openapi import render
from bot.intake.server import OPENAPI_FILE
from bot.matrix.notices import ALERT_ID_FIELD
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, OutboxRecord, SupplierRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, edit_of, notice_of

AM_TOKEN = "am-token-0123456789"
PD_SECRET = b"pd-hmac-secret"

SOURCES = [
    AlertSourceSettings(name="prom", kind="alertmanager", auth="bearer", secret=AM_TOKEN),
    AlertSourceSettings(
        name="pd", kind="pagerduty", auth="hmac", secret=PD_SECRET.decode(), supplier_label="vendor"
    ),
    AlertSourceSettings(
        name="strict",
        kind="alertmanager",
        auth="bearer",
        secret=AM_TOKEN,
        require_known_supplier=True,
    ),
    AlertSourceSettings(
        name="tight", kind="alertmanager", auth="bearer", secret=AM_TOKEN, max_body_bytes=100_000
    ),
]


@pytest_asyncio.fixture(loop_scope="session")
async def source_bot(world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """A running bot with the three sources above configured."""
    intake = IntakeSettings(
        host="127.0.0.1", port=0, hmac_secret=world.hmac_secret, sources=SOURCES
    )
    async with running_bot(bot_settings(world, tmp_path / "bot", intake=intake)) as instance:
        yield instance


def url(bot: Weerbaar, path: str) -> str:
    return f"http://127.0.0.1:{bot.intake_port}{path}"


async def post(bot: Weerbaar, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url(bot, path), data=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


def bearer(token: str = AM_TOKEN) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def alertmanager_payload(status: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    """A webhook body as Alertmanager 0.27 sends it."""
    return {
        "receiver": "weerbaar",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": "PayrollDown"},
        "commonLabels": {"alertname": "PayrollDown", "job": "blackbox"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": '{}:{alertname="PayrollDown"}',
        "truncatedAlerts": 0,
    }


def am_alert(
    status: str, supplier: str, fingerprint: str, severity: str = "critical"
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "PayrollDown", "supplier": supplier, "severity": severity},
        "annotations": {
            "summary": f"{supplier} payroll API unreachable",
            "description": "Probe failed for 5 minutes",
        },
        "startsAt": "2026-11-23T08:00:00.000Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-23T09:00:00Z",
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success",
        "fingerprint": fingerprint,
    }


async def test_alertmanager_group_fires_and_resolves_in_the_room(
    source_bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room = world.coordination_room
    firing = alertmanager_payload(
        "firing",
        am_alert("firing", "Acme Cloud", "a1b2c3"),
        am_alert("firing", "Globex", "d4e5f6", severity="warning"),
    )
    status, reply = await post(
        source_bot, "/alerts/alertmanager/prom", json.dumps(firing).encode(), bearer()
    )
    assert status == 202, reply
    assert [outcome["status"] for outcome in reply["alerts"]] == ["accepted", "accepted"]
    acme_id, globex_id = (outcome["id"] for outcome in reply["alerts"])

    acme = await alice.wait_for(room, notice_of(acme_id, "Acme Cloud"))
    assert "[S1] Acme Cloud: Acme Cloud payroll API unreachable" in acme["content"]["body"]
    assert "http://prometheus.example.org:9090/graph" in acme["content"]["body"]
    globex = await alice.wait_for(room, notice_of(globex_id, "Globex"))
    assert "[S3] Globex" in globex["content"]["body"]

    # Alertmanager re-sends the group: the alert is updated, not posted again
    status, reply = await post(
        source_bot, "/alerts/alertmanager/prom", json.dumps(firing).encode(), bearer()
    )
    assert [outcome["status"] for outcome in reply["alerts"]] == ["updated", "updated"]

    resolved = alertmanager_payload("resolved", am_alert("resolved", "Acme Cloud", "a1b2c3"))
    status, reply = await post(
        source_bot, "/alerts/alertmanager/prom", json.dumps(resolved).encode(), bearer()
    )
    assert status == 202 and reply["alerts"] == [{"id": acme_id, "status": "resolved"}]
    edit = await alice.wait_for(room, edit_of(acme["event_id"], "Opgelost door prom"))
    assert edit["content"]["m.new_content"][ALERT_ID_FIELD] == acme_id
    async with source_bot.db.transaction() as session:
        stored = await session.get(AlertRecord, acme_id)
        assert stored is not None
        assert (stored.count, stored.status, stored.source) == (2, "resolved", "prom")
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == 2


async def test_pagerduty_trigger_acknowledge_resolve(
    source_bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room = world.coordination_room

    async def send(event: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(event).encode()
        status, reply = await post(
            source_bot, "/alerts/pagerduty/pd", body, signed_headers(PD_SECRET, body)
        )
        assert status == 202, reply
        assert (reply["status"], reply["message"]) == ("success", "Event processed")
        return dict(reply)

    trigger = {
        "routing_key": "R0123456789ABCDEF0123456789ABCDE",
        "event_action": "trigger",
        "dedup_key": "srv01/HTTP",
        "payload": {
            "summary": "DNS resolution failing for citizen portal",
            "source": "monitoring-01",
            "severity": "error",
            "timestamp": "2026-11-23T08:42:58.315+0000",
            "component": "dns",
            "group": "prod",
            "class": "resolution",
            "custom_details": {"vendor": "Initech DNS", "failed_probes": 12},
        },
        "links": [{"href": "https://status.initech.example/incidents/7", "text": "Status"}],
        "client": "Monitoring",
        "client_url": "https://monitoring.example.org",
    }
    reply = await send(trigger)
    assert reply["dedup_key"] == "srv01/HTTP"
    alert_id = reply["alert"]["id"]
    notice = await alice.wait_for(room, notice_of(alert_id, "Initech"))
    body = notice["content"]["body"]
    assert "[S2] Initech DNS: DNS resolution failing for citizen portal" in body
    assert '"failed_probes": 12' in body
    assert "https://status.initech.example/incidents/7" in body

    ack = await send(
        {
            "routing_key": trigger["routing_key"],
            "event_action": "acknowledge",
            "dedup_key": "srv01/HTTP",
        }
    )
    assert ack["alert"] == {"id": alert_id, "status": "acknowledged"}
    await alice.wait_for(room, edit_of(notice["event_id"], "Bevestigd door pd"))
    done = await send(
        {
            "routing_key": trigger["routing_key"],
            "event_action": "resolve",
            "dedup_key": "srv01/HTTP",
        }
    )
    assert done["alert"] == {"id": alert_id, "status": "resolved"}
    await alice.wait_for(room, edit_of(notice["event_id"], "Opgelost door pd"))
    # a resolve for something the bot never saw is answered, and ignored
    unknown = await send({"routing_key": "R0", "event_action": "resolve", "dedup_key": "nope"})
    assert unknown["alert"] == {"id": None, "status": "ignored"}


async def test_refusals_are_4xx_json_and_store_nothing(source_bot: Weerbaar) -> None:
    good = json.dumps(alertmanager_payload("firing", am_alert("firing", "Acme", "f1"))).encode()
    no_label = alertmanager_payload("firing", am_alert("firing", "Acme", "f2"))
    del no_label["alerts"][0]["labels"]["supplier"]
    old_version = {
        **alertmanager_payload("firing", am_alert("firing", "Acme", "f3")),
        "version": "3",
    }
    trigger_without_payload = json.dumps({"routing_key": "R", "event_action": "trigger"}).encode()
    cases: list[tuple[str, bytes, dict[str, str], int, str]] = [
        ("/alerts/alertmanager/prom", good, bearer("wrong"), 401, "unauthorised"),
        (
            "/alerts/alertmanager/prom",
            good,
            {"Content-Type": "application/json"},
            401,
            "unauthorised",
        ),
        ("/alerts/alertmanager/nope", good, bearer(), 404, "unknown_source"),
        ("/alerts/pagerduty/prom", good, bearer(), 404, "unknown_source"),
        ("/alerts/generic/nope", good, bearer(), 404, "unknown_source"),
        ("/alerts/alertmanager/prom", b"{", bearer(), 400, "malformed_json"),
        (
            "/alerts/alertmanager/prom",
            json.dumps(old_version).encode(),
            bearer(),
            422,
            "invalid_alert",
        ),
        (
            "/alerts/alertmanager/prom",
            json.dumps(no_label).encode(),
            bearer(),
            422,
            "invalid_alert",
        ),
        ("/alerts/alertmanager/strict", good, bearer(), 422, "unknown_supplier"),
        # alertmanager's default limit is 1,000 alerts x 2 KiB, the others' intake.max_body_bytes
        ("/alerts/alertmanager/prom", b"x" * 2_048_001, bearer(), 413, "too_large"),
        ("/alerts/pagerduty/pd", b"x" * 300_000, {}, 413, "too_large"),
        (
            "/alerts/pagerduty/pd",
            trigger_without_payload,
            signed_headers(PD_SECRET, trigger_without_payload),
            422,
            "invalid_alert",
        ),
        (
            "/alerts/pagerduty/pd",
            trigger_without_payload,
            signed_headers(PD_SECRET, trigger_without_payload, timestamp=1_000_000_000),
            401,
            "unauthorised",
        ),
    ]
    for path, body, headers, status, error in cases:
        got, reply = await post(source_bot, path, body, headers)
        assert (got, reply["error"]) == (status, error), (path, reply)
        assert "detail" in reply
    async with source_bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxRecord)) == 0


async def test_a_full_alertmanager_group_is_accepted_and_one_over_the_limit_refused_whole(
    source_bot: Weerbaar,
) -> None:
    alerts = []
    for number in range(ALERTMANAGER_MAX_ALERTS):
        alert = am_alert("firing", "Acme", f"{number:016x}")
        alert["labels"]["instance"] = f"payroll-{number:04d}.acme.example.org:443"
        alerts.append(alert)
    body = json.dumps(alertmanager_payload("firing", *alerts)).encode()
    # As large as a real group of Alertmanager's maximum size: well over the 256 KiB default.
    assert 420_000 < len(body) < 460_000

    status, reply = await post(source_bot, "/alerts/alertmanager/tight", body, bearer())
    assert (status, reply["error"]) == (413, "too_large"), reply
    async with source_bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == 0

    status, reply = await post(source_bot, "/alerts/alertmanager/prom", body, bearer())
    assert status == 202, reply
    assert [outcome["status"] for outcome in reply["alerts"]] == ["accepted"] * len(alerts)
    async with source_bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == len(alerts)


async def test_a_known_supplier_is_accepted_by_a_strict_source_under_its_registry_name(
    source_bot: Weerbaar,
) -> None:
    async with source_bot.db.transaction() as session:
        session.add(SupplierRecord(name="Acme Cloud B.V.", aliases=["Acme"], notes=""))
    body = json.dumps(alertmanager_payload("firing", am_alert("firing", "acme", "f9"))).encode()
    status, reply = await post(source_bot, "/alerts/alertmanager/strict", body, bearer())
    assert status == 202, reply
    async with source_bot.db.transaction() as session:
        stored = await session.get(AlertRecord, reply["alerts"][0]["id"])
    assert stored is not None and stored.supplier == "Acme Cloud B.V."


async def test_the_served_openapi_document_is_the_file_and_lists_every_route(
    source_bot: Weerbaar,
) -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render(), (
        "openapi.json is stale: run python -m bot.intake.openapi"
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(url(source_bot, "/openapi.json")) as response,
    ):
        assert response.status == 200
        served = await response.read()
    assert served == OPENAPI_FILE.read_bytes()
    document = json.loads(served)
    assert source_bot._runner is not None
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in source_bot._runner.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert routes == documented
