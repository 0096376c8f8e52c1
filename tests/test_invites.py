"""Invitations: one that cannot be answered must not stop the bot reading every room."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_room_as, create_world
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, wait_until


async def _block_room(synapse: ThrowawaySynapse, admin_token: str, room_id: str) -> None:
    """Block ``room_id`` on the homeserver: joining it is refused for good (M_FORBIDDEN)."""
    async with (
        aiohttp.ClientSession() as http,
        http.put(
            f"{synapse.url}/_synapse/admin/v1/rooms/{room_id}/block",
            json={"block": True},
            headers={"Authorization": f"Bearer {admin_token}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def test_an_invitation_that_cannot_be_accepted_does_not_stop_the_others(
    synapse: ThrowawaySynapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A world of its own: the blocked room's invitation stays with this bot account for
    # good and must not reach the bots of other tests.
    world: SandboxWorld = await create_world(
        synapse, ["invites-carol"], bot_localpart="weerbaar-invites"
    )
    admin = await synapse.register("invites-admin", admin=True)
    carol = world.members[0]
    blocked = await create_room_as(synapse.url, carol, "Geblokkeerd", [world.bot.user_id])
    await _block_room(synapse, admin.access_token, blocked)
    welcome = await create_room_as(synapse.url, carol, "Welkom", [world.bot.user_id])

    user = MatrixUser(world.homeserver_url, carol)
    await user.start()
    try:
        async with running_bot(bot_settings(world, tmp_path / "bot")) as bot:

            async def bot_joined_welcome() -> bool:
                return world.bot.user_id in await bot.client.joined_members(welcome)

            await wait_until(bot_joined_welcome)
            reply = await user.command(world.coordination_room, "!help")
            assert "!status" in body_of(reply)
            refusals = [r.getMessage() for r in caplog.records if blocked in r.getMessage()]
            assert len(refusals) == 1 and "failed for good" in refusals[0], refusals
    finally:
        await user.close()
