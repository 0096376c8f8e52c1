"""The report as one self-contained, printable HTML page (no external resources)."""

from __future__ import annotations

from typing import Any

from bot.i18n import Language
from bot.reports.templating import environment, render


def render_html(view: dict[str, Any], lang: Language, timezone: str) -> str:
    """The report view as HTML; every value is escaped by the template's autoescape."""
    return render("report.html.j2", view, environment(lang, timezone, autoescape=True))
