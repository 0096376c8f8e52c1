"""Announcing domain events in Matrix rooms, through the outbox."""

from __future__ import annotations

from bot import i18n
from bot.i18n import Language
from bot.matrix.content import text_content
from bot.matrix.outbox import Outbox
from bot.situations.phases import Phase
from bot.storage.models import AlertRecord, SituationRecord

# Namespaced content field carrying the alert id, so reactions and edits can find it.
ALERT_ID_FIELD = "nl.weerbaar.alert_id"


def matrix_to(room_id: str) -> str:
    """A link that opens the room in any Matrix client."""
    return f"https://matrix.to/#/{room_id}"


class MatrixNotifier:
    """Posts alert and situation notices to the coordination room."""

    def __init__(self, outbox: Outbox, coordination_room: str, lang: Language) -> None:
        self._outbox = outbox
        self._room = coordination_room
        self._lang = lang

    async def alert_received(self, alert: AlertRecord) -> None:
        """Post the alert with its id, severity, supplier, title, details and links."""
        fields = {
            "id": alert.id,
            "severity": alert.severity,
            "supplier": alert.supplier,
            "title": alert.title,
        }
        hint = i18n.text("alert.hint", self._lang, id=alert.id)
        plain_lines = [i18n.text("alert.notice", self._lang, **fields)]
        html_parts = [i18n.html("alert.notice.html", self._lang, **fields)]
        if alert.details:
            plain_lines.append(alert.details)
            html_parts.append(f"<blockquote>{i18n.html_escape(alert.details)}</blockquote>")
        for url in alert.links:
            plain_lines.append(url)
            escaped = i18n.html_escape(url)
            html_parts.append(f'<p><a href="{escaped}">{escaped}</a></p>')
        plain_lines.append(hint)
        html_parts.append(f"<p><em>{i18n.html_escape(hint)}</em></p>")
        content = text_content("\n".join(plain_lines), "".join(html_parts))
        content[ALERT_ID_FIELD] = alert.id
        await self._outbox.post(self._room, content)

    async def incident_room_opened(self, situation: SituationRecord, alert: AlertRecord) -> None:
        """Link the new incident room from the coordination room."""
        assert situation.incident_room_id is not None  # set before this is called
        fields = {
            "id": situation.id,
            "supplier": situation.supplier,
            "title": situation.title,
            "link": matrix_to(situation.incident_room_id),
        }
        room_name = incident_room_name(situation, self._lang)
        await self._outbox.post(
            self._room,
            text_content(
                i18n.text("incident.opened", self._lang, **fields),
                i18n.html("incident.opened.html", self._lang, room_name=room_name, **fields),
            ),
        )

    async def phase_changed(
        self, situation: SituationRecord, previous: Phase, actor: str, reason: str
    ) -> None:
        """Tell the coordination room, and the incident room if there is one."""
        lang = self._lang
        message = i18n.text(
            "situation.phase_changed",
            lang,
            id=situation.id,
            supplier=situation.supplier,
            previous=i18n.text(f"phase.{previous.value}", lang),
            current=i18n.text(f"phase.{situation.phase}", lang),
            actor=actor,
            reason=reason,
        )
        for room in filter(None, (self._room, situation.incident_room_id)):
            await self._outbox.post(room, text_content(message))


def incident_room_name(situation: SituationRecord, lang: Language) -> str:
    """The display name of a situation's incident room."""
    return i18n.text(
        "incident.room_name", lang, supplier=situation.supplier, title=situation.title
    )[:255]
