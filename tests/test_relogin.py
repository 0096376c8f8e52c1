"""A rejected access token is replaced by logging in again (issue 14: M_UNKNOWN_TOKEN)."""

from __future__ import annotations

from typing import Any

import aiohttp
import nio
import pytest

from bot.app import Weerbaar
from bot.matrix.client import MatrixClient, MatrixError
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld
from tests.support.matrix_user import MatrixUser, body_of


async def _whoami_status(homeserver: str, token: str) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{homeserver}/_matrix/client/v3/account/whoami",
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        return response.status


async def _end_session(homeserver: str, token: str) -> None:
    """Log ``token`` out, as an administrator ending a session would: Synapse revokes a
    token only this way (it deletes the device too)."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{homeserver}/_matrix/client/v3/logout",
            headers={"Authorization": f"Bearer {token}"},
            json={},
        ) as response,
    ):
        assert response.status == 200


async def test_the_bot_logs_in_again_when_its_token_is_revoked_and_answers(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    rejected = bot.client.nio.access_token
    await _end_session(world.homeserver_url, rejected)
    assert await _whoami_status(world.homeserver_url, rejected) == 401

    reply = await alice.command(world.coordination_room, "!help")
    assert "!escalate" in body_of(reply)
    renewed = bot.client.nio.access_token
    assert renewed != rejected
    assert await _whoami_status(world.homeserver_url, renewed) == 200


async def test_without_a_password_a_rejected_token_is_final(
    synapse: ThrowawaySynapse, world: SandboxWorld
) -> None:
    """Retrying cannot help then: the outbox sets messages aside instead of waiting for ever."""
    account = await synapse.register("relogin-no-password")
    client = MatrixClient(world.homeserver_url, account.user_id, account.device_id)
    await client.authenticate(access_token=account.access_token, password=None)
    await _end_session(world.homeserver_url, account.access_token)
    with pytest.raises(MatrixError) as rejected:
        await client.joined_members(world.coordination_room)
    assert rejected.value.errcode == "M_UNKNOWN_TOKEN"
    assert not rejected.value.transient
    await client.close()


async def test_without_a_password_a_rejected_token_is_final_for_uploads_too() -> None:
    """A file message's upload is refused like any call: its row is set aside as dead
    instead of holding back its room for ever."""
    client = MatrixClient("http://127.0.0.1:9", "@bot:test", "BOTDEVICE")

    async def rejected_upload(*_args: Any, **_kwargs: Any) -> tuple[nio.UploadError, None]:
        return nio.UploadError("Invalid access token passed.", "M_UNKNOWN_TOKEN"), None

    client.nio.upload = rejected_upload
    with pytest.raises(MatrixError) as rejected:
        await client.upload(b"full text", "text/plain", "message.txt")
    assert rejected.value.errcode == "M_UNKNOWN_TOKEN"
    assert not rejected.value.transient
    await client.close()
