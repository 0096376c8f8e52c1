"""Moments as people type them in chat: ``17:00``, ``2026-11-24 09:00``, ``in 2h``.

Wall-clock times are read in the taskforce's time zone and returned in UTC, so a
reminder "by 17:00" fires at 17:00 where the taskforce is, also across a DST change.
On the night the clocks go back a time in the repeated hour means its first showing
that is still ahead; on the night they jump forward a time in the skipped hour is read
an hour later (02:30 is 03:30 summer time). Whether a moment has passed is decided on
instants, never by comparing wall-clock readings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.playbooks.durations import parse_duration

_CLOCK = r"(\d{1,2}):(\d{2})"
_TIME_ONLY = re.compile(_CLOCK)
_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ t]" + _CLOCK)
_TOMORROW = re.compile(r"(?:tomorrow|morgen) " + _CLOCK)
_RELATIVE = re.compile(r"(?:in|over) (.+)")


class PastMoment(ValueError):
    """The text names a moment, but one that has passed (``moment``, in UTC)."""

    def __init__(self, text: str, moment: datetime) -> None:
        super().__init__(f"{text!r} is in the past")
        self.moment = moment


FORMATS_HELP = "'17:00', 'tomorrow 09:00', '2026-11-24 09:00' or 'in 2h' (in 30m, in 1h30m, in 2d)"


def calendar_days_from(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """``moment`` moved by ``days`` calendar days (back when negative), in UTC: the same
    time of day in ``zone``, also when summer time starts or ends in between."""
    # Arithmetic on a zone-aware datetime moves the wall clock; the offset follows.
    local = moment.astimezone(zone)
    return (local + timedelta(days=days)).astimezone(UTC)


def parse_moment(text: str, now: datetime, timezone: str) -> datetime:
    """The future moment ``text`` means, in UTC; ValueError says which forms work (or that
    the moment is past what a datetime holds: any text gets an answer, never a crash).

    A bare time that has already passed today means tomorrow. Dutch ``morgen`` and
    ``over 2h`` are understood too.
    """
    words = " ".join(text.lower().split())
    zone = ZoneInfo(timezone)
    now = now.astimezone(UTC)
    local_now = now.astimezone(zone)
    moment: datetime
    if match := _RELATIVE.fullmatch(words):
        try:
            delta = parse_duration(match.group(1))
        except ValueError as exc:
            raise ValueError(f"{exc}; or use {FORMATS_HELP}") from None
        if delta <= timedelta(0):
            raise ValueError(f"{text!r} is not in the future")
        try:
            return now + delta
        except OverflowError:
            raise ValueError(f"{text!r} is too far in the future") from None
    tomorrow = local_now.date() + timedelta(days=1)
    if match := _TIME_ONLY.fullmatch(words):
        hour, minute = match.groups()
        moment = _at(local_now.date(), hour, minute, zone, text, now)
        if moment <= now:
            moment = _at(tomorrow, hour, minute, zone, text, now)
    elif match := _TOMORROW.fullmatch(words):
        hour, minute = match.groups()
        moment = _at(tomorrow, hour, minute, zone, text, now)
    elif match := _DATE_TIME.fullmatch(words):
        year, month, day, hour, minute = match.groups()
        try:
            day_date = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{text!r} is not a valid date") from None
        moment = _at(day_date, hour, minute, zone, text, now)
    else:
        raise ValueError(f"cannot read the time {text!r}; use {FORMATS_HELP}")
    if moment <= now:
        raise PastMoment(text, moment)
    return moment


def _at(day: date, hour: str, minute: str, zone: ZoneInfo, text: str, now: datetime) -> datetime:
    """``hour:minute`` on ``day`` in ``zone``, in UTC.

    A time the clock shows twice that day is its first showing unless only the second
    is still after ``now``; a time the clock skips is read with the offset before the
    jump, so it lands as far after the jump as it was after the hour (02:30 -> 03:30).
    """
    try:
        local = datetime.combine(day, time(int(hour), int(minute)), tzinfo=zone)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid time of day") from None
    # fold=0 takes the offset before a transition, fold=1 the one after: in a repeated
    # hour the second is later; in a skipped hour it is earlier, and never chosen here.
    try:
        first = local.astimezone(UTC)
        second = local.replace(fold=1).astimezone(UTC)
    except OverflowError:  # 9999-12-31 west of UTC is in the year 10000 in UTC
        raise ValueError(f"{text!r} is out of the range of dates") from None
    return second if first <= now < second else first
