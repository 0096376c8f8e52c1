"""Direct rooms between the bot and one person, for what must not go to a shared room.

One room per person, found again by an address derived from their id: a re-run after a
crash, or the next request, reuses it instead of opening another. The room is private
(invite only), so its guessable address lets no one else in. Anyone on the homeserver
can take that address first, though, for a room of their own: a room at the address that
the bot did not create is never used; the message goes to a new room without an address.
"""

from __future__ import annotations

import hashlib
import logging

from bot.matrix.client import ROOM_IN_USE, MatrixClient, MatrixError

log = logging.getLogger(__name__)

NOT_FOUND = "M_NOT_FOUND"
_PRESENT = frozenset({"join", "invite"})


def direct_room_alias(user_id: str) -> str:
    """The alias localpart of the bot's direct room with ``user_id``."""
    return "weerbaar-dm-" + hashlib.sha256(user_id.encode()).hexdigest()[:24]


class DirectRooms:
    """Finds or opens the direct room with a person, and invites them back if they left."""

    def __init__(self, client: MatrixClient, *, encrypted: bool) -> None:
        self._client = client
        self._encrypted = encrypted

    async def room_with(self, user_id: str, name: str) -> str:
        """The id of a room of the bot's with ``user_id`` (who is in it or invited) and
        no one else the bot let in."""
        try:
            return await self._create(user_id, name, direct_room_alias(user_id))
        except MatrixError as exc:
            if exc.errcode != ROOM_IN_USE:
                raise
        alias = f"#{direct_room_alias(user_id)}:{self._client.server_name}"
        room_id = await self._client.resolve_alias(alias)
        if not await self._created_by_bot(room_id):
            # Its creator can read it and let others in: what goes to the person (a login
            # link) would reach them. The address stays taken, so each message gets a room.
            log.warning("%s is not the bot's room; using a new room for %s", alias, user_id)
            return await self._create(user_id, name, None)
        if await self._membership(room_id, user_id) not in _PRESENT:
            await self._client.invite(room_id, user_id)
        return room_id

    async def _create(self, user_id: str, name: str, alias: str | None) -> str:
        return await self._client.create_room(
            name=name,
            topic=name,
            invite=[user_id],
            encrypted=self._encrypted,
            alias=alias,
            direct=True,
        )

    async def _created_by_bot(self, room_id: str) -> bool:
        try:
            creator = await self._client.room_creator(room_id)
        except MatrixError as exc:
            if exc.transient:
                raise
            return False  # not even readable to the bot (it declined the invitation)
        return creator == self._client.user_id

    async def _membership(self, room_id: str, user_id: str) -> str | None:
        try:
            member = await self._client.state(room_id, "m.room.member", user_id)
        except MatrixError as exc:
            if exc.errcode != NOT_FOUND:
                raise
            return None
        return str(member.get("membership"))
