"""The report as Markdown, rendered from a Jinja2 template."""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import Language
from bot.reports.templating import environment, render

# Characters that would turn user text into Markdown structure (emphasis, links, tables).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(value: Any) -> str:
    """User text as literal Markdown: special characters escaped, newlines flattened."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def escape_code(value: Any) -> str:
    """Text for inside a code span: backticks cannot end it early."""
    return " ".join(str(value).split()).replace("`", "'")


def render_markdown(view: dict[str, Any], lang: Language, timezone: str) -> str:
    """The report view as a Markdown document."""
    env = environment(lang, timezone, autoescape=False)  # user text goes through `md`
    env.filters["md"] = escape_markdown
    env.filters["code"] = escape_code
    return render("report.md.j2", view, env)
