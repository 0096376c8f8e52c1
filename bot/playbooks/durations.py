"""Durations as playbook authors write them: ``30m``, ``4h``, ``1h30m``, ``2d``, ``1w``.

A deadline is the same text behind ``T+`` (time since the playbook was activated), so
``T+1h`` reads as "one hour after activation", the way crisis plans are usually written.
"""

from __future__ import annotations

import re
from datetime import timedelta

# Units must come largest first and at most once each, so every text has one meaning;
# the lookahead rejects the empty string.
DURATION_PATTERN = r"(?=\d)(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?"
DEADLINE_PREFIX = "T+"

_DURATION_RE = re.compile(DURATION_PATTERN)
_UNITS = (
    ("w", timedelta(weeks=1)),
    ("d", timedelta(days=1)),
    ("h", timedelta(hours=1)),
    ("m", timedelta(minutes=1)),
)
_UNITS_HELP = "weeks (w), days (d), hours (h), minutes (m), largest first"


def parse_duration(text: str) -> timedelta:
    """Parse ``4h`` or ``1h30m`` into a timedelta; ValueError explains the format."""
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"invalid duration {text!r}: expected {_UNITS_HELP}, e.g. '30m', '4h', '1h30m', '2d'"
        )
    try:
        return sum(
            (
                int(amount) * unit
                for amount, (_, unit) in zip(match.groups(), _UNITS, strict=True)
                if amount is not None
            ),
            timedelta(),
        )
    except OverflowError:
        raise ValueError(f"duration {text!r} is too large") from None


def parse_deadline(text: str) -> timedelta:
    """Parse ``T+1h`` (time after activation) into a timedelta; ValueError explains the format."""
    offset = text.removeprefix(DEADLINE_PREFIX)
    if offset == text or _DURATION_RE.fullmatch(offset) is None:
        raise ValueError(
            f"invalid deadline {text!r}: expected 'T+' and {_UNITS_HELP}, "
            "e.g. 'T+30m', 'T+1h30m', 'T+2d'"
        )
    return parse_duration(offset)


def format_duration(value: timedelta) -> str:
    """The canonical text for a duration (``90m`` becomes ``1h30m``); seconds are dropped."""
    minutes = int(value.total_seconds()) // 60
    parts: list[str] = []
    for suffix, unit in _UNITS:
        count, minutes = divmod(minutes, int(unit.total_seconds()) // 60)
        if count:
            parts.append(f"{count}{suffix}")
    return "".join(parts) or "0m"


def format_deadline(value: timedelta) -> str:
    """The canonical text for a deadline, e.g. ``T+1h30m``."""
    return DEADLINE_PREFIX + format_duration(value)
