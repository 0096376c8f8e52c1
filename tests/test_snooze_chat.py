"""Snooze from the chat against real Synapse: held back, S1 marked, summary on !unsnooze."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.matrix.notices import ALERT_ID_FIELD, ALERT_IDS_FIELD
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, OutboxRecord
from tests.support.matrix_user import MatrixUser, body_of


async def signed_alert(bot: Weerbaar, world: SandboxWorld, severity: str, title: str) -> int:
    alert = {"supplier": "Initrode", "title": title, "severity": severity, "source": "test"}
    url = f"http://127.0.0.1:{bot.intake_port}/alerts"
    status, reply = await send_alert(url, world.hmac_secret.encode(), alert)
    assert status == 202, reply
    return int(reply["id"])


def has_alert_ids(ids: list[int]) -> Any:
    return lambda event: event["content"].get(ALERT_IDS_FIELD) == ids


async def test_snooze_holds_back_posts_s1_marked_and_unsnooze_posts_the_summary(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room = world.coordination_room
    reply = await alice.command(room, "!snooze Initrode in 2h --why planned maintenance")
    assert body_of(reply).startswith("Alerts of Initrode snoozed until ")
    assert body_of(reply).endswith("Reason: planned maintenance")

    held = await signed_alert(bot, world, "S3", "Backup job slow")
    severe = await signed_alert(bot, world, "S1", "Everything down")
    async with bot.db.transaction() as session:
        stored = await session.get(AlertRecord, held)
        assert stored is not None and stored.snooze_id is not None
    notice = await alice.wait_for(room, lambda e: e["content"].get(ALERT_ID_FIELD) == severe)
    assert "Tijdens sluimer binnengekomen" in body_of(notice)

    filed = await alice.command(room, "!alert Initrode Printer queue stuck")
    assert "Initrode is snoozed, so it will be in the summary" in body_of(filed)
    manual = int(body_of(filed).split()[1].removeprefix("#"))

    listing = await alice.command(room, "!sluimer")
    assert body_of(listing).splitlines()[1].startswith("• Initrode tot ")

    reply = await alice.command(room, "!wek Initrode")
    assert body_of(reply) == (
        "Sluimer van Initrode beëindigd; de samenvatting staat in de coördinatieruimte."
    )
    summary = await alice.wait_for(room, has_alert_ids([held, severe, manual]))
    assert body_of(summary).splitlines() == [
        f"Sluimer van Initrode vroeg beëindigd door {alice.user_id}: 3 meldingen "
        "binnengekomen in de tussentijd.",
        "Per ernst: S1: 1, S3: 2",
        f"#{held} [S3] Backup job slow",
        f"#{severe} [S1] Everything down",
        f"#{manual} [S3] Printer queue stuck",
    ]
    # The held-back alert never had a notice of its own, in the room or queued.
    async with bot.db.transaction() as session:
        contents = [row.content for row in await session.scalars(select(OutboxRecord))]
    assert [c[ALERT_ID_FIELD] for c in contents if ALERT_ID_FIELD in c] == [severe]
    assert not {held, manual} & {e["content"].get(ALERT_ID_FIELD) for e in alice.seen[room]}
