"""What the sync loop reads: never history from before the bot ran, always the whole gap."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.matrix import sync
from bot.sandbox.world import SandboxWorld
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, wait_until

BURST = 25
SMALL_TIMELINE = 10


async def test_a_bot_with_an_empty_database_ignores_commands_sent_before_it_ran(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    old = await alice.send(room, "!status")
    async with running_bot(bot_settings(world, tmp_path / "bot")):
        new = await alice.command(room, "!beeld")
        assert body_of(new)
        # Commands are handled in order: had the old one been answered, it would be by now.
        assert alice.replies_seen(room, old) == []


async def test_a_burst_longer_than_the_timeline_while_stopped_is_answered_in_full(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small timeline makes the catch-up sync "limited" after a modest burst; the bot
    # must then page back through the gap (the same path a 200+ burst takes in production).
    monkeypatch.setitem(sync.SYNC_FILTER["room"], "timeline", {"limit": SMALL_TIMELINE})
    room = world.coordination_room
    settings = bot_settings(world, tmp_path / "bot")
    async with running_bot(settings):
        pass  # synced once: the burst below arrives while no bot runs

    commands = [await alice.send(room, "!status") for _ in range(BURST)]
    async with running_bot(settings):

        async def all_answered() -> bool:
            await alice.sync(500)
            return all(alice.replies_seen(room, event_id) for event_id in commands)

        await wait_until(all_answered, timeout=60)
        await alice.sync(1000)  # time for a doubled reply to show up
        assert [len(alice.replies_seen(room, event_id)) for event_id in commands] == [1] * BURST
