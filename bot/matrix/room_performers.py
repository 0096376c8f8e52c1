"""How the outbox sender performs the room operations commands queue."""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.matrix.client import MatrixError
from bot.matrix.outbox import RoomOperation
from bot.matrix.room_operations import OPEN_INCIDENT_ROOM, PIN, SET_MODERATOR
from bot.matrix.rooms import MatrixIncidentRooms
from bot.services import ServiceFactory
from bot.situations.service import CommandOrigin, IncidentRoomOpener
from bot.web.delivery import SEND_WEB_LINK


class IncidentRoomOpening:
    """Performs a queued room request: opens the room, then records and announces it.

    Reads what it needs in one transaction, calls the homeserver outside any, and records
    the result in a second one. A crash in between re-runs the whole: the homeserver hands
    back the same room (its address comes from the alert) and the second transaction finds
    the room recorded and does nothing, so the room is announced exactly once.
    """

    def __init__(self, factory: ServiceFactory, opener: IncidentRoomOpener) -> None:
        self._factory = factory
        self._opener = opener

    async def __call__(self, _queue: str, payload: dict[str, Any]) -> str | None:
        """Open the room asked for in ``payload``; returns None (no event of its own)."""
        situation_id, alert_id = int(payload["situation_id"]), int(payload["alert_id"])
        async with self._factory.transaction() as services:
            request = await services.situations.room_request(situation_id, alert_id)
        if request is None:
            return None  # opened by an earlier run whose completion was not recorded
        room_id = await self._opener.open_incident_room(
            request.situation, request.alert, request.invitees
        )
        origin = _origin(payload.get("origin"))
        async with self._factory.transaction() as services:
            # Logging the opened room makes the transaction post and pin the summary.
            await services.situations.attach_incident_room(
                situation_id, alert_id, room_id, str(payload["actor"]), origin
            )
        return None

    async def abandon(self, _queue: str, payload: dict[str, Any], error: MatrixError) -> bool:
        """The homeserver refused the room for good: forget the request, so ``!escalate``
        may ask again, and say so where it was asked; False if already done."""
        async with self._factory.transaction() as services:
            return await services.situations.abandon_incident_room(
                int(payload["situation_id"]),
                int(payload["alert_id"]),
                _origin(payload.get("origin")),
                str(error),
            )


def _origin(data: dict[str, Any] | None) -> CommandOrigin | None:
    if data is None:
        return None
    # Requests queued before the thread was kept have no "thread_root": not in a thread.
    thread_root = data.get("thread_root")
    return CommandOrigin(
        str(data["room_id"]),
        str(data["event_id"]),
        i18n.language_of(data["lang"]),
        str(thread_root) if thread_root is not None else None,
    )


def room_operations(
    factory: ServiceFactory, rooms: MatrixIncidentRooms, web_links: RoomOperation
) -> dict[str, RoomOperation]:
    """The sender's table: each queued operation's name and what performs it.

    ``web_links`` sends ``!web``'s login link in a direct room (``bot.web.delivery``).
    """

    async def pin(room_id: str, payload: dict[str, Any]) -> str | None:
        await rooms.pin(room_id, str(payload["event_id"]))
        return None

    async def set_moderator(room_id: str, payload: dict[str, Any]) -> str | None:
        await rooms.set_moderator(room_id, str(payload["user_id"]), list(payload["previous"]))
        return None

    return {
        OPEN_INCIDENT_ROOM: IncidentRoomOpening(factory, rooms),
        PIN: pin,
        SET_MODERATOR: set_moderator,
        SEND_WEB_LINK: web_links,
    }
