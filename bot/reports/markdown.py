"""The report as Markdown, rendered from a Jinja2 template."""

from __future__ import annotations

from typing import Any

from bot.i18n import Language
from bot.reports.templating import environment, render


def render_markdown(view: dict[str, Any], lang: Language, timezone: str) -> str:
    """The report view as a Markdown document; user text goes through the ``md`` filter."""
    return render("report.md.j2", view, environment(lang, timezone, autoescape=False))
