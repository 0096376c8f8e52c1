"""One line of text saying what a log entry records, for chat, reports and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import i18n
from bot.i18n import Language, Term, format_time
from bot.storage.models import LogEntryRecord

# Payload fields that hold a moment as ISO text; shown in the taskforce's time zone.
_MOMENTS = frozenset({"due_at", "previous_due_at", "review_at", "planned_due", "until"})
# Payload fields of these kinds that hold a code, shown by its translated name.
_TERMS = {
    "phase_changed": {"from": "phase", "to": "phase"},
    "fallback_tested": {"result": "fallback_result", "kind": "fallback_kind"},
}


def describe_entry(entry: LogEntryRecord, lang: Language, timezone: str) -> str:
    """What ``entry`` records, in ``lang``; unknown kinds show their kind and payload."""
    key = f"log.{entry.kind}"
    terms = _TERMS.get(entry.kind, {})
    params = {
        name: Term(terms[name], value) if name in terms else _shown(name, value, timezone, lang)
        for name, value in entry.payload.items()
    }
    try:
        return i18n.text(key, lang, **params)
    except KeyError:
        # A kind added by another area without its message yet: still readable.
        return f"{entry.kind}: {entry.payload}"


def _shown(name: str, value: Any, timezone: str, lang: Language) -> Any:
    if value is None:
        return "-"
    if name in _MOMENTS and isinstance(value, str):
        return format_time(datetime.fromisoformat(value), timezone, lang)
    return value
