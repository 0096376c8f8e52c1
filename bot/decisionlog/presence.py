"""Who is in a room at a given moment: recorded with every decision taken there."""

from __future__ import annotations

from typing import Protocol


class RoomPresence(Protocol):
    """Tells who is in a room now (implemented over Matrix in ``bot.matrix.members``)."""

    async def present(self, room_id: str) -> list[str]:
        """The ids of the people in ``room_id`` (not the bot); empty when unknown."""
        ...


class UnknownPresence:
    """For adapters without a homeserver (the CLI, storage tests): nobody is known."""

    async def present(self, room_id: str) -> list[str]:
        """Always empty."""
        return []
