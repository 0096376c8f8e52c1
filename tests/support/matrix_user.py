"""A scripted Matrix user for integration tests: sends messages and waits for the bot."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import nio

from bot.matrix.notices import ALERT_ID_FIELD
from bot.sandbox.synapse import RegisteredUser

DEFAULT_WAIT = 20.0

EventPredicate = Callable[[dict[str, Any]], bool]


class MatrixUser:
    """One test user with its own nio client and its own sync position."""

    def __init__(self, homeserver: str, account: RegisteredUser) -> None:
        self.account = account
        self.user_id = account.user_id
        self.client = nio.AsyncClient(
            homeserver,
            account.user_id,
            device_id=account.device_id,
            config=nio.AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0),
        )
        self.client.access_token = account.access_token
        self._since: str | None = None
        self.seen: dict[str, list[dict[str, Any]]] = {}

    async def start(self) -> None:
        """Remember where 'now' is, so waits only see newer events."""
        # Synapse caches /sync answers per device and request for a while: a user started
        # again soon after an earlier test would get that test's old "now". A nonce in
        # the filter makes this a new request (as the bot does, see first_sync_filter).
        nonce = f"@first-sync-{uuid.uuid4().hex}:invalid"
        room = {**_FILTER["room"], "timeline": {"limit": 1, "not_senders": [nonce]}}
        response = await self.client.sync(timeout=0, sync_filter={**_FILTER, "room": room})
        assert isinstance(response, nio.SyncResponse), response
        self._since = response.next_batch

    async def close(self) -> None:
        """Close the HTTP session (no logout: the account is shared across tests)."""
        await self.client.close()

    async def join(self, room_id: str) -> None:
        """Accept an invitation."""
        response = await self.client.join(room_id)
        assert isinstance(response, nio.JoinResponse), response

    async def send(self, room_id: str, body: str) -> str:
        """Send a text message; returns its event id."""
        response = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def download(self, mxc: str) -> bytes:
        """The bytes of an uploaded file (authenticated media API)."""
        server_name, media_id = mxc.removeprefix("mxc://").split("/", 1)
        url = f"{self.client.homeserver}/_matrix/client/v1/media/download/{server_name}/{media_id}"
        headers = {"Authorization": f"Bearer {self.account.access_token}"}
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.read()

    async def room_state(self, room_id: str, event_type: str) -> dict[str, Any]:
        """The content of a state event in ``room_id``."""
        response = await self.client.room_get_state_event(room_id, event_type)
        assert isinstance(response, nio.RoomGetStateEventResponse), response
        return dict(response.content)

    async def sync(self, timeout_ms: int) -> nio.SyncResponse:
        """One /sync from the last position; remembers the new timeline events."""
        response = await self.client.sync(
            timeout=timeout_ms, sync_filter=_FILTER, since=self._since
        )
        assert isinstance(response, nio.SyncResponse), response
        self._since = response.next_batch
        for joined_room, info in response.rooms.join.items():
            events = [event.source for event in info.timeline.events]
            self.seen.setdefault(joined_room, []).extend(events)
        return response

    async def wait_for(
        self, room_id: str, predicate: EventPredicate, timeout: float = DEFAULT_WAIT
    ) -> dict[str, Any]:
        """The first new event in ``room_id`` matching ``predicate``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        for event in self.seen.get(room_id, []):
            if predicate(event):
                return event
        while time.monotonic() < deadline:
            remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
            await self.sync(min(remaining_ms, 2000))
            for event in self.seen.get(room_id, []):
                if predicate(event):
                    return event
        raise AssertionError(f"no matching event in {room_id} within {timeout} s")

    async def wait_for_invite(self, timeout: float = DEFAULT_WAIT) -> str:
        """The id of the next room this user is invited to."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = await self.sync(1000)
            if response.rooms.invite:
                return str(next(iter(response.rooms.invite)))
        raise AssertionError(f"{self.user_id} got no invitation within {timeout} s")

    async def command(
        self, room_id: str, body: str, timeout: float = DEFAULT_WAIT
    ) -> dict[str, Any]:
        """Send ``body`` and return the bot's reply to it."""
        event_id = await self.send(room_id, body)
        return await self.wait_for(room_id, replies_to(event_id), timeout)

    async def replies(self, room_id: str, event_id: str, count: int) -> list[dict[str, Any]]:
        """Wait until ``count`` replies to ``event_id`` are seen and return them."""
        await self.wait_for(
            room_id,
            lambda _event: len(self.replies_seen(room_id, event_id)) >= count,
        )
        return self.replies_seen(room_id, event_id)

    def replies_seen(self, room_id: str, event_id: str) -> list[dict[str, Any]]:
        return [event for event in self.seen.get(room_id, []) if replies_to(event_id)(event)]


def thread_message(body: str, root: str, reply_to: str) -> dict[str, Any]:
    """A text message in the thread of ``root``, replying to ``reply_to`` in it."""
    return {
        "msgtype": "m.text",
        "body": body,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": reply_to},
        },
    }


async def answer_in_thread(user: MatrixUser, room: str, root: str, body: str) -> dict[str, Any]:
    """``user`` says ``body`` in the thread of ``root``; the bot's reply to it."""
    response = await user.client.room_send(room, "m.room.message", thread_message(body, root, root))
    assert isinstance(response, nio.RoomSendResponse), response
    return await user.wait_for(room, replies_to(response.event_id))


def replies_to(event_id: str) -> EventPredicate:
    """Matches an event that is a reply to ``event_id``."""

    def predicate(event: dict[str, Any]) -> bool:
        relates = event.get("content", {}).get("m.relates_to", {})
        return bool(relates.get("m.in_reply_to", {}).get("event_id") == event_id)

    return predicate


def body_of(event: dict[str, Any]) -> str:
    """The plain-text body of a message event."""
    return str(event.get("content", {}).get("body", ""))


_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "room": {"timeline": {"limit": 200}, "state": {"lazy_load_members": True}},
}


async def wait_until(
    condition: Callable[[], Any], timeout: float = DEFAULT_WAIT, what: str = "condition"
) -> None:
    """Poll an async or sync condition until it is truthy (bounded); ``what`` names it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def notice_of(alert_id: int, supplier: str) -> EventPredicate:
    """The alert's notice (ids restart per test database, so the supplier tells them apart)."""

    def predicate(event: dict[str, Any]) -> bool:
        content = event["content"]
        return bool(
            content.get(ALERT_ID_FIELD) == alert_id
            and supplier in content.get("body", "")
            and "m.new_content" not in content
        )

    return predicate


def edit_of(event_id: str, text: str) -> EventPredicate:
    """An edit of ``event_id`` whose new body contains ``text``."""

    def predicate(event: dict[str, Any]) -> bool:
        content = event["content"]
        relates = content.get("m.relates_to", {})
        return bool(
            relates.get("rel_type") == "m.replace"
            and relates.get("event_id") == event_id
            and text in content.get("m.new_content", {}).get("body", "")
        )

    return predicate
