"""Time as the domain sees it: always timezone-aware UTC, replaceable in tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class StoppedClock:
    """A clock that always tells ``moment``: work done as of one moment (a purge)."""

    moment: datetime

    def now(self) -> datetime:
        """``moment``, timezone-aware UTC."""
        return self.moment
