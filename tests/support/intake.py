"""Alerts posted to a running bot's intake, signed as monitoring would."""

from __future__ import annotations

from typing import Any

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.sandbox.world import SandboxWorld

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
