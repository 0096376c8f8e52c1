"""Times typed in chat, read in the taskforce's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.moments import PastMoment, parse_moment

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
        ("in 9999999d", "too far"),  # past the year 9999
        ("soon", "cannot read the time"),
        ("", "cannot read the time"),
    ],
)
def test_refused_forms_say_why(typed: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_moment(typed, NOW, AMSTERDAM)


def test_the_last_minutes_of_the_calendar_west_of_utc_are_refused_not_a_crash() -> None:
    # 9999-12-31 23:30 in New York is in the year 10000 in UTC.
    with pytest.raises(ValueError, match="out of the range"):
        parse_moment("9999-12-31 23:30", NOW, "America/New_York")


def test_a_different_time_zone() -> None:
    assert parse_moment("17:00", NOW, "UTC") == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


# 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET (01:00 UTC), so 02:00-03:00
# happens twice; 2026-03-29: at 02:00 CET they jump to 03:00 CEST (01:00 UTC).
SECOND_PASS = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after the first 02:30
AFTER_THE_JUMP = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)  # 03:20 CEST


@pytest.mark.parametrize("typed", ["02:30", "2026-10-25 02:30"])
def test_a_time_the_clock_shows_twice_is_the_one_still_ahead(typed: str) -> None:
    # The first 02:30 (CEST, 00:30 UTC) has passed; the second (CET) is 20 minutes away.
    assert parse_moment(typed, SECOND_PASS, AMSTERDAM) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_time_the_clock_shows_twice_is_the_first_when_both_are_ahead() -> None:
    before = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 01:00 CEST
    assert parse_moment("02:30", before, AMSTERDAM) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_time_the_clock_shows_twice_has_passed_after_its_second_showing() -> None:
    after = datetime(2026, 10, 25, 1, 40, tzinfo=UTC)  # 02:40 CET, both 02:30s passed
    with pytest.raises(PastMoment):
        parse_moment("2026-10-25 02:30", after, AMSTERDAM)
    assert parse_moment("02:30", after, AMSTERDAM) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["02:30", "2026-03-29 02:30"])
def test_a_time_the_clock_skips_is_read_an_hour_later(typed: str) -> None:
    # 02:30 does not exist that night: it means 03:30 CEST (01:30 UTC), still ahead at
    # 03:20, not "in the past" nor tomorrow.
    assert parse_moment(typed, AFTER_THE_JUMP, AMSTERDAM) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
