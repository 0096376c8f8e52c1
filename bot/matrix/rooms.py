"""Creating incident rooms on the homeserver."""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.i18n import Language
from bot.matrix.client import MatrixClient
from bot.matrix.notices import incident_room_name
from bot.storage.models import AlertRecord, SituationRecord


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
        """Create the room with name and topic, invite everyone but the bot; return its id."""
        topic = i18n.text(
            "incident.room_topic",
            self._lang,
            id=situation.id,
            actor=situation.opened_by,
            alert_id=alert.id,
        )
        return await self._client.create_room(
            name=incident_room_name(situation, self._lang),
            topic=topic,
            invite=[user for user in invitees if user != self._client.user_id],
            encrypted=self._encrypted,
        )
