"""The one clock for tests: it moves only when the test (or, with a step, a reading) says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class ManualClock:
    """A clock at ``START`` that moves by ``advance``, and by ``step`` on every reading.

    With a step (one second, say) every reading is later than the one before, so the
    order in which things happened is visible in their timestamps.
    """

    def __init__(self, step: timedelta = timedelta()) -> None:
        self.moment = START
        self.step = step

    def now(self) -> datetime:
        """The current moment, after moving one step."""
        self.moment += self.step
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)``."""
        self.moment += timedelta(**delta)


def stepping_clock() -> ManualClock:
    """A clock that advances one second per reading."""
    return ManualClock(step=timedelta(seconds=1))
