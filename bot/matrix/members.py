"""Who is in a room, asked of the homeserver when a decision is recorded."""

from __future__ import annotations

import logging

from bot.matrix.client import MatrixClient, MatrixError

log = logging.getLogger(__name__)


class MatrixRoomPresence:
    """The joined members of a room, without the bot itself."""

    def __init__(self, client: MatrixClient) -> None:
        self._client = client

    async def present(self, room_id: str) -> list[str]:
        """Joined members of ``room_id``; empty (and a warning) if the homeserver fails.

        A decision is recorded even when the member list cannot be fetched: losing the
        decision would be worse than an empty list of those present.
        """
        try:
            members = await self._client.joined_members(room_id)
        except MatrixError as exc:
            log.warning("cannot list the members of %s: %s", room_id, exc)
            return []
        return sorted(member for member in members if member != self._client.user_id)
