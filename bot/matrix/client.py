"""The one place that talks to matrix-nio: every failure becomes a MatrixError.

matrix-nio returns error responses instead of raising them and retries 429s and
timeouts internally by default; both are switched off here so that the outbox and
the sync loop own retries and see every failure as an exception.

With a crypto store the client is end-to-end capable: it keeps its Olm account and
Megolm sessions in ``CryptoStore.path``, encrypted with the configured pickle key.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nio
import vodozemac
from aiohttp import ClientError
from nio.crypto.attachments import encrypt_attachment

# MatrixError lives apart (nio-free, for the command line) and is re-exported: the
# transport's callers keep importing it with the client.
from bot.matrix.errors import UNKNOWN_TOKEN
from bot.matrix.errors import MatrixError as MatrixError
from bot.private_files import make_private_dir, tighten
from bot.storage.db import transaction_open

T = TypeVar("T")

log = logging.getLogger(__name__)

NOT_FOUND = "M_NOT_FOUND"
ROOM_IN_USE = "M_ROOM_IN_USE"
ENCRYPTION_STATE = "m.room.encryption"
MEGOLM = "m.megolm.v1.aes-sha2"
# Raised by nio for local state problems (a room or session it does not know yet, a key
# request already in flight); the next attempt usually succeeds, so they count as transient.
_NIO_LOCAL_ERRORS = (nio.LocalProtocolError, nio.EncryptionError, nio.GroupEncryptionError)


class CryptoStoreError(Exception):
    """The crypto store exists but cannot be opened with the configured pickle key."""


@dataclass(frozen=True)
class CryptoStore:
    """Where the end-to-end keys live and the secret that encrypts them."""

    path: Path
    pickle_key: str


class CallInsideTransaction(RuntimeError):
    """The homeserver was called inside a database transaction: a bug, never retried.

    The transaction would hold its locks (on SQLite: the whole database) for as long as
    the homeserver takes, and a crash in between would leave the call's effect without
    its record. Homeserver changes are queued in the outbox instead.
    """


def _outside_transaction(operation: str, request: Awaitable[Any] | None = None) -> None:
    if transaction_open():
        if inspect.iscoroutine(request):
            request.close()  # never started: close it rather than leave it unawaited
        raise CallInsideTransaction(f"homeserver call {operation!r} inside a database transaction")


class MatrixClient:
    """A thin, raising wrapper around ``nio.AsyncClient`` for the calls the bot makes."""

    def __init__(
        self,
        homeserver: str,
        user_id: str,
        device_id: str,
        request_timeout: float = 30.0,
        *,
        crypto: CryptoStore | None = None,
    ) -> None:
        self.user_id = user_id
        self._homeserver = homeserver
        self._device_id = device_id
        self._request_timeout = request_timeout
        self._crypto = crypto
        self.nio = self._new_nio()
        # Key upload, query and claim change the Olm machine's state; one at a time.
        self._key_lock = asyncio.Lock()
        # Kept to log in again (same device) when the homeserver rejects the access token.
        self._password: str | None = None
        self._login_lock = asyncio.Lock()

    def _new_nio(self) -> nio.AsyncClient:
        crypto = self._crypto
        config = nio.AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=0,
            request_timeout=self._request_timeout,
            # The bot stores its own sync token, after the batch is handled.
            store_sync_tokens=False,
            encryption_enabled=crypto is not None,
            # Never nio's default key: that one is public.
            pickle_key=crypto.pickle_key if crypto is not None else "",
        )
        return nio.AsyncClient(
            self._homeserver,
            self.user_id,
            device_id=self._device_id,
            store_path=str(crypto.path) if crypto is not None else "",
            config=config,
        )

    @property
    def encrypted(self) -> bool:
        """Whether the crypto store is loaded (after authenticate)."""
        return self.nio.olm is not None

    @property
    def device_id(self) -> str:
        """The id of the device this client acts as."""
        return str(self.nio.device_id)

    async def authenticate(self, *, access_token: str | None, password: str | None) -> None:
        """Use the access token if given, else log in with the password and fixed device id.

        Either way the crypto store of that device is loaded (and created on first use);
        raises CryptoStoreError if the pickle key does not open it.
        """
        if self._crypto is not None:
            make_private_dir(self._crypto.path)
        self._password = password or None
        try:
            await self._authenticate(access_token, password)
        except (vodozemac.PickleException, vodozemac.LibolmPickleException) as exc:
            path = self._crypto.path if self._crypto is not None else "?"
            raise CryptoStoreError(
                f"cannot open the crypto store in {path} ({exc}): is encryption.pickle_key "
                "the one it was created with?"
            ) from None
        if self._crypto is not None:
            # nio creates its store file with the process umask: inside the 0700
            # directory nobody else could open it meanwhile, and from now on it (and the
            # journal SQLite gives the file's mode) is owner-only.
            tighten(self._crypto.path)

    async def _authenticate(self, access_token: str | None, password: str | None) -> None:
        if access_token:
            self.nio.access_token = access_token
            try:
                whoami = await self._call("whoami", self.nio.whoami())
            except MatrixError as exc:
                if exc.errcode != UNKNOWN_TOKEN or not password:
                    raise
                # The configured token was revoked (or replaced by a re-login before a
                # restart): the password still names the same device.
                log.warning("the configured access token was rejected; logging in again")
                await self._call("login", self._login(password))
                return
            if whoami.user_id != self.user_id:
                raise MatrixError(
                    "whoami", f"access token belongs to {whoami.user_id}, not {self.user_id}"
                )
            # restore_login loads the crypto store of exactly this device.
            self.nio.restore_login(
                self.user_id, whoami.device_id or self.nio.device_id, access_token
            )
            return
        if not password:
            raise MatrixError("login", "neither access token nor password configured")
        # nio loads the crypto store once the login response names the device.
        await self._call("login", self._login(password))

    async def _login(self, password: str) -> Any:
        """Log in as the configured device (nio sends its fixed device id), keeping its keys."""
        return await self.nio.login(password=password, device_name="Weerbaar")

    async def _log_in_again(self, operation: str, rejected_token: str) -> None:
        """After the homeserver rejected ``rejected_token``: log in again with the password.

        Returns when the client holds a new token (the failed request may be tried
        again); raises a final MatrixError when that is not possible, so callers stop
        retrying. Concurrent failures log in once: the others find the token replaced.
        """
        async with self._login_lock:
            if self.nio.access_token != rejected_token:
                return  # another request logged in again meanwhile
            if self._password is None:
                log.error("the homeserver rejected the access token; no password to log in again")
                raise MatrixError(
                    operation,
                    "access token rejected and no password configured to log in again",
                    errcode=UNKNOWN_TOKEN,
                    http_status=401,
                    final=True,
                )
            try:
                await self._call("login", self._login(self._password))
            except MatrixError as exc:
                log.error("the homeserver rejected the access token; logging in again failed")
                raise MatrixError(
                    operation, f"access token rejected; {exc}", errcode=exc.errcode, final=True
                ) from exc
            log.warning("the homeserver rejected the access token; logged in again")

    async def exchange_keys(self) -> None:
        """What nio's sync_forever does between syncs for end-to-end encryption.

        Uploads the device and one-time keys when due, queries the device keys of
        users in encrypted rooms, claims one-time keys for devices without an Olm
        session, and sends queued to-device messages (room keys, key requests).
        """
        if not self.encrypted:
            return
        async with self._key_lock:
            if self.nio.should_upload_keys:
                assert self.nio.olm is not None  # encrypted
                if not self.nio.olm.account.shared:
                    # A new identity's first upload; later ones only add one-time keys.
                    await self._refuse_to_replace_published_keys()
                await self._call("keys upload", self.nio.keys_upload())
            if self.nio.should_query_keys:
                await self._call("keys query", self.nio.keys_query())
            if self.nio.should_claim_keys:
                users = self.nio.get_users_for_key_claiming()
                await self._call("keys claim", self.nio.keys_claim(users))
        for response in await self._call("to-device", self.nio.send_to_device_messages()):
            self._raise_for_error("to-device", response)

    async def _refuse_to_replace_published_keys(self) -> None:
        """Raise MatrixError if the homeserver publishes other identity keys for this device.

        A new crypto store (the old one lost) makes a new identity. Uploading it would
        replace the device's keys on the homeserver (Synapse accepts that before refusing
        the one-time keys), so every member's client would then distrust the device,
        also once the old store is restored: checked before anything is uploaded.
        """
        assert self.nio.olm is not None  # encrypted
        ours = self.nio.olm.account.identity_keys["curve25519"]
        method, path, data = nio.Api.keys_query(self.nio.access_token, {self.user_id})
        response = await self._call("keys query", self.nio.send(method, path, data))
        published = await response.json()
        device = published.get("device_keys", {}).get(self.user_id, {}).get(self.device_id)
        theirs = (device or {}).get("keys", {}).get(f"curve25519:{self.device_id}")
        if theirs is not None and theirs != ours:
            raise MatrixError(
                "keys upload",
                "the homeserver already publishes other keys for this device",
                errcode="M_DEVICE_KEYS_DIFFER",
                final=True,
            )

    def decrypt(self, room_id: str, event: nio.MegolmEvent) -> nio.Event | None:
        """The decrypted event, or None if the room key is missing."""
        if not self.encrypted:
            return None
        event.room_id = event.room_id or room_id
        try:
            decrypted: nio.Event = self.nio.decrypt_event(event)
        except (nio.EncryptionError, nio.LocalProtocolError):
            return None
        return decrypted

    async def request_room_key(self, event: nio.MegolmEvent) -> None:
        """Send nio's request for a missing room key (to the bot's own other devices)."""
        if event.session_id in self.nio.outgoing_key_requests:
            return  # already asked
        await self._call("room key request", self.nio.request_room_key(event))

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        """Send an event with a fixed transaction id (idempotent); returns its event id.

        In an encrypted room the event is encrypted first; a re-send encrypts again
        (new ciphertext) but the homeserver still de-duplicates on the transaction id.
        Other members' devices get the room key without being verified: see the
        device-trust policy in the README.
        """
        if self.encrypted:
            room = await self._known_room(room_id)
            if room.encrypted and not room.members_synced:
                # room_send would fetch the members itself, but turns the homeserver's
                # refusal (the bot is not in the room) into a local error that looks
                # transient; fetched here, the refusal stays a 403.
                await self._call("joined members", self.nio.joined_members(room_id))
            if room.encrypted:
                await self._query_changed_keys()
        response = await self._call(
            "send",
            self.nio.room_send(
                room_id, event_type, content, tx_id=txn_id, ignore_unverified_devices=True
            ),
        )
        return str(response.event_id)

    async def attach(self, room_id: str, content: dict[str, Any], data: bytes) -> dict[str, Any]:
        """``content`` of a file message with ``data`` uploaded for it.

        In an encrypted room the file is encrypted before the upload and the key goes
        into the (encrypted) event as ``file``; elsewhere the event gets a plain ``url``.
        The filename is the body and the type ``info.mimetype``, as in file_content().
        """
        attached = dict(content)
        if self.encrypted and (await self._known_room(room_id)).encrypted:
            ciphertext, keys = encrypt_attachment(data)
            uri = await self.upload(ciphertext, "application/octet-stream", content["body"])
            attached["file"] = {"url": uri, **keys}
        else:
            attached["url"] = await self.upload(data, content["info"]["mimetype"], content["body"])
        return attached

    async def _known_room(self, room_id: str) -> nio.MatrixRoom:
        """nio's view of the room, made up from its state if the sync has not shown it yet.

        A room created or joined moments ago, or one quiet since the last start, is not
        described by the sync yet, but nio refuses to send to rooms it does not know.
        room_send fetches the members of such a room itself.
        """
        if room_id not in self.nio.rooms:
            encrypted = await self._is_encrypted(room_id)
            self.nio.rooms[room_id] = nio.MatrixRoom(room_id, self.user_id, encrypted)
        room: nio.MatrixRoom = self.nio.rooms[room_id]
        return room

    async def _query_changed_keys(self) -> None:
        """Fetch changed device lists first, so new devices of members get the room key."""
        async with self._key_lock:
            if self.nio.should_query_keys:
                await self._call("keys query", self.nio.keys_query())

    async def _is_encrypted(self, room_id: str) -> bool:
        try:
            await self._call("room state", self.nio.room_get_state_event(room_id, ENCRYPTION_STATE))
        except MatrixError as exc:
            if exc.errcode == NOT_FOUND:
                return False
            raise
        return True

    async def upload(self, data: bytes, content_type: str, filename: str) -> str:
        """Upload a file to the media repository; returns its mxc:// URI.

        Through ``_call`` like every request, so a rejected access token is handled alike
        (logged in again, or a final failure), not retried for ever.
        """

        async def upload() -> Any:
            response, _keys = await self.nio.upload(
                io.BytesIO(data), content_type=content_type, filename=filename, filesize=len(data)
            )
            return response

        response = await self._call("upload", upload())
        return str(response.content_uri)

    async def create_room(
        self,
        *,
        name: str,
        topic: str,
        invite: Sequence[str],
        initial_state: Sequence[dict[str, Any]] = (),
        encrypted: bool = False,
        alias: str | None = None,
        direct: bool = False,
    ) -> str:
        """Create a private room, end-to-end encrypted if asked; returns its id.

        With ``direct`` the invitees' clients show it as a direct message (``is_direct``).

        With ``alias`` (a localpart) the room gets that address on the bot's homeserver;
        if the address is taken the homeserver creates nothing and this raises MatrixError
        with errcode M_ROOM_IN_USE.
        """
        state = list(initial_state)
        if encrypted:
            state.append(
                {"type": ENCRYPTION_STATE, "state_key": "", "content": {"algorithm": MEGOLM}}
            )
        response = await self._call(
            "create room",
            self.nio.room_create(
                name=name,
                topic=topic,
                invite=list(invite),
                preset=nio.RoomPreset.private_chat,
                initial_state=state,
                alias=alias,
                is_direct=direct,
            ),
        )
        return str(response.room_id)

    async def resolve_alias(self, alias: str) -> str:
        """The id of the room a full alias (``#localpart:server``) points at."""
        response = await self._call("resolve alias", self.nio.room_resolve_alias(alias))
        return str(response.room_id)

    @property
    def server_name(self) -> str:
        """The bot's homeserver name: a user id is ``@localpart:server_name``."""
        return self.user_id.split(":", 1)[1]

    async def join(self, room_id: str) -> None:
        """Join a room (a no-op when already joined)."""
        await self._call("join", self.nio.join(room_id))

    async def invite(self, room_id: str, user_id: str) -> None:
        """Invite ``user_id`` into ``room_id``."""
        await self._call("invite", self.nio.room_invite(room_id, user_id))

    async def state(self, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any]:
        """The content of a state event."""
        response = await self._call(
            "get state", self.nio.room_get_state_event(room_id, event_type, state_key)
        )
        return dict(response.content)

    async def event_content(self, room_id: str, event_id: str) -> dict[str, Any]:
        """The content of one event of ``room_id`` as the homeserver holds it: an
        encrypted event's is still encrypted, but its ``m.relates_to`` is in clear."""
        response = await self._call("get event", self.nio.room_get_event(room_id, event_id))
        content = response.event.source.get("content")
        return dict(content) if isinstance(content, dict) else {}

    async def room_creator(self, room_id: str) -> str | None:
        """Who created ``room_id`` (the sender of its ``m.room.create`` event)."""
        response = await self._call("get room state", self.nio.room_get_state(room_id))
        for event in response.events:
            if event.get("type") == "m.room.create" and event.get("state_key") == "":
                return str(event.get("sender"))
        return None

    async def put_state(
        self, room_id: str, event_type: str, content: dict[str, Any], state_key: str = ""
    ) -> None:
        """Set a state event (e.g. power levels)."""
        await self._call(
            "put state", self.nio.room_put_state(room_id, event_type, content, state_key)
        )

    async def load_members(self, room_id: str) -> None:
        """Fetch the member list of ``room_id`` once; from then on nio keeps it current
        from the membership events the sync delivers."""
        room = self.nio.rooms.get(room_id)
        if room is None or not room.members_synced:
            await self._call("joined members", self.nio.joined_members(room_id))

    def known_members(self, room_id: str) -> list[str] | None:
        """The joined members of ``room_id`` as last synced, None when not loaded (no call
        to the homeserver: safe inside a transaction)."""
        room = self.nio.rooms.get(room_id)
        if room is None or not room.members_synced:
            return None
        return [user for user, member in room.users.items() if not member.invited]

    def forget_members(self, room_id: str) -> None:
        """Have the next ``load_members`` fetch the list again (the sync skipped events)."""
        room = self.nio.rooms.get(room_id)
        if room is not None:
            room.members_synced = False

    async def joined_members(self, room_id: str) -> list[str]:
        """The Matrix ids of everyone joined to ``room_id``."""
        response = await self._call("joined members", self.nio.joined_members(room_id))
        return [member.user_id for member in response.members]

    async def leave(self, room_id: str) -> None:
        """Leave a room or decline an invite."""
        await self._call("leave", self.nio.room_leave(room_id))

    async def sync(
        self, *, since: str | None, timeout_ms: int, sync_filter: dict[str, Any]
    ) -> nio.SyncResponse:
        """One /sync request."""
        response: nio.SyncResponse = await self._call(
            "sync",
            self.nio.sync(timeout=timeout_ms, sync_filter=sync_filter, since=since),
        )
        return response

    async def messages_before(
        self, room_id: str, start: str, end: str | None, limit: int
    ) -> nio.RoomMessagesResponse:
        """A page of room history going backwards from ``start`` (towards ``end``)."""
        response: nio.RoomMessagesResponse = await self._call(
            "messages",
            self.nio.room_messages(room_id, start=start, end=end, limit=limit),
        )
        return response

    async def request_json(
        self, operation: str, method: str, path: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """A client-API call nio has no method for: HTTP status and JSON answer.

        Only a missing answer raises; the caller judges the status (a 401 may be the
        start of user-interactive authentication rather than a failure).
        """
        _outside_transaction(operation)
        headers = {
            "Authorization": f"Bearer {self.nio.access_token}",
            "Content-Type": "application/json",
        }
        try:
            response = await self.nio.send(method, path, json.dumps(body), headers)
            async with response:
                answer = await response.json(content_type=None)
        except (ClientError, TimeoutError, ValueError) as exc:
            raise MatrixError(operation, str(exc) or type(exc).__name__) from exc
        return response.status, answer if isinstance(answer, dict) else {}

    async def close(self) -> None:
        """Close the HTTP session and the crypto store; authenticate() may follow.

        Never logs out: that would delete the device and with it the keys other
        members shared with it. The nio client is replaced by a fresh one, so a later
        authenticate (the next active period of an HA instance) loads the crypto store
        from disk, where the other instance may have changed it meanwhile, instead of
        going on with the state this one held in memory.
        """
        await self.nio.close()
        if self.nio.store is not None:
            self.nio.store.database.close()
        self.nio = self._new_nio()

    async def _call(self, operation: str, request: Awaitable[Any]) -> Any:
        _outside_transaction(operation, request)
        token = self.nio.access_token
        try:
            response = await request
        except (ClientError, TimeoutError, *_NIO_LOCAL_ERRORS) as exc:
            raise MatrixError(operation, str(exc) or type(exc).__name__) from exc
        if (
            isinstance(response, nio.ErrorResponse)
            and response.status_code == UNKNOWN_TOKEN
            and operation not in ("login", "whoami")
        ):
            await self._log_in_again(operation, token)
        self._raise_for_error(operation, response)
        return response

    @staticmethod
    def _raise_for_error(operation: str, response: Any) -> None:
        if not isinstance(response, nio.ErrorResponse):
            return
        transport = response.transport_response
        raise MatrixError(
            operation,
            response.message,
            errcode=response.status_code,
            http_status=transport.status if transport is not None else None,
            retry_after_ms=response.retry_after_ms,
        )
