"""What the sync loop hands on: messages and reactions people sent in the bot's rooms.

Plain data, so transport needs nothing of the commands that handle them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingMessage:
    """A text message someone sent in a room the bot is in."""

    event_id: str
    room_id: str
    sender: str
    body: str
    thread_root: str | None = None  # the thread's root event, for a message in a thread


@dataclass(frozen=True)
class IncomingReaction:
    """An ``m.reaction`` someone sent in a room the bot is in."""

    event_id: str
    room_id: str
    sender: str
    reacts_to: str
    key: str
