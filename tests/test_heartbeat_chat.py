"""A source that falls silent and comes back, against real Synapse with a controllable clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from bot.config import AlertSourceSettings
from bot.intake.client import send_alert
from bot.sandbox.world import SandboxWorld
from tests.support.clock import ManualClock
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, wait_until

SECRET = "prom-secret"


def is_notice_with(text: str) -> Any:
    """A new message (not an edit) whose body contains ``text``."""

    def predicate(event: dict[str, Any]) -> bool:
        relation = event.get("content", {}).get("m.relates_to", {})
        return text in body_of(event) and relation.get("rel_type") != "m.replace"

    return predicate


async def test_a_silent_source_is_announced_once_and_its_return_once(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    base = bot_settings(world, tmp_path / "bot", language="en", timezone="UTC")
    prom = AlertSourceSettings(
        name="prom",
        kind="alertmanager",
        auth="hmac",
        secret=SECRET,
        supplier="Acme",
        expect_every="15m",
    )
    intake = base.intake.model_copy(update={"sources": [prom], "heartbeat_check_seconds": 0.05})
    clock = ManualClock()  # 09:00 UTC
    async with running_bot(base.model_copy(update={"intake": intake}), clock=clock) as bot:
        url = f"http://127.0.0.1:{bot.intake_port}"
        status, answer = await send_alert(f"{url}/heartbeat/prom", SECRET.encode(), {})
        assert (status, answer) == (202, {"status": "accepted", "source": "prom"})
        refused, _ = await send_alert(f"{url}/heartbeat/prom", b"wrong", {})
        unknown, _ = await send_alert(f"{url}/heartbeat/nagios", SECRET.encode(), {})
        assert (refused, unknown) == (401, 404)

        clock.advance(minutes=16)
        silent = await alice.wait_for(room, is_notice_with("source prom silent since 09:00"))
        assert "Acme" not in body_of(silent)  # the supplier is the source itself

        status, _ = await send_alert(f"{url}/heartbeat/prom", SECRET.encode(), {"at": 1})
        assert status == 202
        await alice.wait_for(room, is_notice_with("source prom is back (silent since 09:00)"))
        seen = alice.seen.get(room, [])
        assert len([e for e in seen if is_notice_with("source prom silent since")(e)]) == 1

        listing = await alice.command(room, "!bronnen")
        assert "prom (alertmanager): in orde; laatste contact 09:16" in body_of(listing)
        assert "verwacht elke 15m" in body_of(listing)
        assert "generic (generic): niet bewaakt; laatste contact nooit" in body_of(listing)

        async def age_exported() -> bool:
            async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as r:
                text = await r.text()
            return 'weerbaar_source_last_contact_age_seconds{source="prom"}' in text

        await wait_until(age_exported)
