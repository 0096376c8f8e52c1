"""End-to-end encrypted rooms against real Synapse: commands, replies, restarts, cross-signing.

The bot here has an account of its own (``weerbaar-e2e``), so its devices and
cross-signing keys are not shared with the bots of the other tests; the scripted user
``carol-e2e`` has her own crypto store and trusts the bot's devices on first use.
"""

from __future__ import annotations

import logging
import secrets
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nio
import pytest
import pytest_asyncio
from nio.crypto.attachments import decrypt_attachment
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import StartupError, Weerbaar
from bot.commands import build_registry
from bot.intake.client import send_alert
from bot.matrix.client import ENCRYPTION_STATE, MEGOLM
from bot.matrix.content import text_content
from bot.matrix.crosssigning import KEY_FILE_NAME
from bot.matrix.signing import unpadded_base64
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from bot.storage.models import SituationRecord
from tests.support.bot_lifecycle import start_bot, stop_bot
from tests.support.encrypted_user import (
    EncryptedMatrixUser,
    assert_cross_signed,
    encrypted_room_with_bot,
    query_keys,
)
from tests.support.matrix_user import MatrixUser, body_of, replies_to
from tests.support.paths import PLAYBOOKS


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def e2e_world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """A bot account and one taskforce member, used only by this module."""
    return await create_world(synapse, ["carol-e2e"], bot_localpart="weerbaar-e2e")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def carol(
    e2e_world: SandboxWorld, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EncryptedMatrixUser]:
    """Taskforce member with an end-to-end capable client that trusts the bot's devices."""
    user = EncryptedMatrixUser(
        e2e_world.homeserver_url,
        e2e_world.members[0],
        tmp_path_factory.mktemp("carol-crypto"),
        trusted_user=e2e_world.bot.user_id,
    )
    await user.start()
    yield user
    await user.close()


@pytest.fixture(scope="module")
def bot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's data directory, kept for the whole module: one device, one crypto store."""
    return tmp_path_factory.mktemp("e2e-bot")


@pytest_asyncio.fixture(loop_scope="session")
async def bot(e2e_world: SandboxWorld, bot_dir: Path) -> AsyncIterator[Weerbaar]:
    """The bot with its access token, its registered device and encrypted incident rooms."""
    instance = await start_bot(e2e_world.settings(bot_dir, PLAYBOOKS))
    yield instance
    await stop_bot(instance)


async def test_commands_in_an_encrypted_room_get_encrypted_replies_also_after_a_restart(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot_dir: Path
) -> None:
    settings = e2e_world.settings(bot_dir, PLAYBOOKS)
    bot_user, bot_device = e2e_world.bot.user_id, e2e_world.bot.device_id
    registry = build_registry()

    first = await start_bot(settings)
    try:
        room = await encrypted_room_with_bot(carol, e2e_world)
        reply = await carol.command(room, "!help")
        assert reply["event_id"] in carol.decrypted  # it was encrypted on the wire
        assert body_of(reply) == registry.help("en")[0]
        assert first.client.device_id == bot_device
        keys_before = (await query_keys(e2e_world, carol.account, bot_user))["device_keys"]
    finally:
        await stop_bot(first)

    second = await start_bot(settings)  # same data directory: same device, same store
    try:
        # carol keeps her Megolm session: the bot must still hold its key after the restart
        reply = await carol.command(room, "!hulp")
        assert reply["event_id"] in carol.decrypted
        assert body_of(reply) == registry.help("nl")[0]
        keys_after = (await query_keys(e2e_world, carol.account, bot_user))["device_keys"]
        assert keys_after[bot_user][bot_device]["keys"] == keys_before[bot_user][bot_device]["keys"]
    finally:
        await stop_bot(second)


async def test_the_bots_device_is_cross_signed_by_its_own_account(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot_dir: Path
) -> None:
    settings = e2e_world.settings(bot_dir, PLAYBOOKS)
    bot_user, bot_device = e2e_world.bot.user_id, e2e_world.bot.device_id
    await stop_bot(await start_bot(settings))
    master = assert_cross_signed(
        await query_keys(e2e_world, carol.account, bot_user), bot_user, bot_device
    )

    key_file = bot_dir / "crypto" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert master not in key_file.read_text()  # encrypted, not plain keys

    # a restart keeps the keys: nothing regenerated, nothing re-uploaded
    await stop_bot(await start_bot(settings))
    answer = await query_keys(e2e_world, carol.account, bot_user)
    assert assert_cross_signed(answer, bot_user, bot_device) == master


