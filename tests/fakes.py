"""Stand-ins shared by tests: a clock the test moves, rooms without a homeserver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.storage.models import AlertRecord, SituationRecord


class FixedClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class FakeRooms:
    """Stands in for the homeserver when opening incident rooms."""

    def __init__(self) -> None:
        self.opened: list[tuple[int, Sequence[str]]] = []

    async def open_incident_room(
        self, situation: SituationRecord, alert: AlertRecord, invitees: Sequence[str]
    ) -> str:
        self.opened.append((situation.id, invitees))
        return f"!incident-{situation.id}:test"
