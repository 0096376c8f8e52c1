"""Clocks the tests control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FixedClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
