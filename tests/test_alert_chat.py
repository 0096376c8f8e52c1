"""Alerts from the chat and reactions on their notices, against real Synapse."""

from __future__ import annotations

import logging
from pathlib import Path

import nio
import pytest
from sqlalchemy import select, update

from bot.alerts.model import IncomingAlert
from bot.alerts.timers import GROUP_TIMER
from bot.app import Weerbaar
from bot.commands.reactions import plain_key
from bot.config import AlertSettings
from bot.matrix.notices import ALERT_ID_FIELD, ALERT_IDS_FIELD
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, TimerRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, edit_of, notice_of, wait_until


async def react(user: MatrixUser, room: str, event_id: str, key: str) -> None:
    content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
    response = await user.client.room_send(room, "m.reaction", content)
    assert isinstance(response, nio.RoomSendResponse), response


async def stored(bot: Weerbaar, alert_id: int) -> AlertRecord:
    async with bot.db.transaction() as session:
        alert = await session.get(AlertRecord, alert_id)
    assert alert is not None
    return alert


async def test_manual_alert_then_reactions_acknowledge_and_resolve(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, bob: MatrixUser, mallory: MatrixUser
) -> None:
    room = world.coordination_room
    reply = await alice.command(room, '!melding "Hooli Mail" Inloggen lukt niet sinds 09:00')
    assert body_of(reply).startswith("Melding #")
    async with bot.db.transaction() as session:
        alert = await session.scalar(select(AlertRecord).order_by(AlertRecord.id.desc()))
    assert alert is not None
    assert (alert.supplier, alert.source, alert.title) == (
        "Hooli Mail",
        "chat",
        "Inloggen lukt niet sinds 09:00",
    )
    notice = await alice.wait_for(room, notice_of(alert.id, "Hooli Mail"))
    assert notice["content"][ALERT_ID_FIELD] == alert.id

    # someone outside the taskforce reacting changes nothing
    await react(mallory, room, notice["event_id"], "👍")
    await react(bob, room, notice["event_id"], "👍🏽")
    edit = await alice.wait_for(room, edit_of(notice["event_id"], "Bevestigd door " + bob.user_id))
    assert edit["content"]["m.new_content"][ALERT_ID_FIELD] == alert.id
    assert (await stored(bot, alert.id)).acknowledged_by == bob.user_id

    await react(alice, room, notice["event_id"], "✅")
    await alice.wait_for(room, edit_of(notice["event_id"], "Opgelost door " + alice.user_id))
    resolved = await stored(bot, alert.id)
    assert (resolved.status, resolved.resolved_by) == ("resolved", alice.user_id)


async def test_ack_command_edits_the_notice_and_refuses_twice(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room = world.coordination_room
    await alice.command(room, "!alert Initech Payroll export stuck")
    async with bot.db.transaction() as session:
        alert = await session.scalar(select(AlertRecord).order_by(AlertRecord.id.desc()))
    assert alert is not None
    notice = await alice.wait_for(room, notice_of(alert.id, "Initech"))
    reply = await alice.command(room, f"!ack {alert.id}")
    assert body_of(reply) == f"Alert #{alert.id} acknowledged by {alice.user_id}."
    await alice.wait_for(room, edit_of(notice["event_id"], "Bevestigd door " + alice.user_id))
    again = await alice.command(room, f"!bevestig {alert.id}")
    assert body_of(again) == f"Melding #{alert.id} is al bevestigd door {alice.user_id}."
    assert body_of(await alice.command(room, "!ack")).startswith("Usage: !ack <alert-id>")
    assert body_of(await alice.command(room, "!melding Acme")).startswith("Gebruik: !melding")


async def test_a_reaction_from_outside_the_taskforce_does_nothing(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, mallory: MatrixUser
) -> None:
    room = world.coordination_room
    await alice.command(room, "!alert Globex Storage latency")
    async with bot.db.transaction() as session:
        alert = await session.scalar(select(AlertRecord))
    assert alert is not None
    notice = await alice.wait_for(room, notice_of(alert.id, "Globex"))
    await react(mallory, room, notice["event_id"], "✅")
    # a later, authorised reaction is handled, so the earlier one was seen and ignored
    await react(alice, room, notice["event_id"], "👍")

    async def acknowledged() -> bool:
        return (await stored(bot, alert.id)).status == "acknowledged"

    await wait_until(acknowledged)
    assert (await stored(bot, alert.id)).resolved_by is None


def test_reaction_keys_ignore_variation_selectors_and_skin_tones() -> None:
    assert plain_key("👍🏿") == plain_key("👍️") == "👍"
    assert plain_key("✅️") == "✅"


async def test_reactions_on_a_summary_and_ack_by_supplier_act_on_all_its_alerts(
    world: SandboxWorld,
    alice: MatrixUser,
    bob: MatrixUser,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.alerts.service")
    settings = bot_settings(
        world, tmp_path / "bot", alerts=AlertSettings(group_window_seconds=3600)
    )
    async with running_bot(settings) as bot:
        room = world.coordination_room
        async with bot.factory.transaction() as services:
            alerts = [
                await services.alerts.receive(IncomingAlert(supplier="Initech", title=title))
                for title in ("portal", "api", "mail", "sso")
            ]
        first, held = alerts[0].id, [alert.id for alert in alerts[1:]]
        async with bot.db.transaction() as session:  # the window ends now
            await session.execute(
                update(TimerRecord)
                .where(TimerRecord.kind == GROUP_TIMER.name)
                .values(due_at=bot.clock.now())
            )
        await bot.timers.fire_due()
        summary = await alice.wait_for(room, lambda e: e["content"].get(ALERT_IDS_FIELD) == held)

        await react(alice, room, summary["event_id"], "👍")
        edit = await alice.wait_for(room, edit_of(summary["event_id"], "Bevestigd door"))
        assert (
            edit["content"]["m.new_content"]["body"].count("Bevestigd door " + alice.user_id) == 3
        )
        assert {(await stored(bot, i)).status for i in held} == {"acknowledged"}
        assert f"bulk acknowledge by {alice.user_id}: 3 alerts" in caplog.text

        await react(bob, room, summary["event_id"], "✅")
        edit = await alice.wait_for(room, edit_of(summary["event_id"], "Opgelost door"))
        assert edit["content"]["m.new_content"]["body"].count("Opgelost door " + bob.user_id) == 3
        assert f"bulk resolve by {bob.user_id}: 3 alerts" in caplog.text
        assert (await stored(bot, first)).status == "open"  # not in the summary

        reply = body_of(await bob.command(room, "!ack initech"))
        assert reply == f"Open alerts of Initech acknowledged by {bob.user_id}: #{first} (1)."
        assert (await stored(bot, first)).acknowledged_by == bob.user_id
        assert f"bulk acknowledge by {bob.user_id}: 1 alerts" in caplog.text
        again = body_of(await bob.command(room, "!bevestig Initech"))
        assert again == f"Open meldingen van Initech bevestigd door {bob.user_id}: — (0)."
