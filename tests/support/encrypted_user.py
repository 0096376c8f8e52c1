"""A scripted Matrix user with its own end-to-end crypto store, like a real client."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import nio
from signedjson.key import decode_verify_key_bytes
from signedjson.sign import verify_signed_json

from bot.matrix.client import ENCRYPTION_STATE, MEGOLM
from bot.matrix.signing import decode_unpadded_base64
from bot.sandbox.synapse import RegisteredUser
from bot.sandbox.world import SandboxWorld
from tests.support.matrix_user import DEFAULT_WAIT, MatrixUser

PICKLE_KEY = "test-user-pickle-key-0123456789"


class EncryptedMatrixUser(MatrixUser):
    """A MatrixUser whose client encrypts, decrypts and trusts the devices it is told to.

    Its account must not be used by another crypto store: the store holds the device's keys.
    """

    def __init__(
        self, homeserver: str, account: RegisteredUser, store_dir: Path, trusted_user: str
    ) -> None:
        super().__init__(homeserver, account)
        store_dir.mkdir(parents=True, exist_ok=True)
        self.client = nio.AsyncClient(
            homeserver,
            account.user_id,
            device_id=account.device_id,
            store_path=str(store_dir),
            config=nio.AsyncClientConfig(
                max_limit_exceeded=0,
                max_timeouts=0,
                encryption_enabled=True,
                pickle_key=PICKLE_KEY,
                store_sync_tokens=False,
            ),
        )
        self._trusted_user = trusted_user
        self.decrypted: set[str] = set()

    async def start(self) -> None:
        """Load the crypto store, publish the device keys and remember where 'now' is."""
        self.client.restore_login(self.user_id, self.account.device_id, self.account.access_token)
        await super().start()
        await self._exchange_keys()

    async def close(self) -> None:
        """Close the HTTP session and the crypto store."""
        await super().close()
        if self.client.store is not None:
            self.client.store.database.close()

    async def sync(self, timeout_ms: int) -> nio.SyncResponse:
        """A sync, then the key housekeeping a real client does; notes decrypted events."""
        response = await super().sync(timeout_ms)
        for info in response.rooms.join.values():
            for event in info.timeline.events:
                if getattr(event, "decrypted", False):
                    self.decrypted.add(event.event_id)
        await self._exchange_keys()
        return response

    async def create_encrypted_room(self, invite: list[str]) -> str:
        """A private, encrypted room with ``invite`` invited; returns its id."""
        response = await self.client.room_create(
            name="Versleuteld",
            invite=invite,
            preset=nio.RoomPreset.private_chat,
            initial_state=[
                {"type": ENCRYPTION_STATE, "state_key": "", "content": {"algorithm": MEGOLM}}
            ],
        )
        assert isinstance(response, nio.RoomCreateResponse), response
        return str(response.room_id)

    async def send(self, room_id: str, body: str) -> str:
        """Send a text message, encrypted if the room is; sends only to trusted devices."""
        deadline = time.monotonic() + DEFAULT_WAIT
        while room_id not in self.client.rooms:
            assert time.monotonic() < deadline, f"{room_id} never showed up in the sync"
            await self.sync(1000)
        response = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def _exchange_keys(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await _ok(client.keys_upload())
        if client.should_query_keys:
            await _ok(client.keys_query())
        # Trust on first use, as the test's stand-in for verifying the bot in person;
        # any other unverified device in a room makes room_send refuse.
        for device in client.device_store.active_user_devices(self._trusted_user):
            if not device.verified:
                client.verify_device(device)
        if client.should_claim_keys:
            await _ok(client.keys_claim(client.get_users_for_key_claiming()))
        for answer in await client.send_to_device_messages():
            assert isinstance(answer, nio.ToDeviceResponse), answer


async def _ok(request: Any) -> None:
    response = await request
    assert not isinstance(response, nio.ErrorResponse), response


async def query_keys(world: SandboxWorld, asking: RegisteredUser, user_id: str) -> dict[str, Any]:
    """The homeserver's answer to /keys/query for ``user_id``, as another user sees it."""
    url = f"{world.homeserver_url}/_matrix/client/v3/keys/query"
    headers = {"Authorization": f"Bearer {asking.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"device_keys": {user_id: []}}, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer


def verify_key(key: dict[str, Any]) -> Any:
    ((key_id, public),) = key["keys"].items()
    return decode_verify_key_bytes(key_id, decode_unpadded_base64(public))


def assert_cross_signed(answer: dict[str, Any], user_id: str, device_id: str) -> str:
    """Checks master -> self-signing -> device with Ed25519; returns the master key."""
    master = answer["master_keys"][user_id]
    self_signing = answer["self_signing_keys"][user_id]
    device = answer["device_keys"][user_id][device_id]
    assert master["usage"] == ["master"] and self_signing["usage"] == ["self_signing"]
    verify_signed_json(self_signing, user_id, verify_key(master))
    verify_signed_json(device, user_id, verify_key(self_signing))
    return str(next(iter(master["keys"].values())))


def joined(user_id: str) -> Any:
    def predicate(event: dict[str, Any]) -> bool:
        return bool(
            event.get("type") == "m.room.member"
            and event.get("state_key") == user_id
            and event["content"].get("membership") == "join"
        )

    return predicate


async def encrypted_room_with_bot(carol: EncryptedMatrixUser, world: SandboxWorld) -> str:
    room = await carol.create_encrypted_room([world.bot.user_id])
    await carol.wait_for(room, joined(world.bot.user_id))
    return room