def garbage_megolm(session_id: str, device_id: str) -> dict[str, Any]:
    """An m.room.encrypted content whose room key nobody ever shared."""
    return {
        "algorithm": MEGOLM,
        "sender_key": unpadded_base64(secrets.token_bytes(32)),
        "ciphertext": unpadded_base64(secrets.token_bytes(120)),
        "session_id": session_id,
        "device_id": device_id,
    }


async def test_an_undecryptable_message_gets_one_notice_per_sender_and_session(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot: Weerbaar
) -> None:
    room = await encrypted_room_with_bot(carol, e2e_world)
    # carol's account, sending the raw event her client would never produce
    raw = MatrixUser(e2e_world.homeserver_url, carol.account)
    session_a = unpadded_base64(secrets.token_bytes(32))
    session_b = unpadded_base64(secrets.token_bytes(32))
    sent = []
    try:
        for session_id in (session_a, session_a, session_b):
            content = garbage_megolm(session_id, carol.account.device_id)
            response = await raw.client.room_send(room, "m.room.encrypted", content)
            assert isinstance(response, nio.RoomSendResponse), response
            sent.append(response.event_id)
    finally:
        await raw.close()

    # the notices come in order, so once the third is there the second would be too
    third = await carol.wait_for(room, replies_to(sent[2]))
    first = await carol.wait_for(room, replies_to(sent[0]))
    assert not [event for event in carol.seen[room] if replies_to(sent[1])(event)]
    for notice in (first, third):
        assert notice["event_id"] in carol.decrypted
        assert notice["sender"] == e2e_world.bot.user_id
        text = body_of(notice)
        # configured language (Dutch) first, then English
        assert text.startswith(f"Ik kan het versleutelde bericht van {carol.user_id} niet lezen")
        assert f"I cannot read the encrypted message from {carol.user_id}" in text

    # and commands still work in that room
    assert body_of(await carol.command(room, "!help")) == build_registry().help("en")[0]


async def test_an_undecryptable_message_in_a_thread_is_answered_in_it(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot: Weerbaar
) -> None:
    """Its ``m.relates_to`` is in clear: the notice goes where the sender is looking."""
    room = await encrypted_room_with_bot(carol, e2e_world)
    root = await carol.send(room, "Is the payroll run at risk?")
    raw = MatrixUser(e2e_world.homeserver_url, carol.account)
    try:
        content = garbage_megolm(unpadded_base64(secrets.token_bytes(32)), "CAROLPHONE")
        content["m.relates_to"] = {"rel_type": "m.thread", "event_id": root}
        response = await raw.client.room_send(room, "m.room.encrypted", content)
        assert isinstance(response, nio.RoomSendResponse), response
    finally:
        await raw.close()
    notice = await carol.wait_for(room, replies_to(response.event_id))
    assert notice["content"]["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": response.event_id},
    }


async def test_escalation_opens_an_encrypted_incident_room(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot: Weerbaar
) -> None:
    alert = {"supplier": "Acme Cloud", "title": "Mail down", "severity": "S2"}
    url = f"http://127.0.0.1:{bot.intake_port}/alerts"
    status, answer = await send_alert(url, e2e_world.hmac_secret.encode(), alert)
    assert status == 202, answer

    reply = await carol.command(e2e_world.coordination_room, f"!escalate {answer['id']}")
    assert "Incident room opened" in body_of(reply)
    async with bot.db.transaction() as session:
        situation = await session.scalar(
            select(SituationRecord).order_by(SituationRecord.id.desc())
        )
    assert situation is not None and situation.incident_room_id is not None
    room = situation.incident_room_id
    assert room in body_of(reply)

    await carol.join(room)
    assert await carol.room_state(room, ENCRYPTION_STATE) == {"algorithm": MEGOLM}
    help_reply = await carol.command(room, "!help")
    assert help_reply["event_id"] in carol.decrypted
    assert body_of(help_reply) == build_registry().help("en")[0]

    # the report file is encrypted too: only the event holds its key
    report_command = await carol.send(room, "!report")
    replies = await carol.replies(room, report_command, 2)
    (document,) = [event for event in replies if event["content"]["msgtype"] == "m.file"]
    assert document["event_id"] in carol.decrypted
    file = document["content"]["file"]
    assert "url" not in document["content"]
    ciphertext = await carol.download(file["url"])
    markdown = decrypt_attachment(
        ciphertext, file["key"]["k"], file["hashes"]["sha256"], file["iv"]
    ).decode()
    assert markdown.startswith("# ") and f"#{situation.id}" in markdown.splitlines()[0]
    # Stored encrypted: no line of the report appears in what the media repository holds.
    # (Whole lines, not a short id: random ciphertext contains any two bytes now and then.)
    heading = markdown.splitlines()[0].encode()
    assert len(heading) >= 16 and heading not in ciphertext


