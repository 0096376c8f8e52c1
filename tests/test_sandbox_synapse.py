"""The throwaway Synapse behind `weerbaar sandbox` and the integration fixtures."""

from __future__ import annotations

import asyncio
import importlib.util
import os
from collections.abc import AsyncIterator
from importlib.machinery import ModuleSpec
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from nio import (
    AsyncClient,
    AsyncClientConfig,
    RoomCreateResponse,
    RoomSendError,
    RoomSendResponse,
)

from bot.sandbox.synapse import (
    DEFAULT_MESSAGE_LIMIT,
    RegisteredUser,
    RegistrationError,
    SynapseNotInstalledError,
    SynapseStartError,
    ThrowawaySynapse,
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ThrowawaySynapse]:
    async with ThrowawaySynapse(tmp_path_factory.mktemp("synapse")) as hs:
        yield hs


async def whoami(hs: ThrowawaySynapse, user: RegisteredUser) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{hs.url}/_matrix/client/v3/account/whoami",
            headers={"Authorization": f"Bearer {user.access_token}"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    user_id = body["user_id"]
    assert isinstance(user_id, str)
    return user_id


async def connect_and_close(port: int) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()
    await writer.wait_closed()


async def test_registered_users_can_authenticate(synapse: ThrowawaySynapse) -> None:
    alice = await synapse.register("alice")
    bob = await synapse.register("bob", password="s3cret", admin=True)

    assert synapse.url.startswith("http://127.0.0.1:")
    assert alice.user_id == synapse.user_id("alice") == "@alice:localhost"
    assert bob.password == "s3cret"
    assert alice.password
    assert alice.password != bob.password
    assert alice.device_id
    assert bob.device_id
    assert await whoami(synapse, alice) == alice.user_id
    assert await whoami(synapse, bob) == bob.user_id


async def test_registering_a_taken_localpart_fails_with_errcode(
    synapse: ThrowawaySynapse,
) -> None:
    await synapse.register("carol")

    with pytest.raises(RegistrationError, match="M_USER_IN_USE") as excinfo:
        await synapse.register("carol")

    assert excinfo.value.errcode == "M_USER_IN_USE"
    assert excinfo.value.status == 400


async def test_message_burst_is_not_rate_limited(synapse: ThrowawaySynapse) -> None:
    # Not an admin: Synapse keeps its default message limit, and register() exempts
    # ordinary users from it through the admin API.
    user = await synapse.register("burst")
    # Surface the first 429 as an error instead of letting nio sleep and retry.
    client = AsyncClient(synapse.url, config=AsyncClientConfig(max_limit_exceeded=0))
    client.restore_login(user.user_id, user.device_id, user.access_token)
    try:
        created = await client.room_create(name="burst")
        assert isinstance(created, RoomCreateResponse), created
        for i in range(30):
            sent = await client.room_send(
                created.room_id, "m.room.message", {"msgtype": "m.text", "body": f"burst {i}"}
            )
            assert isinstance(sent, RoomSendResponse), f"message {i}: {sent}"
    finally:
        await client.close()


async def test_a_rate_limited_user_keeps_synapses_default_message_limit(
    synapse: ThrowawaySynapse,
) -> None:
    user = await synapse.register("limited", rate_limited=True)
    client = AsyncClient(synapse.url, config=AsyncClientConfig(max_limit_exceeded=0))
    client.restore_login(user.user_id, user.device_id, user.access_token)
    burst = int(DEFAULT_MESSAGE_LIMIT["burst_count"])
    try:
        created = await client.room_create(name="limited")
        assert isinstance(created, RoomCreateResponse), created
        accepted = 0
        refusal = None
        # The limit refills at 0.2/s, so a slow machine may get a message or two more
        # through; the bound only keeps the loop finite.
        while refusal is None and accepted < 2 * burst:
            sent = await client.room_send(
                created.room_id, "m.room.message", {"msgtype": "m.text", "body": "x"}
            )
            if isinstance(sent, RoomSendResponse):
                accepted += 1
            else:
                refusal = sent
    finally:
        await client.close()

    # The room creation counted as one message of the burst.
    assert accepted >= burst - 1
    assert isinstance(refusal, RoomSendError), refusal
    assert refusal.status_code == "M_LIMIT_EXCEEDED"
    assert refusal.retry_after_ms is not None and refusal.retry_after_ms > 0


async def test_stop_frees_port_and_ends_process_group_then_restart(
    synapse: ThrowawaySynapse,
) -> None:
    user = await synapse.register("dave")
    url, port, pgid = synapse.url, synapse.port, synapse.pid
    assert port is not None
    assert pgid is not None

    await synapse.stop()
    await synapse.stop()  # idempotent

    assert not synapse.running
    with pytest.raises(ConnectionRefusedError):
        await connect_and_close(port)
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)

    # Restarting keeps the database and, being free, the port: old tokens still work.
    await synapse.start()
    assert synapse.url == url
    assert await whoami(synapse, user) == user.user_id


async def test_start_failure_includes_synapse_log_tail(tmp_path: Path) -> None:
    hs = ThrowawaySynapse(tmp_path, server_name="not a server name")

    with pytest.raises(SynapseStartError, match="exited with code") as excinfo:
        await hs.start(timeout=60)

    message = str(excinfo.value)
    # Synapse's own explanation, taken from the tail of its console output.
    assert "Error in configuration" in message
    assert "has an invalid format" in message
    assert not hs.running
    await hs.stop()  # still safe


async def test_missing_synapse_is_reported_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "synapse" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    hs = ThrowawaySynapse(tmp_path)

    with pytest.raises(SynapseNotInstalledError, match=r"pip install -e '\.\[dev\]'"):
        await hs.start()
    assert not hs.running


async def test_never_started_instance(tmp_path: Path) -> None:
    hs = ThrowawaySynapse(tmp_path, server_name="example.test")

    assert hs.user_id("eve") == "@eve:example.test"
    with pytest.raises(RuntimeError, match="after start"):
        _ = hs.url
    with pytest.raises(RuntimeError, match="not running"):
        await hs.register("eve")
    await hs.stop()  # a no-op
