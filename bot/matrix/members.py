"""Who is in a room: recorded with every decision taken there, checked when giving roles.

Asked inside a command's transaction, so it is answered from the member lists the sync
loop keeps (``MatrixClient.load_members`` before it hands a room's events on), never by
calling the homeserver.
"""

from __future__ import annotations

import logging

from bot.matrix.client import MatrixClient

log = logging.getLogger(__name__)


class MatrixRoomPresence:
    """The joined members of a room, without the bot itself."""

    def __init__(self, client: MatrixClient) -> None:
        self._client = client

    async def present(self, room_id: str) -> list[str]:
        """Joined members of ``room_id``; empty (and a warning) when not known.

        A decision is recorded even when the member list is unknown: losing the decision
        would be worse than an empty list of those present.
        """
        members = self._client.known_members(room_id)
        if members is None:
            log.warning("the members of %s are not known (not loaded since start)", room_id)
            return []
        return sorted(member for member in members if member != self._client.user_id)
