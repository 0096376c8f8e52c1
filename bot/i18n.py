"""User-facing text in Dutch and English, in one catalogue.

Commands answer in the language of the name the user typed (``!besluit`` in Dutch,
``!decide`` in English); messages not tied to a command use the configured language.
Placeholders use ``str.format`` syntax; ``html`` escapes every parameter first.
A number placeholder picks a plural with ``{count:besluit|besluiten}`` (singular for 1),
and a ``Term`` parameter (a phase, role or state code) is shown translated, so codes such
as ``de_escalation`` never reach a reader. The texts live in ``bot/messages``, one module
per area, merged here.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import (
    alerts,
    commands,
    core,
    crypto,
    decisionlog,
    degraded,
    exercises,
    fallbacks,
    outbox,
    playbooks,
    reports,
    snooze,
    sources,
    suppliers,
    watch,
    web,
)
from bot.messages.types import LANGUAGES, Language, merge_catalogues

__all__ = [
    "LANGUAGES",
    "Language",
    "Term",
    "format_time",
    "format_timestamp",
    "html",
    "html_escape",
    "language_of",
    "text",
    "text_in_both",
]


def language_of(stored: object) -> Language:
    """A language read back from storage or a payload: English when it says so, else Dutch
    (the bot's home language)."""
    return "en" if stored == "en" else "nl"


CATALOGUE = merge_catalogues(
    core.MESSAGES,
    commands.MESSAGES,
    alerts.MESSAGES,
    suppliers.MESSAGES,
    fallbacks.MESSAGES,
    playbooks.MESSAGES,
    crypto.MESSAGES,
    decisionlog.MESSAGES,
    degraded.MESSAGES,
    reports.MESSAGES,
    watch.MESSAGES,
    exercises.MESSAGES,
    outbox.MESSAGES,
    sources.MESSAGES,
    snooze.MESSAGES,
    web.MESSAGES,
)


@dataclass(frozen=True)
class Term:
    """A code shown to people by its name in the catalogue (``{kind}.{code}``)."""

    kind: str
    code: str

    def name(self, lang: Language) -> str:
        """The term's name in ``lang``."""
        return CATALOGUE[f"{self.kind}.{self.code}"][lang]


class _Count(int):
    """A number that formats ``{n:one|many}`` as the word for its quantity."""

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            singular, plural = spec.split("|", 1)
            return singular if self == 1 else plural
        return int.__format__(self, spec)


def text(key: str, lang: Language, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in; lists become "a, b"."""
    return CATALOGUE[key][lang].format(
        **{name: _shown(value, lang, str) for name, value in params.items()}
    )


def text_in_both(key: str, first: Language, **params: Any) -> str:
    """The message in ``first`` and then in the other language, on two lines."""
    second: Language = "en" if first == "nl" else "nl"
    return f"{text(key, first, **params)}\n{text(key, second, **params)}"


def html(key: str, lang: Language, **params: Any) -> str:
    """The HTML message ``key`` in ``lang``, with every parameter HTML-escaped."""
    escaped = {name: _shown(value, lang, html_escape) for name, value in params.items()}
    return CATALOGUE[key][lang].format(**escaped)


def _shown(value: Any, lang: Language, render: Callable[[Any], str]) -> Any:
    # Numbers stay numbers (digits need no escaping) so a message can pick its plural.
    if isinstance(value, int) and not isinstance(value, bool):
        return _Count(value)
    if isinstance(value, Term):
        return render(value.name(lang))
    if isinstance(value, list | tuple):
        items = [item.name(lang) if isinstance(item, Term) else str(item) for item in value]
        return render(", ".join(items) or "-")
    return render(str(value))


def format_timestamp(moment: datetime, timezone: str) -> str:
    """A document timestamp (reports, exports): to the second, with its UTC offset."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %z")


_RELATIVE_WITHIN = timedelta(days=7)


def format_time(
    moment: datetime,
    timezone: str,
    lang: Language,
    now: datetime | None = None,
    *,
    relative: bool = False,
) -> str:
    """A moment as people read it in chat: ``di 5 dec 19:46`` / ``Tue 5 Dec 19:46``.

    In the taskforce's time zone, to the minute. Knowing ``now``, the date is left out
    for today (``19:46``) and ``relative`` adds how far off it is (``over 2 u``); the
    year is shown only when it is not the current one.
    """
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    local_now = now.astimezone(zone) if now is not None else None
    if local_now is not None and local.date() == local_now.date():
        shown = clock
    else:
        weekday = CATALOGUE["time.weekdays"][lang].split()[local.weekday()]
        month = CATALOGUE["time.months"][lang].split()[local.month - 1]
        year = "" if local_now is not None and local.year == local_now.year else f" {local.year}"
        shown = f"{weekday} {local.day} {month}{year} {clock}"
    # Far-off moments read better as a date alone ("over 26324 dagen" helps nobody).
    if relative and now is not None and abs(moment - now) < _RELATIVE_WITHIN:
        shown += f" ({_relative(moment - now, lang)})"
    return shown


def _relative(delta: timedelta, lang: Language) -> str:
    """``over 2 u`` / ``in 2 h``, ``5 min geleden`` / ``5 min ago``: rounded to one unit."""
    minutes = round(abs(delta.total_seconds()) / 60)
    if minutes < 60:
        amount = text("time.minutes", lang, count=minutes)
    elif minutes < 48 * 60:
        amount = text("time.hours", lang, count=round(minutes / 60))
    else:
        amount = text("time.days", lang, count=round(minutes / (24 * 60)))
    key = "time.future" if delta >= timedelta(0) else "time.past"
    return text(key, lang, amount=amount)


def html_escape(value: Any) -> str:
    """``value`` as text that is safe inside HTML."""
    return html_lib.escape(str(value))
