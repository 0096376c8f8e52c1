"""The sync loop fed nio sync responses without a homeserver.

``read_batches`` runs the production ``SyncLoop`` over the given /sync responses (built
with ``nio.SyncResponse.from_dict`` from what a homeserver sends) and returns what it
handed on: messages, reactions and invitations, and the sync token it stored. A batch the
loop cannot handle is re-read, as after any failure; ``read_batches`` stops the loop once
a batch has failed ``max_failures`` times, so a stuck batch shows as a failure count, not
a hang.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import nio

from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.events import IncomingMessage, IncomingReaction
from bot.matrix.sync import SYNC_TOKEN_KEY, SyncLoop
from bot.stopping import StopSignal
from bot.storage.state import BotState

BOT = "@weerbaar:test"
ROOM = "!room:test"
_ids = itertools.count(1)


def message_event(content: dict[str, Any], sender: str = "@alice:test") -> dict[str, Any]:
    """An ``m.room.message`` event as /sync returns it, with a fresh event id."""
    return {
        "type": "m.room.message",
        "event_id": f"$event-{next(_ids)}",
        "sender": sender,
        "origin_server_ts": 1,
        "content": content,
    }


def sync_response(events: list[dict[str, Any]], room_id: str = ROOM) -> nio.SyncResponse:
    """A /sync response with ``events`` in the timeline of one joined room."""
    timeline = {"events": events, "limited": False, "prev_batch": "prev"}
    room = {"timeline": timeline, "state": {"events": []}}
    response = nio.SyncResponse.from_dict(
        {"next_batch": f"batch-{next(_ids)}", "rooms": {"join": {room_id: room}}}
    )
    assert isinstance(response, nio.SyncResponse), response
    return response


@dataclass
class Handed:
    """What the sync loop handed on, and how often a batch failed."""

    messages: list[IncomingMessage] = field(default_factory=list)
    reactions: list[IncomingReaction] = field(default_factory=list)
    failures: int = 0
    token: str | None = None


class _State:
    """BotState in memory, starting from a stored token (not the very first start)."""

    def __init__(self) -> None:
        self.values = {SYNC_TOKEN_KEY: "start"}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value


class _Client:
    """The few MatrixClient calls the sync loop makes, answering from a list of responses."""

    user_id = BOT

    def __init__(
        self, responses: list[nio.SyncResponse], stop: StopSignal, held: list[dict[str, Any]]
    ) -> None:
        self._responses = responses
        self._stop = stop
        self._held = {event["event_id"]: event for event in held}

    async def sync(
        self, *, since: str | None, timeout_ms: int, sync_filter: dict[str, Any]
    ) -> nio.SyncResponse:
        if not self._responses:
            self._stop.set()
            await asyncio.Event().wait()  # cancelled by the stop
        return self._responses[0]

    def handled(self) -> None:
        """The first response was handled; the next sync returns the one after it."""
        self._responses.pop(0)

    async def exchange_keys(self) -> None:
        self.handled()

    async def load_members(self, room_id: str) -> None:
        return None

    def forget_members(self, room_id: str) -> None:
        return None

    def decrypt(self, room_id: str, event: nio.MegolmEvent) -> nio.Event | None:
        return None

    async def event_content(self, room_id: str, event_id: str) -> dict[str, Any]:
        if event_id not in self._held:
            raise MatrixError("get event", "Event not found", errcode="M_NOT_FOUND")
        return dict(self._held[event_id]["content"])


async def read_batches(
    responses: list[nio.SyncResponse], max_failures: int = 3, held: Sequence[dict[str, Any]] = ()
) -> Handed:
    """Run the sync loop over ``responses``; what it handed on. ``held`` are the events
    the homeserver answers when the loop asks for one (an earlier batch's)."""
    handed = Handed()
    stop = StopSignal()
    client = _Client(list(responses), stop, list(held))
    state = _State()

    async def on_message(message: IncomingMessage) -> None:
        handed.messages.append(message)

    async def on_reaction(reaction: IncomingReaction) -> None:
        handed.reactions.append(reaction)

    async def on_invite(room_id: str, inviter: str | None) -> None:
        return None

    class CountingLoop(SyncLoop):
        """Counts failed batches instead of backing off (no waiting in a test)."""

        async def _wait_after_failure(self, exc: Exception, _stop: StopSignal) -> None:
            handed.failures += 1
            if handed.failures >= max_failures:
                stop.set()

    loop = CountingLoop(
        cast(MatrixClient, client),
        cast(BotState, state),
        on_message,
        on_invite,
        on_reaction=on_reaction,
    )
    await loop.run(stop)
    handed.token = state.values[SYNC_TOKEN_KEY]
    return handed
