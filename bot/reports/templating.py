"""The Jinja2 environment shared by the text formats (Markdown and HTML)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot import i18n
from bot.i18n import Language, format_time
from bot.playbooks.durations import format_duration


def when(value: str | None, timezone: str, unknown: str) -> str:
    """An ISO moment from the view in the taskforce's time zone."""
    if value is None:
        return unknown
    return format_time(datetime.fromisoformat(value), timezone)


# Characters that would turn user text into Markdown structure (emphasis, links, tables).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(value: Any) -> str:
    """User text as literal Markdown: special characters escaped, newlines flattened."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def escape_code(value: Any) -> str:
    """Text for inside a code span: backticks cannot end it early."""
    return " ".join(str(value).split()).replace("`", "'")


def duration(seconds: int | None, unknown: str) -> str:
    """Seconds as ``1d2h30m`` (playbook notation); under a minute shows as ``0m``."""
    if seconds is None:
        return unknown
    return format_duration(timedelta(seconds=seconds))


@lru_cache(maxsize=16)
def environment(lang: Language, timezone: str, *, autoescape: bool) -> Environment:
    """Templates from ``bot/reports/templates`` with the report filters and ``t``.

    Cached: compiling the templates costs more than rendering a small report.
    """
    env = Environment(
        loader=PackageLoader("bot.reports", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=autoescape,
    )
    unknown = i18n.text("report.unknown", lang)
    env.filters["when"] = partial(when, timezone=timezone, unknown=unknown)
    env.filters["duration"] = partial(duration, unknown=unknown)
    env.globals["t"] = partial(i18n.text, lang=lang)
    # Only the Markdown output needs these; with autoescape they are never used.
    env.filters["md"] = escape_markdown
    env.filters["code"] = escape_code
    return env


def render(template: str, view: dict[str, Any], env: Environment) -> str:
    """Render ``template`` with the report view as ``r``."""
    return env.get_template(template).render(r=view)
