"""Transport benchmark: Weerbaar against a bare matrix-nio bot on the same Synapse, same run.

(a) bare nio echo bot: command round trip; (b) Weerbaar: the same round trip for ``!help``
(the echo bot answers with the same text, so both move the same bytes); (c) a bare
``room_send`` one at a time, alone and while the same account long-polls /sync as a bot
does, versus Weerbaar's outbox delivery latency (stored -> confirmed).
Prints p50/p95 and the ratios. Run: ``.venv/bin/python bench/transport.py [N]``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nio

from bot.app import Weerbaar
from bot.commands import build_registry
from bot.sandbox.synapse import RegisteredUser, ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_room_as, create_world
from bot.storage.models import OutboxRecord

REPO = Path(__file__).resolve().parent.parent
FILTER = {"room": {"timeline": {"limit": 50}}, "presence": {"not_types": ["*"]}}


def client_for(world: SandboxWorld, user: RegisteredUser) -> nio.AsyncClient:
    client = nio.AsyncClient(
        world.homeserver_url,
        user.user_id,
        device_id=user.device_id,
        config=nio.AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0),
    )
    client.access_token = user.access_token
    return client


class Asker:
    """Sends a command and long-polls until the reply to it arrives."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self.client = client
        self.since: str | None = None

    async def start(self) -> None:
        response = await self.client.sync(timeout=0, sync_filter=FILTER)
        self.since = response.next_batch

    async def round_trip(self, room: str, body: str) -> float:
        started = time.perf_counter()
        sent = await self.client.room_send(
            room, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(sent, nio.RoomSendResponse), sent
        while True:
            response = await self.client.sync(timeout=10_000, sync_filter=FILTER, since=self.since)
            assert isinstance(response, nio.SyncResponse), response
            self.since = response.next_batch
            info = response.rooms.join.get(room)
            for event in info.timeline.events if info else []:
                relates = event.source.get("content", {}).get("m.relates_to", {})
                if relates.get("m.in_reply_to", {}).get("event_id") == sent.event_id:
                    return time.perf_counter() - started


async def bare_echo_bot(world: SandboxWorld, reply_text: str, stop: asyncio.Event) -> None:
    """The physical limit: a nio bot that replies at once from its sync callback."""
    client = client_for(world, world.bot)
    first = await client.sync(timeout=0, sync_filter=FILTER)
    since = first.next_batch
    while not stop.is_set():
        response = await client.sync(timeout=1_000, sync_filter=FILTER, since=since)
        if not isinstance(response, nio.SyncResponse):
            continue
        since = response.next_batch
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, nio.RoomMessageText) and event.body == "!help":
                    await client.room_send(
                        room_id,
                        "m.room.message",
                        {
                            "msgtype": "m.notice",
                            "body": reply_text,
                            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                        },
                    )
    await client.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def show(label: str, samples: list[float]) -> tuple[float, float]:
    p50, p95 = percentiles(samples)
    print(f"{label:<42} n={len(samples):<4} p50={p50 * 1000:7.1f} ms  p95={p95 * 1000:7.1f} ms")
    return p50, p95


async def measure_round_trips(world: SandboxWorld, room: str, count: int) -> list[float]:
    asker = Asker(client_for(world, world.members[0]))
    await asker.start()
    try:
        return [await asker.round_trip(room, "!help") for _ in range(count)]
    finally:
        await asker.client.close()


async def bare_sends(world: SandboxWorld, room: str, count: int) -> list[float]:
    client = client_for(world, world.bot)
    samples = []
    for number in range(count):
        started = time.perf_counter()
        response = await client.room_send(
            room, "m.room.message", {"msgtype": "m.notice", "body": f"bare {number}"}
        )
        assert isinstance(response, nio.RoomSendResponse), response
        samples.append(time.perf_counter() - started)
    await client.close()
    return samples


