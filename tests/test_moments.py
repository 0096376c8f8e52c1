"""Times typed in chat, read in the taskforce's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.moments import parse_moment

AMSTERDAM = "Europe/Amsterdam"
# 2026-11-23 10:00 in Amsterdam (UTC+1 in winter)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("17:00", datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),
        ("09:30", datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),  # passed today: tomorrow
        ("tomorrow 09:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("Morgen  9:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("2026-11-24 09:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("2026-11-24T09:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("in 2h", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),
        ("over 1h30m", datetime(2026, 11, 23, 10, 30, tzinfo=UTC)),
        ("in 2d", datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
        # summer time: 09:00 in Amsterdam is 07:00 UTC
        ("2027-07-01 09:00", datetime(2027, 7, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_understood_forms(typed: str, expected: datetime) -> None:
    assert parse_moment(typed, NOW, AMSTERDAM) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2025-01-01 09:00", "in the past"),
        ("25:00", "not a valid time"),
        ("2026-02-30 09:00", "not a valid date"),
        ("in 2 hours", "invalid duration"),
        ("in 0m", "not in the future"),
        ("soon", "cannot read the time"),
        ("", "cannot read the time"),
    ],
)
def test_refused_forms_say_why(typed: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_moment(typed, NOW, AMSTERDAM)


def test_a_different_time_zone() -> None:
    assert parse_moment("17:00", NOW, "UTC") == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