async def test_a_lost_store_replaces_the_cross_signing_keys_with_password_authentication(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, tmp_path: Path
) -> None:
    bot_user = e2e_world.bot.user_id
    before = await query_keys(e2e_world, carol.account, bot_user)
    old_master = next(iter(before["master_keys"][bot_user]["keys"].values()))

    # a new data directory has no keys: it logs in as a new device with the password
    settings = e2e_world.settings(tmp_path / "bot", PLAYBOOKS)
    matrix = settings.matrix.model_copy(update={"access_token": None, "device_id": "REPLACED"})
    replaced = await start_bot(settings.model_copy(update={"matrix": matrix}))
    await stop_bot(replaced)

    answer = await query_keys(e2e_world, carol.account, bot_user)
    assert assert_cross_signed(answer, bot_user, "REPLACED") != old_master


async def test_without_a_password_the_bot_runs_without_cross_signing(
    e2e_world: SandboxWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a token for a new device, and no password to answer the homeserver's prompt with
    login = nio.AsyncClient(e2e_world.homeserver_url, e2e_world.bot.user_id, device_id="TOKENONLY")
    response = await login.login(e2e_world.bot.password)
    assert isinstance(response, nio.LoginResponse), response
    await login.close()
    settings = e2e_world.settings(tmp_path / "bot", PLAYBOOKS)
    matrix = settings.matrix.model_copy(
        update={
            "access_token": SecretStr(response.access_token),
            "password": None,
            "device_id": "TOKENONLY",
        }
    )

    with caplog.at_level(logging.WARNING, logger="bot.matrix.crosssigning"):
        bot = await start_bot(settings.model_copy(update={"matrix": matrix}))
    await stop_bot(bot)
    warnings = [r for r in caplog.records if r.name == "bot.matrix.crosssigning"]
    assert len(warnings) == 2  # the keys on the server are not ours; no password to replace
    assert "no matrix.password is configured" in warnings[1].getMessage()


async def test_a_lost_store_for_a_device_with_published_keys_stops_the_start(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot_dir: Path, tmp_path: Path
) -> None:
    await stop_bot(await start_bot(e2e_world.settings(bot_dir, PLAYBOOKS)))  # keys published
    bot_user, device = e2e_world.bot.user_id, e2e_world.bot.device_id
    before = await query_keys(e2e_world, carol.account, bot_user)

    # the same device (same access token) with an empty data directory
    with pytest.raises(StartupError, match=r"crypto store .* was lost") as error:
        await start_bot(e2e_world.settings(tmp_path / "bot", PLAYBOOKS))
    assert device in str(error.value)
    # Refused before uploading: the device's published keys are still those of its store.
    after = await query_keys(e2e_world, carol.account, bot_user)
    assert after["device_keys"][bot_user][device] == before["device_keys"][bot_user][device]


async def test_a_wrong_pickle_key_stops_the_start_with_a_clear_message(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot_dir: Path
) -> None:
    settings = e2e_world.settings(bot_dir, PLAYBOOKS)
    wrong = settings.encryption.model_copy(update={"pickle_key": SecretStr("x" * 32)})
    with pytest.raises(StartupError, match=r"encryption\.pickle_key"):
        await start_bot(settings.model_copy(update={"encryption": wrong}))
    # the right key still opens it
    await stop_bot(await start_bot(settings))


async def test_a_message_too_large_once_encrypted_is_attached_and_the_room_moves_on(
    e2e_world: SandboxWorld, carol: EncryptedMatrixUser, bot: Weerbaar
) -> None:
    room = await encrypted_room_with_bot(carol, e2e_world)
    # What `!log 48` gave after 48 notes of ~1,100 characters: under 60,000 bytes as
    # plaintext, over Synapse's 64 KiB once Megolm-encrypted (M_TOO_LARGE).
    body = "logboek\n" + "\n".join(f"{n}. " + "n" * 1_100 for n in range(48))
    async with bot.factory.transaction() as services:
        await services.outbox.post(room, text_content(body))
        await services.outbox.post(room, text_content("daarna / after"))
    preview = await carol.wait_for(room, lambda e: body_of(e).startswith("logboek"))
    assert preview["event_id"] in carol.decrypted
    assert body_of(preview).endswith("full text attached)")
    document = await carol.wait_for(room, lambda e: e["content"].get("msgtype") == "m.file")
    file = document["content"]["file"]
    attached = decrypt_attachment(
        await carol.download(file["url"]), file["key"]["k"], file["hashes"]["sha256"], file["iv"]
    )
    assert attached.decode() == body
    await carol.wait_for(room, lambda e: body_of(e) == "daarna / after")
