"""The report filters' fast paths give exactly the text of the general ones."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reports.templating import _when_in, escape_markdown, when

MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # just before summer time in Amsterdam
    datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, 0, 123456, tzinfo=UTC),  # microseconds are not shown
    datetime(1920, 6, 1, 12, 0, 0, tzinfo=UTC),  # Amsterdam's +00:19:32 local mean time
    datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(days=400),
]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "America/St_Johns", "Asia/Kolkata"])
def test_fast_when_matches_format_time(zone: str) -> None:
    fast = _when_in(ZoneInfo(zone), zone, "?")
    assert fast(None) == when(None, zone, "?") == "?"
    for moment in MOMENTS:
        assert fast(moment.isoformat()) == when(moment.isoformat(), zone, "?")


def slow_escape(value: object) -> str:
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(str(value).split()))


@pytest.mark.parametrize(
    "value",
    [
        "@alice:example.org",
        "plain words only",
        "  leading and trailing  ",
        "double  space",
        "tab\there",
        "line\nbreak\r\n",
        "no\u00a0break\u2003em",
        "*bold* [link](x) <script>",
        "",
        42,
    ],
)
def test_escape_markdown_fast_path_matches_the_general_one(value: object) -> None:
    assert escape_markdown(value) == slow_escape(value)
