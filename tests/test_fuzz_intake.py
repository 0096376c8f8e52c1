"""The running intake driven from its own OpenAPI document with generated requests.

schemathesis turns ``/openapi.json`` into request strategies (valid bodies and bodies that
break the schema); each request goes out signed with the right secret, or unsigned, to a
configured source or a random one. Every answer must be one the document lists, with the
documented body and content type, never a server error, never a hang; afterwards the
database holds exactly the alerts that were answered 2xx.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
import requests
import schemathesis
from hypothesis import example, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from bot.app import Weerbaar
from bot.config import AlertSettings, AlertSourceSettings, IntakeSettings
from bot.intake.client import signed_headers
from bot.matrix.notices import ALERT_ID_FIELD
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, OutboxRecord
from tests.support.fuzzing import fuzz_settings
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import wait_until

TOKEN = "fuzz-bearer-token-0123456789"
SECRET = "fuzz-hmac-secret"
SOURCES = [
    AlertSourceSettings(name="gen", kind="generic", auth="hmac", secret=SECRET),
    AlertSourceSettings(name="am", kind="alertmanager", auth="hmac", secret=SECRET),
    AlertSourceSettings(name="am-bearer", kind="alertmanager", auth="bearer", secret=TOKEN),
    AlertSourceSettings(name="pd", kind="pagerduty", auth="hmac", secret=SECRET),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
VALID_ALERT = {"supplier": "Acme Cloud", "title": "Outage", "severity": "S2"}
# Generous for one request on a loaded CI machine, far below "hangs".
REQUEST_TIMEOUT = 30


@pytest_asyncio.fixture(loop_scope="session")
async def fuzz_bot(world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """A running bot with an HMAC and a bearer source of every kind."""
    intake = IntakeSettings(
        host="127.0.0.1", port=0, hmac_secret=world.hmac_secret, sources=SOURCES
    )
    # Every accepted alert is posted on its own (no grouping window), so the room can be
    # checked for exactly one notice per alert.
    alerts = AlertSettings(group_window_seconds=0)
    async with running_bot(
        bot_settings(world, tmp_path / "bot", intake=intake, alerts=alerts)
    ) as instance:
        yield instance


def _credentials(path: str, body: bytes, default_secret: str) -> dict[str, str]:
    """The headers a configured sender would add for ``path``: signature or bearer token."""
    if path == "/alerts":
        return signed_headers(default_secret.encode(), body)
    name = path.rsplit("/", 1)[-1]
    source = next((source for source in SOURCES if source.name == name), None)
    if source is not None and source.auth == "bearer":
        return {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    return signed_headers(SECRET.encode(), body)


def _alert_ids(path: str, answer: Any) -> set[int]:
    """The alert ids a 2xx answer names (an ignored action names none)."""
    if path.startswith("/alerts/alertmanager/"):
        outcomes = answer["alerts"]
    elif path.startswith("/alerts/pagerduty/"):
        outcomes = [answer["alert"]]
    elif path.startswith("/alerts"):
        outcomes = [answer]
    else:
        outcomes = []
    return {outcome["id"] for outcome in outcomes if outcome["id"] is not None}


def fuzz(base_url: str, default_secret: str, examples: int) -> set[int]:
    """Send generated requests to the intake at ``base_url``; returns the ids answered 2xx."""
    document = requests.get(f"{base_url}/openapi.json", timeout=REQUEST_TIMEOUT).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = []
    for result in schema.get_all_operations():
        # The document is ours and tested elsewhere: an operation it cannot load is a bug.
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    cases = st.one_of(
        [
            operation.as_strategy(generation_mode=mode)
            for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )
    names = st.sampled_from([source.name for source in SOURCES] + ["generic", "nope"])
    accepted: set[int] = set()
    # What the generated cases are depends on the process's history (the test modules an
    # xdist worker ran before): some sequences hold no valid signed alert at all. These
    # explicit cases run first in every run, so "nothing accepted" always means the
    # signing below is broken, never an unlucky sequence.
    by_route = {(operation.method.upper(), operation.path): operation for operation in operations}
    valid_alerts = [
        by_route[("POST", "/alerts")].Case(body=dict(VALID_ALERT), media_type="application/json"),
        by_route[("POST", "/alerts/generic/{source}")].Case(
            path_parameters={"source": "gen"},
            body={**VALID_ALERT, "title": "Storage degraded"},
            media_type="application/json",
        ),
    ]

    @fuzz_settings(examples)
    @given(case=cases, source=st.one_of(names, st.none()), sign=st.booleans())
    @example(case=valid_alerts[0], source=None, sign=True)
    @example(case=valid_alerts[1], source=None, sign=True)
    def one_request(case: Any, source: str | None, sign: bool) -> None:
        # Mostly a configured source: a random name only ever meets 404.
        if source is not None and "source" in (case.path_parameters or {}):
            case.path_parameters["source"] = source
        transport = case.as_transport_kwargs(base_url=base_url)
        body = transport.pop("json", None)
        raw = transport.pop("data", None)
        if body is not None:
            raw = json.dumps(body).encode()
        headers = dict(transport.pop("headers", None) or {})
        if sign and raw is not None:
            headers.update(_credentials(case.formatted_path, raw, default_secret))
        response = requests.request(
            transport["method"],
            transport["url"],
            params=transport.get("params"),
            data=raw,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code >= 400 and case.formatted_path != "/healthz":
            assert set(response.json()) == {"error", "detail"}, response.text
        if 200 <= response.status_code < 300 and case.method == "POST":
            accepted.update(_alert_ids(case.formatted_path, response.json()))
        if any(case is valid for valid in valid_alerts):
            explicit.append(response.status_code)

    explicit: list[int] = []
    one_request()
    # Signed with the default secret and with a source's own: both must be taken.
    assert explicit == [202, 202], f"valid signed alerts were refused: {explicit}"
    return accepted


async def test_generated_requests_get_documented_answers_and_store_only_what_was_accepted(
    fuzz_bot: Weerbaar, world: SandboxWorld
) -> None:
    base_url = f"http://127.0.0.1:{fuzz_bot.intake_port}"
    # Synchronous client in a thread: the intake keeps answering on this event loop.
    accepted = await asyncio.to_thread(fuzz, base_url, world.hmac_secret, 150)
    async with fuzz_bot.db.transaction() as session:
        stored = set(await session.scalars(select(AlertRecord.id)))
    assert stored == accepted
    assert accepted, "no generated request was accepted: the signing hook is broken"

    async def announced() -> list[int]:
        """Alert ids of the notices delivered to the coordination room (not their edits)."""
        async with fuzz_bot.db.transaction() as session:
            rows = await session.scalars(
                select(OutboxRecord).where(
                    OutboxRecord.room_id == world.coordination_room,
                    OutboxRecord.replaces_outbox_id.is_(None),
                    OutboxRecord.sent_at.is_not(None),
                )
            )
            return [row.content[ALERT_ID_FIELD] for row in rows if ALERT_ID_FIELD in row.content]

    async def all_announced() -> bool:
        return set(await announced()) >= accepted

    await wait_until(all_announced, timeout=60)
    ids = await announced()
    assert sorted(ids) == sorted(accepted), "each accepted alert is announced exactly once"
