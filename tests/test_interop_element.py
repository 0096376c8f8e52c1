"""Element's crypto stack talks to the bot: matrix-js-sdk with the Rust core, against real Synapse.

The bot is built on matrix-nio and tests/test_encryption.py checks it with matrix-nio;
a misunderstanding shared by both would pass there. Here the user is the SDK Element
uses, in its "exclude insecure devices" mode (OnlySignedDevicesIsolationMode): it sends
room keys only to devices their owner cross-signed, so a bot whose self-signing were
wrong could not read a word from such a user.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import Weerbaar
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from tests.support.bot_lifecycle import start_bot, stop_bot
from tests.support.element_user import ElementUser, missing_requirement
from tests.support.paths import PLAYBOOKS

_missing = missing_requirement()
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def interop_world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """A bot account of its own (its own cross-signing keys) and one taskforce member."""
    return await create_world(synapse, ["erin-element"], bot_localpart="weerbaar-element")


@pytest_asyncio.fixture(loop_scope="session")
async def erin(interop_world: SandboxWorld) -> AsyncIterator[ElementUser]:
    """The member on a new device of matrix-js-sdk with Rust crypto."""
    account = interop_world.members[0]
    user = await ElementUser.login(interop_world.homeserver_url, account.user_id, account.password)
    yield user
    await user.close()


def assert_trusted_answers(answer: dict[str, Any], world: SandboxWorld) -> list[str]:
    """Every reply came from the bot encrypted, decrypted, with no shield: returns bodies."""
    assert answer["sent_encrypted"], answer
    bodies = []
    for reply in answer["replies"]:
        assert reply["sender"] == world.bot.user_id
        assert reply["encrypted"] and not reply["decryption_failure"], reply
        # NONE: "sender device known and signed by its owner" (no grey or red shield)
        assert (reply["shield"], reply["shield_reason"]) == ("NONE", None), reply
        bodies.append(reply["content"]["body"])
    return bodies


async def assert_bot_device_signed(erin: ElementUser, world: SandboxWorld) -> None:
    trust = await erin.request("trust", user=world.bot.user_id, device=world.bot.device_id)
    assert world.bot.device_id in trust["known_devices"], trust
    assert trust["has_cross_signing"], trust
    assert trust["signed_by_owner"], trust


async def test_element_sees_a_signed_bot_and_reads_its_encrypted_answers_across_a_restart(
    interop_world: SandboxWorld, erin: ElementUser, tmp_path: Path
) -> None:
    world = interop_world
    settings = world.settings(tmp_path / "bot", PLAYBOOKS)
    room = world.coordination_room
    bot: Weerbaar = await start_bot(settings)
    try:
        await erin.request("encrypt", room=room)
        await assert_bot_device_signed(erin, world)
        status = await erin.request("command", room=room, body="!status")
        (body,) = assert_trusted_answers(status, world)
        assert body
    finally:
        await stop_bot(bot)
