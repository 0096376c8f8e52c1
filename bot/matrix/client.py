"""The one place that talks to matrix-nio: every failure becomes a MatrixError.

matrix-nio returns error responses instead of raising them and retries 429s and
timeouts internally by default; both are switched off here so that the outbox and
the sync loop own retries and see every failure as an exception.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

import nio
from aiohttp import ClientError

T = TypeVar("T")

LIMIT_EXCEEDED = "M_LIMIT_EXCEEDED"


class MatrixError(Exception):
    """A failed call to the homeserver."""

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        errcode: str | None = None,
        http_status: int | None = None,
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(f"{operation} failed: {errcode or http_status or 'no answer'}: {message}")
        self.operation = operation
        self.errcode = errcode
        self.http_status = http_status
        self.retry_after_ms = retry_after_ms

    @property
    def transient(self) -> bool:
        """Whether trying again later may succeed (rate limit, outage, 5xx)."""
        return (
            self.http_status is None
            or self.http_status >= 500
            or self.http_status == 429
            or self.errcode == LIMIT_EXCEEDED
        )


class MatrixClient:
    """A thin, raising wrapper around ``nio.AsyncClient`` for the calls the bot makes."""

    def __init__(
        self, homeserver: str, user_id: str, device_id: str, request_timeout: float = 30.0
    ) -> None:
        config = nio.AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=0,
            request_timeout=request_timeout,
            store_sync_tokens=False,
        )
        self.nio = nio.AsyncClient(homeserver, user_id, device_id=device_id, config=config)
        self.user_id = user_id

    async def authenticate(self, *, access_token: str | None, password: str | None) -> None:
        """Use the access token if given, else log in with the password and fixed device id."""
        if access_token:
            self.nio.access_token = access_token
            whoami = await self._call("whoami", self.nio.whoami())
            if whoami.user_id != self.user_id:
                raise MatrixError(
                    "whoami", f"access token belongs to {whoami.user_id}, not {self.user_id}"
                )
            if whoami.device_id:
                self.nio.device_id = whoami.device_id
            return
        if not password:
            raise MatrixError("login", "neither access token nor password configured")
        await self._call("login", self.nio.login(password=password, device_name="Weerbaar"))

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        """Send an event with a fixed transaction id (idempotent); returns its event id."""
        response = await self._call(
            "send", self.nio.room_send(room_id, event_type, content, tx_id=txn_id)
        )
        return str(response.event_id)

    async def upload(self, data: bytes, content_type: str, filename: str) -> str:
        """Upload a file to the media repository; returns its mxc:// URI."""
        upload = self.nio.upload(
            io.BytesIO(data), content_type=content_type, filename=filename, filesize=len(data)
        )
        try:
            response, _keys = await upload
        except (ClientError, TimeoutError) as exc:
            raise MatrixError("upload", str(exc) or type(exc).__name__) from exc
        self._raise_for_error("upload", response)
        return str(response.content_uri)

    async def create_room(
        self,
        *,
        name: str,
        topic: str,
        invite: Sequence[str],
        initial_state: Sequence[dict[str, Any]] = (),
    ) -> str:
        """Create a private room; returns its id."""
        response = await self._call(
            "create room",
            self.nio.room_create(
                name=name,
                topic=topic,
                invite=list(invite),
                preset=nio.RoomPreset.private_chat,
                initial_state=list(initial_state),
            ),
        )
        return str(response.room_id)

    async def join(self, room_id: str) -> None:
        """Join a room (a no-op when already joined)."""
        await self._call("join", self.nio.join(room_id))

    async def invite(self, room_id: str, user_id: str) -> None:
        """Invite ``user_id`` into ``room_id``."""
        await self._call("invite", self.nio.room_invite(room_id, user_id))

    async def joined_members(self, room_id: str) -> list[str]:
        """The user ids of everyone joined to ``room_id`` now."""
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

    async def close(self) -> None:
        """Close the HTTP session. Never logs out: that would destroy the device."""
        await self.nio.close()

    async def _call(self, operation: str, request: Awaitable[Any]) -> Any:
        try:
            response = await request
        except (ClientError, TimeoutError) as exc:
            raise MatrixError(operation, str(exc) or type(exc).__name__) from exc
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
