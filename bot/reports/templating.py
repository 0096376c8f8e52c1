"""The Jinja2 environment shared by the text formats (Markdown and HTML)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot import i18n
from bot.i18n import Language, format_timestamp
from bot.playbooks.durations import format_duration
from bot.reports.metrics import metric_table


def when(value: str | None, timezone: str, unknown: str) -> str:
    """An ISO moment from the view in the taskforce's time zone."""
    if value is None:
        return unknown
    return format_timestamp(datetime.fromisoformat(value), timezone)


def _when_in(zone: ZoneInfo, timezone: str, unknown: str) -> Callable[[str | None], str]:
    """``when`` for one time zone, as fast as a report with thousands of moments needs.

    The same text as ``format_timestamp`` (``%Y-%m-%d %H:%M:%S %z``), cut from ``isoformat``
    (much cheaper than ``strftime``) with the zone looked up once; offsets with seconds
    (historic local mean time) take the general path.
    """

    def fast_when(value: str | None) -> str:
        if value is None:
            return unknown
        local = datetime.fromisoformat(value).astimezone(zone)
        offset = local.utcoffset()
        if offset is None or offset.seconds % 60 or offset.microseconds:
            return when(value, timezone, unknown)
        # "2026-11-23 10:00:00+01:00" -> "2026-11-23 10:00:00 +0100"
        text = local.isoformat(" ", "seconds")
        return f"{text[:19]} {text[19:22]}{text[23:25]}"

    return fast_when


# Characters that would turn user text into Markdown structure (emphasis, links, tables).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def edition_line(view: dict[str, Any], lang: Language) -> str:
    """The footer saying which version (internal or disclosure) the reader holds."""
    edition = view["edition"]
    return f"{i18n.text('report.edition', lang)}: {i18n.text(f'report.edition.{edition}', lang)}"


def escape_markdown(value: Any) -> str:
    """User text as literal Markdown: special characters escaped, newlines flattened."""
    text = str(value)
    # Most values (ids, plain sentences) are already flat: only printable characters (so no
    # whitespace but the plain space) and no runs of spaces. Skip the split/join for them.
    if not (text.isprintable() and "  " not in text and text == text.strip(" ")):
        text = " ".join(text.split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def escape_code(value: Any) -> str:
    """Text for inside a code span: backticks cannot end it early."""
    return " ".join(str(value).split()).replace("`", "'")


def duration(seconds: int | None, unknown: str) -> str:
    """Seconds as ``1d2h30m`` (playbook notation); under a minute shows as ``0m``."""
    if seconds is None:
        return unknown
    return format_duration(timedelta(seconds=seconds))


def _labels(lang: Language) -> Callable[..., str]:
    """``i18n.text`` in ``lang``; texts without parameters (headings, labels repeated in
    every row) are looked up once per environment."""
    labels: dict[str, str] = {}

    def t(key: str, **params: Any) -> str:
        if params:
            return i18n.text(key, lang, **params)
        label = labels.get(key)
        if label is None:
            label = labels[key] = i18n.text(key, lang)
        return label

    return t


class _ViewEnvironment(Environment):
    """Jinja looks up ``e.seq`` as an attribute first and only then as a key; the report
    view is plain dicts, so try the key first and spare an exception per lookup (tens of
    thousands in a long incident's timeline)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=16)
def environment(lang: Language, timezone: str, *, autoescape: bool) -> Environment:
    """Templates from ``bot/reports/templates`` with the report filters and ``t``.

    Cached: compiling the templates costs more than rendering a small report.
    """
    env = _ViewEnvironment(
        loader=PackageLoader("bot.reports", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=autoescape,
        auto_reload=False,  # the templates ship with the code: no stat() per render
    )
    unknown = i18n.text("report.unknown", lang)
    at = _when_in(ZoneInfo(timezone), timezone, unknown)
    took = partial(duration, unknown=unknown)
    t = _labels(lang)
    env.filters["when"] = at
    env.filters["duration"] = took
    env.globals["t"] = t
    # The metrics table comes from its one definition, like in the page formats.
    env.globals["edition_line"] = partial(edition_line, lang=lang)
    env.globals["metric_table"] = partial(metric_table, t=t, at=at, took=took)
    # Only the Markdown output needs these; with autoescape they are never used.
    env.filters["md"] = escape_markdown
    env.filters["code"] = escape_code
    return env


def render(template: str, view: dict[str, Any], env: Environment) -> str:
    """Render ``template`` with the report view as ``r``."""
    return env.get_template(template).render(r=view)
