"""Two instances (HA) with end-to-end encryption: one device, one crypto store, one user.

Both bot processes share one PostgreSQL database and one data directory (as two hosts
mounting the same storage) and are the same Matrix device. Only the active one may have
the crypto store open; after a SIGKILL the passive one opens it and goes on decrypting.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.app import Weerbaar
from bot.commands import build_registry
from bot.config import HaSettings, StorageSettings
from bot.sandbox.ports import free_port
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from tests.support.bot_process import BotProcess, write_config
from tests.support.encrypted_user import (
    EncryptedMatrixUser,
    assert_cross_signed,
    encrypted_room_with_bot,
    query_keys,
)
from tests.support.matrix_user import body_of, wait_until
from tests.support.paths import PLAYBOOKS
from tests.support.postgres import fresh_postgres_database


@pytest_asyncio.fixture(loop_scope="session")
async def ha_world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """A bot account of its own: its device's keys are published by this test only."""
    tag = uuid.uuid4().hex[:6]
    return await create_world(synapse, [f"erin-ha-{tag}"], bot_localpart=f"weerbaar-ha-{tag}")


@pytest_asyncio.fixture(loop_scope="session")
async def erin(ha_world: SandboxWorld, tmp_path: Path) -> AsyncIterator[EncryptedMatrixUser]:
    """Taskforce member with an end-to-end capable client that trusts the bot's device."""
    user = EncryptedMatrixUser(
        ha_world.homeserver_url,
        ha_world.members[0],
        tmp_path / "erin-crypto",
        trusted_user=ha_world.bot.user_id,
    )
    await user.start()
    yield user
    await user.close()


@pytest_asyncio.fixture(loop_scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for two bot processes to share."""
    async with fresh_postgres_database("weerbaar_ha_e2e") as url:
        yield url


def open_files_under(process: BotProcess, directory: Path) -> list[str]:
    """The files below ``directory`` that the process has open (from /proc)."""
    assert process.process is not None
    fd_dir = Path(f"/proc/{process.process.pid}/fd")
    targets = []
    for fd in os.listdir(fd_dir):
        try:
            targets.append(os.readlink(fd_dir / fd))
        except FileNotFoundError:  # closed while listing
            continue
    return [target for target in targets if target.startswith(str(directory.resolve()))]


async def test_the_passive_instance_takes_over_the_crypto_store_and_stays_cross_signed(
    ha_world: SandboxWorld, erin: EncryptedMatrixUser, tmp_path: Path, postgres_url: str
) -> None:
    bot_user, bot_device = ha_world.bot.user_id, ha_world.bot.device_id
    registry = build_registry()
    shared_data = tmp_path / "shared-data"
    shared = f'[storage]\nurl = "{postgres_url}"\n\n[ha]\nretry_seconds = 0.5\n'
    # Environment overrides the config file's data_dir: both use the shared directory.
    env = {"WEERBAAR_DATA_DIR": str(shared_data)}
    ports = free_port(), free_port()
    first, second = (
        BotProcess(
            write_config(ha_world, tmp_path / name, port, shared, own_device=False), port, env
        )
        for name, port in zip("ab", ports, strict=True)
    )
    await first.start()
    try:
        await first.wait_for_role("active")
        await second.start()
        await second.wait_for_role("passive")

        room = await encrypted_room_with_bot(erin, ha_world)
        reply = await erin.command(room, "!help")
        assert reply["event_id"] in erin.decrypted  # encrypted on the wire
        assert body_of(reply) == registry.help("en")[0]
        assert open_files_under(first, shared_data / "crypto")
        assert open_files_under(second, shared_data / "crypto") == []  # passive: store closed

        await first.kill()
        await second.wait_for_role("active", timeout=60)

        # erin keeps her Megolm session: the new active instance reads its key from the store
        reply = await erin.command(room, "!hulp")
        assert reply["event_id"] in erin.decrypted
        assert body_of(reply) == registry.help("nl")[0]
        answer = await query_keys(ha_world, erin.account, bot_user)
        assert list(answer["device_keys"][bot_user]) == [bot_device]  # one device for both
        assert_cross_signed(answer, bot_user, bot_device)
    finally:
        await first.stop()
        await second.stop()


async def test_a_takeover_that_cannot_open_the_store_gives_the_lease_back(
    ha_world: SandboxWorld, tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ha_world.settings(
        tmp_path / "shared-data",
        PLAYBOOKS,
        storage=StorageSettings(url=postgres_url),
        ha=HaSettings(retry_seconds=0.2, check_seconds=0.2),
    )
    wrong_key = settings.encryption.model_copy(update={"pickle_key": SecretStr("x" * 32)})
    first = Weerbaar(settings)
    second = Weerbaar(settings.model_copy(update={"encryption": wrong_key}))
    third = Weerbaar(settings)
    await first.start()
    try:
        await second.start()  # passive: it does not open the store, so cannot see the key
        await wait_until(lambda: first.active)
        assert (await second.health())["role"] == "passive"

        with caplog.at_level(logging.ERROR, logger="bot.app"):
            await first.stop()
            await wait_until(
                lambda: any(
                    "cannot become active" in record.getMessage()
                    and "encryption.pickle_key" in record.getMessage()
                    for record in caplog.records
                )
            )
        assert not second.active
        # it gave the lease back: an instance with the right key takes over
        await third.start()
        await wait_until(lambda: third.active)
        assert not second.active
    finally:
        await first.stop()
        await second.stop()
        await third.stop()