async def bare_sends_while_syncing(world: SandboxWorld, room: str, count: int) -> list[float]:
    """``bare_sends`` while the same account long-polls /sync, as every bot does: each
    send then also wakes a waiting sync on the homeserver, which Weerbaar's sends pay."""
    syncing = client_for(world, world.bot)
    first = await syncing.sync(timeout=0, sync_filter=FILTER)
    stop = asyncio.Event()

    async def follow(since: str) -> None:
        while not stop.is_set():
            response = await syncing.sync(timeout=1_000, sync_filter=FILTER, since=since)
            if isinstance(response, nio.SyncResponse):
                since = response.next_batch

    follower = asyncio.create_task(follow(first.next_batch))
    await asyncio.sleep(0.5)  # let the long poll start before timing
    try:
        return await bare_sends(world, room, count)
    finally:
        stop.set()
        await follower
        await syncing.close()


async def outbox_deliveries(bot: Weerbaar, room: str, count: int) -> list[float]:
    """Queue one message at a time and wait until the homeserver confirmed it."""
    samples = []
    for number in range(count):
        async with bot.factory.transaction() as services:
            record = await services.outbox.post(
                room, {"msgtype": "m.notice", "body": f"ob {number}"}
            )
        while True:
            async with bot.db.transaction() as session:
                stored = await session.get(OutboxRecord, record.id)
                assert stored is not None
                if stored.sent_at is not None:
                    samples.append((stored.sent_at - stored.created_at).total_seconds())
                    break
            await asyncio.sleep(0.02)  # latency comes from the stored timestamps
    return samples


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        async with ThrowawaySynapse(Path(scratch) / "synapse") as synapse:
            world = await create_world(synapse, ["bench"])
            help_text = build_registry().help("en")[0]
            bare_room = await create_room_as(
                world.homeserver_url, world.members[0], "bare", [world.bot.user_id]
            )
            bare_bot_client = client_for(world, world.bot)
            await bare_bot_client.join(bare_room)
            await bare_bot_client.close()

            stop = asyncio.Event()
            echo = asyncio.create_task(bare_echo_bot(world, help_text, stop))
            await asyncio.sleep(0.5)  # let its first sync pass before timing
            bare = await measure_round_trips(world, bare_room, count)
            stop.set()
            await echo
            sends = await bare_sends(world, bare_room, count)
            sends_syncing = await bare_sends_while_syncing(world, bare_room, count)

            bot = Weerbaar(world.settings(Path(scratch) / "bot", REPO / "playbooks"))
            await bot.start()
            await bot.sync.synced.wait()
            try:
                ours = await measure_round_trips(world, world.coordination_room, count)
                delivered = await outbox_deliveries(bot, world.coordination_room, count)
            finally:
                await bot.stop()

    print(f"Synapse on 127.0.0.1, SQLite, {count} sequential samples each")
    bare_rt = show("(a) bare nio echo bot round trip", bare)
    our_rt = show("(b) Weerbaar !help round trip", ours)
    bare_send = show("(c) bare room_send", sends)
    syncing_send = show("(c) bare room_send, same account syncing", sends_syncing)
    our_send = show("(c) Weerbaar outbox stored -> confirmed", delivered)
    print(
        f"round trip ratio  p50 {our_rt[0] / bare_rt[0]:.2f}x  p95 {our_rt[1] / bare_rt[1]:.2f}x"
        "  (target p95 <= 1.3x)"
    )
    print(
        f"send ratio        p50 {our_send[0] / bare_send[0]:.2f}x  p95 "
        f"{our_send[1] / bare_send[1]:.2f}x  (target p50 <= 1.2x)"
    )
    print(
        f"  vs syncing bare p50 {our_send[0] / syncing_send[0]:.2f}x  p95 "
        f"{our_send[1] / syncing_send[1]:.2f}x"
    )


def _count(argv: list[str]) -> int:
    return int(argv[1]) if len(argv) > 1 else 200


if __name__ == "__main__":
    asyncio.run(main(_count(sys.argv)))
