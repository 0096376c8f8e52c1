"""What a coordinator reads: every message the bot posts while one escalation is walked
from alert to ``!close``, with its size. Prints one line per message and the totals.

Runs the real bot against a throwaway Synapse and reads what it posted from its outbox
(the one place every message passes through), so the same script measures any version
of the bot that has an outbox. Run: ``.venv/bin/python bench/escalation_messages.py``.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import nio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from bot.storage.models import HandledEventRecord, OutboxRecord, SituationRecord

REPO = Path(__file__).resolve().parent.parent
SUPPLIER = "Acme Cloud"


class Member:
    """A taskforce member typing commands and waiting until the bot has handled them."""

    def __init__(self, world: SandboxWorld, bot: Weerbaar) -> None:
        account = world.members[0]
        self.user_id = account.user_id
        self.client = nio.AsyncClient(world.homeserver_url, account.user_id)
        self.client.access_token = account.access_token
        self.bot = bot

    async def say(self, room_id: str, body: str) -> None:
        sent = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(sent, nio.RoomSendResponse), sent
        await self._until(lambda session: _handled(session, sent.event_id))
        await self._until(_all_delivered)

    async def _until(
        self, condition: Callable[[AsyncSession], Awaitable[bool]], timeout: float = 30.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.bot.db.transaction() as session:
                if await condition(session):
                    return
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not finish in time")


async def _handled(session: AsyncSession, event_id: str) -> bool:
    found = await session.get(HandledEventRecord, event_id)
    return found is not None


async def _all_delivered(session: AsyncSession) -> bool:
    waiting = await session.scalar(
        select(OutboxRecord.id).where(OutboxRecord.sent_at.is_(None)).limit(1)
    )
    return waiting is None


async def walk(world: SandboxWorld, bot: Weerbaar) -> list[tuple[str, str, int]]:
    member = Member(world, bot)
    coordination = world.coordination_room
    status, answer = await send_alert(
        f"http://127.0.0.1:{bot.intake_port}/alerts",
        world.hmac_secret.encode(),
        {"supplier": SUPPLIER, "title": "Storage cluster down", "severity": "S1"},
    )
    assert status == 202, answer
    await member._until(_all_delivered)
    await member.say(coordination, f"!escalate {answer['id']}")
    async with bot.db.transaction() as session:
        room = await session.scalar(
            select(SituationRecord.incident_room_id).where(SituationRecord.supplier == SUPPLIER)
        )
    assert room is not None
    joined = await member.client.join(room)
    assert isinstance(joined, nio.JoinResponse), joined
    for command in [
        f"!role {member.user_id} coordinator",
        "!playbook start example-supplier-outage",
        "!step done 1 picture clear",
        "!next",
        "!decide Switch to the fallback provider --why no ETA from the supplier",
        "!note supplier confirms restore by 18:00",
        "!close restored, fallback stays until Monday",
    ]:
        await member.say(room, command)
    await member.client.close()
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
    where = {coordination: "coordination", room: "incident"}
    return [
        (
            where.get(row.room_id, row.room_id),
            str(row.content.get("body", row.event_type)),
            len(json.dumps(row.content, ensure_ascii=False).encode("utf-8")),
        )
        for row in rows
        if row.event_type == "m.room.message"
    ]


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        async with ThrowawaySynapse(Path(scratch) / "synapse") as synapse:
            world = await create_world(synapse, ["coordinator"])
            bot = Weerbaar(world.settings(Path(scratch) / "bot", REPO / "playbooks"))
            await bot.start()
            await bot.sync.synced.wait()
            try:
                messages = await walk(world, bot)
            finally:
                await bot.stop()
    total = 0
    for number, (room, body, size) in enumerate(messages, 1):
        total += size
        first_line = body.splitlines()[0] if body else ""
        print(f"{number:3}  {room:12}  {size:6} B  {first_line[:90]}")
    print(f"{len(messages)} messages, {total} bytes of content in all")


if __name__ == "__main__":
    asyncio.run(main())
