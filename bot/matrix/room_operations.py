"""Room operations queued in the outbox, and how the sender performs them.

A command decides inside its transaction that a room must be opened, a message pinned or
a coordinator given moderator power; the homeserver is asked only after that transaction
committed (see ``bot.matrix.outbox``). ``QueuedRoomOperations`` is what the domain calls;
``bot.matrix.room_performers`` performs them for the sender.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.matrix.outbox import Outbox
from bot.situations.service import CommandOrigin

PIN = "pin"
SET_MODERATOR = "set_moderator"
OPEN_INCIDENT_ROOM = "open_incident_room"
ROOM_REQUESTS_QUEUE = "weerbaar:incident-rooms"
"""The outbox queue of room creations: not a room, so a failing creation holds back only
other creations, never a room's messages."""


class QueuedRoomOperations:
    """Queues room operations in the caller's transaction (domain protocols over the outbox)."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def request_incident_room(
        self, situation_id: int, alert_id: int, actor: str, origin: CommandOrigin | None
    ) -> None:
        """Queue opening the incident room of ``situation_id``."""
        await self._outbox.operate(
            ROOM_REQUESTS_QUEUE,
            OPEN_INCIDENT_ROOM,
            {
                "situation_id": situation_id,
                "alert_id": alert_id,
                "actor": actor,
                "origin": None
                if origin is None
                else {
                    "room_id": origin.room_id,
                    "event_id": origin.event_id,
                    "lang": origin.lang,
                    "thread_root": origin.thread_root,
                },
            },
        )

    async def set_moderator(self, room_id: str, user_id: str, previous: Sequence[str]) -> None:
        """Queue giving ``user_id`` moderator power in ``room_id`` (``previous`` lose it)."""
        await self._outbox.operate(
            room_id, SET_MODERATOR, {"user_id": user_id, "previous": list(previous)}
        )
