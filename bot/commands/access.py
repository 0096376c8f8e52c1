"""Who may run which command: observers read, members act, coordinators steer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Set
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StateRecord
from bot.storage.state import put_state

ROOM_MEMBERS_KEY = "taskforce_room_members"
"""``bot_state`` key of the taskforce room's members as the active instance last read them."""


class Role(IntEnum):
    """Taskforce roles, ordered: a higher role may do everything a lower one may."""

    OBSERVER = 1
    MEMBER = 2
    COORDINATOR = 3


class AccessPolicy:
    """Maps Matrix ids to their taskforce role (the highest one configured)."""

    def __init__(
        self,
        members: Iterable[str],
        coordinators: Iterable[str] = (),
        observers: Iterable[str] = (),
    ) -> None:
        self._roles: dict[str, Role] = {}
        for users, role in ((observers, Role.OBSERVER), (members, Role.MEMBER)):
            for user in users:
                self._roles[user] = role
        for user in coordinators:
            self._roles[user] = Role.COORDINATOR
        self._room_members: frozenset[str] = frozenset()

    def set_room_members(self, members: Iterable[str]) -> None:
        """The current members of the designated taskforce room: they count as members."""
        self._room_members = frozenset(members)

    def role_of(self, user_id: str) -> Role | None:
        """The user's role, or None for someone outside the taskforce."""
        return self.role_among(user_id, self._room_members)

    def role_among(self, user_id: str, room_members: Set[str]) -> Role | None:
        """The user's role when ``room_members`` are the taskforce room's members."""
        role = self._roles.get(user_id)
        if role is None and user_id in room_members:
            return Role.MEMBER
        return role

    def in_taskforce(self, user_id: str) -> bool:
        """Whether ``user_id`` is in the taskforce (configured, or in its room)."""
        return self.role_of(user_id) is not None

    def is_coordinator(self, user_id: str) -> bool:
        """Whether ``user_id`` is a configured taskforce coordinator."""
        return self.role_of(user_id) is Role.COORDINATOR

    def everyone(self) -> list[str]:
        """Every configured user, in a stable order."""
        return sorted(self._roles)


async def store_room_members(session: AsyncSession, room: str, members: Iterable[str]) -> None:
    """Store the members of taskforce room ``room`` just read, for every instance to see."""
    value = {"room": room, "members": sorted(set(members))}
    await put_state(session, ROOM_MEMBERS_KEY, json.dumps(value))


async def stored_room_members(session: AsyncSession, room: str | None) -> frozenset[str]:
    """The members of taskforce room ``room`` as last stored; none when nobody stored
    them yet, or stored those of another room (the configured one changed)."""
    record = None if room is None else await session.get(StateRecord, ROOM_MEMBERS_KEY)
    if record is None:
        return frozenset()
    stored = json.loads(record.value)
    return frozenset(stored["members"]) if stored["room"] == room else frozenset()
