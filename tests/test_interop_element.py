"""Element's crypto stack talks to the bot: matrix-js-sdk with the Rust core, against real Synapse.

The bot is built on matrix-nio and tests/test_encryption.py checks it with matrix-nio;
a misunderstanding shared by both would pass there. Here the user is the SDK Element
uses, in its "exclude insecure devices" mode (OnlySignedDevicesIsolationMode): it sends
room keys only to devices their owner cross-signed, so a bot whose self-signing were
wrong could not read a word from such a user.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from bot.storage.models import SituationRecord
from tests.support.bot_lifecycle import start_bot, stop_bot
from tests.support.element_user import ElementUser, missing_requirement
from tests.support.paths import PLAYBOOKS

_missing = missing_requirement()
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def interop_world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """A bot account of its own (its own cross-signing keys) and one taskforce member."""
    return await create_world(synapse, ["erin-element"], bot_localpart="weerbaar-element")


@pytest.fixture(scope="module")
def bot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's data directory for the module: one device, one crypto store."""
    return tmp_path_factory.mktemp("element-bot")


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


async def assert_bot_device_signed(erin: ElementUser, world: SandboxWorld) -> str:
    """The bot's device as Element judges it: known, cross-signed; returns its Ed25519 key."""
    trust = await erin.request("trust", user=world.bot.user_id, device=world.bot.device_id)
    assert trust["known_devices"] == [world.bot.device_id], trust
    assert trust["has_cross_signing"], trust
    assert trust["signed_by_owner"], trust
    # signed by its owner is enough: nobody verified the bot by hand here
    assert not trust["cross_signing_verified"] and not trust["locally_verified"], trust
    return str(trust["ed25519"])


async def open_incident_room(bot: Weerbaar, world: SandboxWorld, erin: ElementUser) -> str:
    """Escalate a fresh alert from the encrypted coordination room; erin joins the room."""
    status, alert = await send_alert(
        f"http://127.0.0.1:{bot.intake_port}/alerts",
        world.hmac_secret.encode(),
        {"supplier": "Acme Payroll", "title": "Payroll down", "severity": "S2"},
    )
    assert status == 202, alert
    answer = await erin.request(
        "command", room=world.coordination_room, body=f"!escalate {alert['id']}"
    )
    (body,) = assert_trusted_answers(answer, world)
    async with bot.db.transaction() as session:
        situation = await session.scalar(
            select(SituationRecord).order_by(SituationRecord.id.desc())
        )
    assert situation is not None
    room = situation.incident_room_id
    assert room is not None and "Incident room opened" in body and room in body
    await erin.request("join", room=room)
    return room


async def decide(erin: ElementUser, room: str, world: SandboxWorld, decision: str) -> None:
    answer = await erin.request("command", room=room, body=f"!decide {decision} --why SaaS down 6h")
    (body,) = assert_trusted_answers(answer, world)
    assert "Decision recorded" in body and decision in body


async def test_element_sees_a_signed_bot_and_reads_its_encrypted_answers_across_a_restart(
    interop_world: SandboxWorld, erin: ElementUser, bot_dir: Path
) -> None:
    world = interop_world
    settings = world.settings(bot_dir, PLAYBOOKS)
    coordination = world.coordination_room

    bot = await start_bot(settings)
    try:
        await erin.request("encrypt", room=coordination)
        device_key = await assert_bot_device_signed(erin, world)
        status = await erin.request("command", room=coordination, body="!status")
        assert_trusted_answers(status, world)
        incident_room = await open_incident_room(bot, world, erin)
        await decide(erin, incident_room, world, "Manual payroll")

        # the report file is encrypted; Element fetches it and decrypts it with the event's key
        report = await erin.request("command", room=incident_room, body="!report", replies=2)
        assert_trusted_answers(report, world)
        (document,) = [r for r in report["replies"] if r["content"]["msgtype"] == "m.file"]
        assert "url" not in document["content"]  # only the encrypted file's reference
        download = await erin.request("download", file=document["content"]["file"])
        heading = download["text"].splitlines()[0]
        assert heading.startswith("# ") and "Payroll down" in download["text"]
        assert heading.encode() not in base64.b64decode(download["ciphertext_base64"])
    finally:
        await stop_bot(bot)

    # same data directory: same device and keys, nothing for Element to verify again
    bot = await start_bot(settings)
    try:
        assert await assert_bot_device_signed(erin, world) == device_key
        # erin's Megolm sessions from before the restart: the bot must still hold them
        assert_trusted_answers(
            await erin.request("command", room=coordination, body="!status"), world
        )
        await decide(erin, incident_room, world, "Pay by bank file")
    finally:
        await stop_bot(bot)


async def test_a_message_whose_key_element_withheld_gets_the_cannot_read_notice(
    interop_world: SandboxWorld, erin: ElementUser, bot_dir: Path
) -> None:
    world = interop_world
    bot = await start_bot(world.settings(bot_dir, PLAYBOOKS))
    try:
        room = (await erin.request("create_room", invite=[world.bot.user_id]))["room"]
        answer = await erin.request("withhold", room=room, body="!status")
        (notice,) = assert_trusted_answers(answer, world)
        # configured language (Dutch) first, then English
        assert notice.startswith(f"Ik kan het versleutelde bericht van {erin.user_id} niet lezen")
        assert f"I cannot read the encrypted message from {erin.user_id}" in notice
    finally:
        await stop_bot(bot)
