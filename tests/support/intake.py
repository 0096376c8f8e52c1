"""Alerts posted to a running bot's intake, signed as monitoring would."""

from __future__ import annotations

from typing import Any

from bot.app import Weerbaar
from bot.clock import SystemClock
from bot.intake.client import send_alert
from bot.matrix.notices import MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.sandbox.world import SandboxWorld
from bot.services import ServiceFactory
from bot.storage.db import Database
from tests.support.paths import PLAYBOOKS

ALERT_PAYLOAD = {
    "supplier": "Acme Cloud",
    "title": "Payroll SaaS unreachable since 06:00",
    "severity": "S2",
    "details": "Status page shows a major outage <b>for all regions</b>.",
    "links": ["https://status.example.org/incidents/42"],
    "source": "test",
}


def intake_url(bot: Weerbaar) -> str:
    """The URL of the bot's signed-alert endpoint."""
    return f"http://127.0.0.1:{bot.intake_port}/alerts"


async def post_alert(bot: Weerbaar, world: SandboxWorld, alert: dict[str, Any]) -> int:
    """Post ``alert`` signed with the world's secret; the stored alert's id."""
    status, reply = await send_alert(intake_url(bot), world.hmac_secret.encode(), alert)
    assert status == 202, reply
    assert reply["status"] == "accepted"
    return int(reply["id"])


def intake_factory(database: Database, **options: Any) -> ServiceFactory:
    """The services an intake test runs on ``database``: the real clock, alice alone in
    the taskforce, English notices to ``!coordination:test``; ``options`` are passed on."""
    return ServiceFactory(
        database,
        SystemClock(),
        notifier_for=lambda outbox: MatrixNotifier(outbox, "!coordination:test", "en"),
        taskforce=["@alice:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
        **options,
    )
