"""User-facing text in Dutch and English, in one catalogue.

Commands answer in the language of the name the user typed (``!besluit`` in Dutch,
``!decide`` in English); messages not tied to a command use the configured language.
Placeholders use ``str.format`` syntax; ``html`` escapes every parameter first.
The texts live in ``bot/messages``, one module per area, merged here.
"""

from __future__ import annotations

import html as html_lib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import (
    alerts,
    core,
    crypto,
    decisionlog,
    exercises,
    outbox,
    playbooks,
    reports,
    suppliers,
    watch,
)
from bot.messages.types import LANGUAGES, Language, merge_catalogues

__all__ = ["LANGUAGES", "Language", "format_time", "html", "html_escape", "text", "text_in_both"]

CATALOGUE = merge_catalogues(
    core.MESSAGES,
    alerts.MESSAGES,
    suppliers.MESSAGES,
    playbooks.MESSAGES,
    crypto.MESSAGES,
    decisionlog.MESSAGES,
    reports.MESSAGES,
    watch.MESSAGES,
    exercises.MESSAGES,
    outbox.MESSAGES,
)


def text(key: str, lang: Language, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in; lists become "a, b"."""
    return CATALOGUE[key][lang].format(**{name: _flat(value) for name, value in params.items()})


def text_in_both(key: str, first: Language, **params: Any) -> str:
    """The message in ``first`` and then in the other language, on two lines."""
    second: Language = "en" if first == "nl" else "nl"
    return f"{text(key, first, **params)}\n{text(key, second, **params)}"


def html(key: str, lang: Language, **params: Any) -> str:
    """The HTML message ``key`` in ``lang``, with every parameter HTML-escaped."""
    escaped = {name: html_escape(_flat(value)) for name, value in params.items()}
    return CATALOGUE[key][lang].format(**escaped)


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def format_time(moment: datetime, timezone: str) -> str:
    """A timestamp in the taskforce's time zone, to the second, with its UTC offset."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %z")


def html_escape(value: Any) -> str:
    """``value`` as text that is safe inside HTML."""
    return html_lib.escape(str(value))
