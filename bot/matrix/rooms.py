"""Creating incident rooms on the homeserver."""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.exercises.marking import mark_text
from bot.faults import INCIDENT_ROOM_CREATED, kill_point
from bot.i18n import Language
from bot.matrix.client import ROOM_IN_USE, MatrixClient, MatrixError
from bot.matrix.notices import incident_room_name
from bot.storage.models import AlertRecord, SituationRecord

MODERATOR_LEVEL = 50
"""Power level that may kick, ban, redact and pin (Matrix's usual moderator level)."""


def incident_room_alias(alert: AlertRecord) -> str:
    """The alias localpart of the incident room opened from ``alert`` (random per alert)."""
    return f"weerbaar-incident-{alert.room_key}"


class MatrixIncidentRooms:
    """Opens a private incident room named after the situation and invites the taskforce.

    With ``encrypted`` the room is end-to-end encrypted from its creation on.
    """

    def __init__(self, client: MatrixClient, lang: Language, *, encrypted: bool = False) -> None:
        self._client = client
        self._lang = lang
        self._encrypted = encrypted

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        """Create the room with name and topic, invite everyone but the bot; return its id.

        The room's address comes from the alert's room key, so the homeserver creates at
        most one room per alert: if an earlier attempt created it but its transaction never
        committed (the bot crashed in between), that room is returned instead.
        """
        name = incident_room_name(situation, self._lang)
        topic = i18n.text(
            "incident.room_topic",
            self._lang,
            id=situation.id,
            actor=situation.opened_by,
            alert_id=alert.id,
        )
        if situation.is_exercise:
            topic = mark_text(topic)
        try:
            room_id = await self._client.create_room(
                name=name,
                topic=topic,
                invite=[user for user in invitees if user != self._client.user_id],
                encrypted=self._encrypted,
                alias=incident_room_alias(alert),
            )
        except MatrixError as exc:
            if exc.errcode != ROOM_IN_USE:
                raise
            return await self._reuse(alert, name, topic)
        kill_point(INCIDENT_ROOM_CREATED)
        return room_id

    async def _reuse(self, alert: AlertRecord, name: str, topic: str) -> str:
        """The room created for ``alert`` earlier, with this attempt's name and topic.

        Name and topic are set again because the situation may have another id this time
        (PostgreSQL does not hand out a rolled-back id again); Synapse sends no new event
        for state identical to the current one.
        """
        alias = f"#{incident_room_alias(alert)}:{self._client.server_name}"
        room_id = await self._client.resolve_alias(alias)
        await self._client.put_state(room_id, "m.room.name", {"name": name})
        await self._client.put_state(room_id, "m.room.topic", {"topic": topic})
        return room_id

    async def set_moderator(self, room_id: str, user_id: str, previous: Sequence[str]) -> None:
        """Give the incident coordinator moderator power; the previous one goes back to 0."""
        levels = await self._client.state(room_id, "m.room.power_levels")
        users = dict(levels.get("users", {}))
        for user in previous:
            if user != user_id and user != self._client.user_id:
                users.pop(user, None)
        users[user_id] = max(int(users.get(user_id, 0)), MODERATOR_LEVEL)
        await self._client.put_state(room_id, "m.room.power_levels", {**levels, "users": users})

    async def pin(self, room_id: str, event_id: str) -> None:
        """Add ``event_id`` to the room's pinned events (first, keeping the others)."""
        try:
            pinned = list((await self._client.state(room_id, "m.room.pinned_events"))["pinned"])
        except MatrixError as exc:
            if exc.errcode != "M_NOT_FOUND":  # no pinned events yet
                raise
            pinned = []
        if event_id not in pinned:
            await self._client.put_state(
                room_id, "m.room.pinned_events", {"pinned": [event_id, *pinned]}
            )
