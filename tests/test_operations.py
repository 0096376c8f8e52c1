"""Operating the bot: health and metrics endpoints of a running instance."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from bot.app import Weerbaar
from bot.matrix.content import text_content
from bot.sandbox.world import SandboxWorld
from bot.storage.models import OutboxRecord
from tests.support.matrix_user import MatrixUser, body_of, wait_until


def base(bot: Weerbaar) -> str:
    return f"http://127.0.0.1:{bot.intake_port}"


async def test_healthz_reports_sync_database_and_backlog(bot: Weerbaar) -> None:
    async with aiohttp.ClientSession() as session, session.get(base(bot) + "/healthz") as resp:
        assert resp.status == 200
        report = await resp.json()
    assert report["healthy"] is True
    assert report["sync"]["running"] is True
    assert report["sync"]["lag_seconds"] is not None
    assert report["database"] == {"reachable": True}
    assert report["outbox"]["running"] is True
    assert isinstance(report["outbox"]["backlog"], int)


async def test_healthz_turns_unhealthy_when_the_database_is_gone(bot: Weerbaar) -> None:
    await bot.db.engine.dispose()
    (bot.settings.data_dir / "weerbaar.db").rename(bot.settings.data_dir / "moved.db")
    (bot.settings.data_dir / "weerbaar.db").mkdir()  # a directory cannot be opened as a db
    async with aiohttp.ClientSession() as session, session.get(base(bot) + "/healthz") as resp:
        assert resp.status == 503
        report = await resp.json()
    assert report["database"] == {"reachable": False}
    (bot.settings.data_dir / "weerbaar.db").rmdir()
    (bot.settings.data_dir / "moved.db").rename(bot.settings.data_dir / "weerbaar.db")


async def test_metrics_count_commands_webhooks_and_deliveries(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    assert body_of(await alice.command(world.coordination_room, "!help")).startswith("Weerbaar")
    async with aiohttp.ClientSession() as session:
        async with session.post(base(bot) + "/alerts", data=b"{}") as resp:
            assert resp.status == 401
        async with session.get(base(bot) + "/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            text = await resp.text()
    assert 'weerbaar_commands_total{command="help",outcome="ok"} 1.0' in text
    assert 'weerbaar_webhook_requests_total{route="/alerts",status="401"} 1.0' in text
    assert "weerbaar_outbox_delivery_seconds_count" in text
    assert "weerbaar_sync_lag_seconds" in text


async def test_a_message_over_the_event_size_limit_arrives_as_preview_and_file(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    marker = "grote-tekst-" + world.coordination_room[-6:]
    huge = marker + "\n" + "x" * 100_000
    async with bot.factory.transaction() as services:
        await services.outbox.post(world.coordination_room, {"msgtype": "m.notice", "body": huge})
    preview = await alice.wait_for(world.coordination_room, lambda e: body_of(e).startswith(marker))
    assert body_of(preview).endswith("full text attached)")
    attached = await alice.wait_for(
        world.coordination_room,
        lambda e: e["content"].get("msgtype") == "m.file" and body_of(e) == "message.txt",
    )
    assert (await alice.download(attached["content"]["url"])).decode() == huge


async def test_a_refused_message_is_set_aside_and_reported_once_and_later_ones_flow(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    server = world.bot.user_id.split(":", 1)[1]
    nowhere = f"!not-joined-{world.coordination_room[1:7]}:{server}"  # M_FORBIDDEN
    after = "na-de-weigering-" + world.coordination_room[-6:]
    async with bot.factory.transaction() as services:
        await services.outbox.post(nowhere, text_content("lost"))
        await services.outbox.post(world.coordination_room, text_content(after))
    report = await alice.wait_for(world.coordination_room, lambda e: nowhere in body_of(e))
    assert "M_FORBIDDEN" in body_of(report)
    await alice.wait_for(world.coordination_room, lambda e: body_of(e) == after)

    async def settled() -> bool:
        async with bot.db.transaction() as session:
            rows = list(await session.scalars(select(OutboxRecord)))
        return all(row.sent_at is not None or row.dead_at is not None for row in rows)

    await wait_until(settled)
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord)))
    (dead,) = [row for row in rows if row.room_id == nowhere]
    assert dead.dead_at is not None and dead.sent_at is None
    reports = [row for row in rows if nowhere in str(row.content.get("body"))]
    assert len(reports) == 1 and reports[0].sent_at is not None
