"""Who may run which command: observers read, members act, coordinators steer."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


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
        role = self._roles.get(user_id)
        if role is None and user_id in self._room_members:
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
