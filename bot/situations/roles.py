"""Roles people hold inside one incident (coordinator, scribe, comms, liaison, ...).

Like playbook runs, the roles are derived from the situation's log (``role_assigned``
entries), so who held which role when is part of the audit trail. An incident has at most
one coordinator: appointing another hands over. Once there is a coordinator, only they
(or a coordinator configured for the whole taskforce, who can always take over) change
roles, phases and the owner; before that anyone in the taskforce may appoint the first one.
A role goes only to someone in the incident room or the taskforce, so a typo cannot hand
the incident to nobody and lock everyone out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import ROLE_ASSIGNED, RoleAssignedPayload
from bot.decisionlog.presence import RoomPresence
from bot.errors import (
    DecisionForCoordinator,
    DecisionRoleRefused,
    DecisionRoleVacant,
    RoleChangeRefused,
    RoleHolderUnknown,
    UnknownIncidentRole,
)
from bot.storage.models import LogEntryRecord

COORDINATOR = "coordinator"
INCIDENT_ROLES = (COORDINATOR, "scribe", "comms", "liaison")
"""Roles every incident knows; playbooks may declare more."""

Holders = dict[str, list[str]]


class IncidentRoomModeration(Protocol):
    """Gives the incident coordinator the power to moderate the incident room.

    Implemented by queueing the change with the transaction (``bot.matrix.room_operations``):
    the homeserver is asked after commit, never inside it.
    """

    async def set_moderator(self, room_id: str, user_id: str, previous: Sequence[str]) -> None:
        """Make ``user_id`` a moderator of ``room_id`` instead of ``previous``."""
        ...


class Taskforce(Protocol):
    """Who belongs to the taskforce, and who coordinates it (from the configuration)."""

    def in_taskforce(self, user_id: str) -> bool:
        """Whether ``user_id`` is in the taskforce (any role)."""
        ...

    def is_coordinator(self, user_id: str) -> bool:
        """Whether ``user_id`` is configured as a taskforce coordinator."""
        ...


class ListedTaskforce:
    """A taskforce known only as a list of members, none configured as coordinator
    (adapters without the bot's access policy: tools and storage tests)."""

    def __init__(self, members: Iterable[str]) -> None:
        self._members = frozenset(members)

    def in_taskforce(self, user_id: str) -> bool:
        """Whether ``user_id`` is listed."""
        return user_id in self._members

    def is_coordinator(self, user_id: str) -> bool:
        """Nobody: no coordinators are configured here."""
        return False


class IncidentRoles:
    """Who holds which role in an incident."""

    def __init__(
        self,
        session: AsyncSession,
        log: SituationLog,
        moderation: IncidentRoomModeration,
        presence: RoomPresence,
        taskforce: Taskforce,
    ) -> None:
        self._session = session
        self._log = log
        self._moderation = moderation
        self._presence = presence
        self._taskforce = taskforce

    async def holders(self, situation_id: int) -> Holders:
        """Users by role, in the order they were appointed."""
        entries = await self._session.scalars(
            select(LogEntryRecord)
            .where(
                LogEntryRecord.situation_id == situation_id,
                LogEntryRecord.kind == EntryKind.ROLE_ASSIGNED.value,
            )
            .order_by(LogEntryRecord.seq)
        )
        holders: Holders = {}
        for entry in entries:
            assigned = ROLE_ASSIGNED.of(entry)
            role, user = assigned["role"], assigned["user"]
            if role == COORDINATOR:
                holders[role] = [user]
            elif user not in holders.setdefault(role, []):
                holders[role].append(user)
        return holders

    async def require_coordinator(self, situation_id: int, actor: str) -> list[str]:
        """The incident's coordinator(s); RoleChangeRefused if there is one and it is not
        ``actor``. Without a coordinator anyone in the taskforce steers; a configured
        taskforce coordinator always may, so an incident can never be locked."""
        coordinators = (await self.holders(situation_id)).get(COORDINATOR, [])
        if coordinators and actor not in coordinators and not self._taskforce.is_coordinator(actor):
            raise RoleChangeRefused(coordinator=coordinators[0])
        return coordinators

    async def require_decider(
        self, situation_id: int, actor: str, role: str, decision: str
    ) -> None:
        """Refuse unless ``actor`` may decide ``decision``, which belongs to ``role``.

        The holders of ``role`` decide, and the coordinator always may. While nobody holds
        either, anyone in the taskforce steers (as with ``require_coordinator``), and a
        configured taskforce coordinator always may.
        """
        holders = await self.holders(situation_id)
        deciders = holders.get(role, [])
        coordinators = holders.get(COORDINATOR, [])
        if (
            actor in deciders
            or actor in coordinators
            or not (deciders or coordinators)
            or self._taskforce.is_coordinator(actor)
        ):
            return
        if role == COORDINATOR:
            raise DecisionForCoordinator(decision=decision, coordinator=coordinators)
        if not deciders:
            raise DecisionRoleVacant(decision=decision, role=role, coordinator=coordinators)
        raise DecisionRoleRefused(
            decision=decision, role=role, holders=deciders, coordinator=coordinators
        )

    async def assign(
        self,
        situation_id: int,
        room_id: str | None,
        user: str,
        role: str,
        actor: str,
        extra_roles: Iterable[str] = (),
    ) -> list[str]:
        """Give ``user`` the ``role``; returns who held it before if it was handed over.

        ``extra_roles`` are roles declared by the playbooks running in the incident.
        ``user`` must be in the taskforce or in the incident room ``room_id``.
        """
        known = list(dict.fromkeys([*INCIDENT_ROLES, *extra_roles]))
        if role not in known:
            raise UnknownIncidentRole(role=role, available=known)
        coordinators = await self.require_coordinator(situation_id, actor)
        if not self._taskforce.in_taskforce(user) and (
            room_id is None or user not in await self._presence.present(room_id)
        ):
            raise RoleHolderUnknown(user=user)
        previous = coordinators if role == COORDINATOR else []
        await self._log.append(
            situation_id,
            EntryKind.ROLE_ASSIGNED,
            actor,
            RoleAssignedPayload(user=user, role=role, replaces=previous),
        )
        if role == COORDINATOR and room_id is not None:
            await self._moderation.set_moderator(room_id, user, previous)
        return previous


def holders_of(holders: Holders, role: str) -> list[str]:
    """Who should hear about something owned by ``role``: its holders, else the coordinator."""
    return holders.get(role) or holders.get(COORDINATOR, [])
