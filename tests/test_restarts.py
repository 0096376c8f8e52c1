"""Thirty restarts on one SQLite file while commands and alerts keep arriving.

Stopping is cooperative (each loop finishes its transaction and exits), so no restart
may meet a locked database, and every command is answered exactly once: claimed in the
same transaction as its reply, re-read after a restart if that never committed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord
from tests.support.homeserver import bot_settings
from tests.support.matrix_user import MatrixUser, wait_until

# Started first on the parallel workers: thirty restarts of the bot.
pytestmark = pytest.mark.runs_long

RESTARTS = 30
SOURCE = "restart-test"


class Traffic:
    """Commands from a taskforce member and signed alerts, sent until told to stop."""

    def __init__(self, world: SandboxWorld, user: MatrixUser) -> None:
        self._world = world
        self._user = user
        self.commands: list[str] = []  # event ids of the commands sent
        self.accepted: list[str] = []  # external ids of the alerts answered 202
        self.intake_port: int | None = None
        self.done = asyncio.Event()

    async def send_commands(self) -> None:
        while not self.done.is_set():
            number = len(self.commands) + 1
            event_id = await self._user.send(
                self._world.coordination_room, f"!melding Acme herstart-{number}"
            )
            self.commands.append(event_id)
            await asyncio.sleep(0.15)

    async def send_alerts(self) -> None:
        while not self.done.is_set():
            port = self.intake_port
            if port is not None:
                external_id = uuid.uuid4().hex
                alert = {
                    "supplier": "Acme",
                    "title": f"Herstart {external_id[:6]}",
                    "severity": "S3",
                    "source": SOURCE,
                    "external_id": external_id,
                }
                url = f"http://127.0.0.1:{port}/alerts"
                try:
                    status, _ = await send_alert(url, self._world.hmac_secret.encode(), alert)
                except aiohttp.ClientError:
                    status = None  # the bot is between runs: not accepted, nothing promised
                if status == 202:
                    self.accepted.append(external_id)
            await asyncio.sleep(0.1)

    async def watch_room(self) -> None:
        # A sync returns at most 200 events per room; one that spanned the whole run would
        # come back limited and lose the early replies, so the member keeps reading.
        while not self.done.is_set():
            await self._user.sync(500)


async def test_restarting_thirty_times_loses_and_doubles_nothing(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = bot_settings(world, tmp_path / "bot")
    traffic = Traffic(world, alice)
    randomness = random.Random(20261205)
    senders: list[asyncio.Task[None]] = []
    try:
        for _ in range(RESTARTS):
            bot = Weerbaar(settings)
            await bot.start()
            if not senders:
                # A new bot answers nothing from before its first sync: start afterwards.
                await bot.sync.synced.wait()
                senders = [
                    asyncio.create_task(traffic.send_commands()),
                    asyncio.create_task(traffic.send_alerts()),
                    asyncio.create_task(traffic.watch_room()),
                ]
            traffic.intake_port = bot.intake_port
            await asyncio.sleep(randomness.uniform(0.2, 1.0))
            traffic.intake_port = None
            await bot.stop()
    finally:
        traffic.done.set()
        await asyncio.gather(*senders)

    bot = Weerbaar(settings)
    await bot.start()
    try:
        room = world.coordination_room

        def unanswered() -> list[int]:
            return [
                number
                for number, event_id in enumerate(traffic.commands, start=1)
                if not alice.replies_seen(room, event_id)
            ]

        async def caught_up() -> bool:
            await alice.sync(500)
            return not unanswered()

        try:
            await wait_until(caught_up, timeout=60)
        except AssertionError:
            raise AssertionError(
                f"commands never answered: {unanswered()} of {len(traffic.commands)}"
            ) from None
        await alice.sync(2000)  # time for a doubled reply to show up
        doubled = [e for e in traffic.commands if len(alice.replies_seen(room, e)) != 1]
        assert doubled == []
        async with bot.db.transaction() as session:
            stored = await session.scalar(
                select(func.count()).select_from(AlertRecord).where(AlertRecord.source == SOURCE)
            )
        assert stored == len(traffic.accepted)
    finally:
        await bot.stop()
    problems = [
        record.getMessage()
        for record in caplog.records
        if "locked" in record.getMessage() or record.levelno >= logging.ERROR
    ]
    assert problems == []
    assert len(traffic.commands) > RESTARTS and len(traffic.accepted) > RESTARTS
