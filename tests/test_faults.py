"""Faults against real processes: SIGKILL mid-burst, a homeserver outage, HA takeover.

Every message must appear exactly once and every command be answered exactly once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.matrix.notices import ALERT_ID_FIELD
from bot.sandbox.ports import free_port
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from tests.support.bot_process import BotProcess, write_config
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, replies_to
from tests.support.postgres import fresh_postgres_database

# Started first on the parallel workers: real bot processes killed and restarted.
pytestmark = pytest.mark.runs_long

NO_GROUPING = "[alerts]\ngroup_window_seconds = 0\n"


async def post_alerts(url: str, world: SandboxWorld, tag: str, numbers: range) -> list[int]:
    """Post one alert per number (distinct suppliers); returns the ids the intake gave."""

    async def one(number: int) -> int:
        alert = {"supplier": f"{tag}-{number}", "title": f"{tag} alert {number}"}
        status, reply = await send_alert(url + "/alerts", world.hmac_secret.encode(), alert)
        assert status == 202, reply
        return int(reply["id"])

    return [await one(number) for number in numbers]


def alert_notices(user: MatrixUser, room: str, ids: list[int]) -> list[int]:
    wanted = set(ids)
    return [
        event["content"][ALERT_ID_FIELD]
        for event in user.seen.get(room, [])
        if event["content"].get(ALERT_ID_FIELD) in wanted
        and "m.new_content" not in event["content"]
    ]


async def settle(user: MatrixUser, room: str) -> None:
    """Wait for the answer to a fresh command: per-room order puts everything before it."""
    await user.command(room, "!help", timeout=60)


async def test_sigkill_during_a_burst_loses_and_doubles_nothing(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    port = free_port()
    bot = BotProcess(write_config(world, tmp_path, port, NO_GROUPING), port)
    await bot.start()
    try:
        await bot.wait_for_role("active")
        tag = f"kill-{uuid.uuid4().hex[:6]}"
        ids = await post_alerts(bot.url, world, tag, range(30))
        commands = [await alice.send(room, "!help") for _ in range(5)]
        await alice.wait_for(room, lambda _e: len(alert_notices(alice, room, ids)) >= 3)
        await bot.kill()

        # while it is dead: more commands arrive
        commands += [await alice.send(room, "!hulp") for _ in range(5)]
        await bot.start()
        await bot.wait_for_role("active")
        more = await post_alerts(bot.url, world, tag, range(30, 40))
        await alice.wait_for(
            room, lambda _e: set(alert_notices(alice, room, ids + more)) == set(ids + more), 90
        )
        for command in commands:
            await alice.wait_for(room, replies_to(command), 60)
        await settle(alice, room)
    finally:
        await bot.stop()
    notices = alert_notices(alice, room, ids + more)
    assert sorted(notices) == sorted(ids + more), Counter(notices).most_common(3)
    assert notices == sorted(notices)  # delivered in the order they were accepted
    for command in commands:
        answers = [e for e in alice.seen[room] if replies_to(command)(e)]
        assert len(answers) == 1, (command, [body_of(a) for a in answers])


@pytest_asyncio.fixture(loop_scope="session")
async def own_synapse(tmp_path: Path) -> AsyncIterator[ThrowawaySynapse]:
    """A homeserver of this test's own, so stopping it disturbs no other test."""
    async with ThrowawaySynapse(tmp_path / "synapse") as server:
        yield server


async def test_backlog_is_delivered_in_order_after_a_homeserver_outage(
    own_synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    world = await create_world(own_synapse, ["carol"])
    carol = MatrixUser(world.homeserver_url, world.members[0])
    await carol.start()
    try:
        async with running_bot(
            bot_settings(world, tmp_path / "bot", alerts={"group_window_seconds": 0})
        ) as bot:
            url = f"http://127.0.0.1:{bot.intake_port}"
            room = world.coordination_room
            before = await post_alerts(url, world, "outage", range(5))
            await carol.wait_for(room, lambda _e: len(alert_notices(carol, room, before)) == 5)

            await own_synapse.stop()
            # the intake keeps accepting (and storing) while the homeserver is down
            during = await post_alerts(url, world, "outage", range(5, 20))
            health = await bot.health()
            assert health["database"]["reachable"] and health["outbox"]["backlog"] >= 15
            await own_synapse.start()

            expected = before + during
            await carol.wait_for(
                room, lambda _e: set(alert_notices(carol, room, expected)) == set(expected), 120
            )
            await settle(carol, room)
            assert alert_notices(carol, room, expected) == expected  # in order, once each
    finally:
        await carol.close()


@pytest_asyncio.fixture(loop_scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for two bot processes to share."""
    async with fresh_postgres_database("weerbaar_ha") as url:
        yield url


async def test_passive_instance_takes_over_when_the_active_one_is_killed(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path, postgres_url: str
) -> None:
    room = world.coordination_room
    shared = f'[storage]\nurl = "{postgres_url}"\n\n[ha]\nretry_seconds = 0.5\n\n' + NO_GROUPING
    first_port, second_port = free_port(), free_port()
    # One device for both: the homeserver de-duplicates transaction ids per device, which
    # is what makes a message the dead instance sent but did not mark appear only once.
    # Plain rooms here; encrypted HA is tests/test_ha_encryption.py.
    plain = {"WEERBAAR_ENCRYPTION__ENABLED": "false"}
    first = BotProcess(
        write_config(world, tmp_path / "a", first_port, shared, own_device=False),
        first_port,
        plain,
    )
    second = BotProcess(
        write_config(world, tmp_path / "b", second_port, shared, own_device=False),
        second_port,
        plain,
    )
    await first.start()
    try:
        await first.wait_for_role("active")
        await second.start()
        await second.wait_for_role("passive")
        assert (await first.health() or {}).get("role") == "active"

        tag = f"ha-{uuid.uuid4().hex[:6]}"
        ids = await post_alerts(first.url, world, tag, range(10))
        commands = [await alice.send(room, "!help") for _ in range(3)]
        await first.kill()
        # alerts accepted by the passive instance and commands sent during the switch
        ids += await post_alerts(second.url, world, tag, range(10, 20))
        commands += [await alice.send(room, "!hulp") for _ in range(3)]
        await second.wait_for_role("active", timeout=60)

        await alice.wait_for(room, lambda _e: set(alert_notices(alice, room, ids)) == set(ids), 90)
        for command in commands:
            await alice.wait_for(room, replies_to(command), 60)
        await settle(alice, room)
    finally:
        await first.stop()
        await second.stop()
    notices = alert_notices(alice, room, ids)
    assert sorted(notices) == sorted(ids), Counter(notices).most_common(3)
    for command in commands:
        answers = [e for e in alice.seen[room] if replies_to(command)(e)]
        assert len(answers) == 1


async def test_a_second_instance_on_the_same_sqlite_database_is_refused(
    world: SandboxWorld, tmp_path: Path
) -> None:
    first = Weerbaar(bot_settings(world, tmp_path / "bot"))
    await first.start()
    try:
        second = Weerbaar(bot_settings(world, tmp_path / "bot"))
        with pytest.raises(Exception, match="another weerbaar instance uses this SQLite"):
            await second.start()
    finally:
        await first.stop()
