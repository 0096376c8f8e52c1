"""What counts as a row id where one is typed: in a chat command, an address, the CLI."""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1
"""The largest id an ``Integer`` key can hold on every backend (32 bits on PostgreSQL)."""


def row_id(text: str) -> int | None:
    """``text`` (decimal digits) as a row id; None when it is no number or larger than
    any row's id can be, which the database would refuse with an error (and ``int()`` a
    number of thousands of digits) instead of finding nothing."""
    if not text.isdecimal() or len(text) > len(str(MAX_ROW_ID)) or int(text) > MAX_ROW_ID:
        return None
    return int(text)
