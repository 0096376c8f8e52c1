"""The decision log of a situation as Markdown, rendered from a Jinja2 template."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot import i18n
from bot.i18n import Language, format_time
from bot.reports.data import SituationReport
from bot.storage.models import LogEntryRecord

# Characters that would turn user text into Markdown structure (emphasis, links, tables).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(value: Any) -> str:
    """User text as literal Markdown: special characters escaped, newlines flattened."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def describe_entry(entry: LogEntryRecord, lang: Language) -> str:
    """One line saying what a log entry records."""
    return i18n.text(f"log.{entry.kind}", lang, **entry.payload)


def render_markdown(report: SituationReport, lang: Language, timezone: str) -> str:
    """The situation's decision log as a Markdown document."""
    env = Environment(
        loader=PackageLoader("bot.reports", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown output: user text goes through the `md` filter instead
    )
    env.filters["md"] = escape_markdown
    env.filters["when"] = partial(format_time, timezone=timezone)
    env.filters["describe"] = partial(describe_entry, lang=lang)
    template = env.get_template("decision_log.md.j2")
    return template.render(
        t=partial(i18n.text, lang=lang),
        situation=report.situation,
        chain=report.chain,
        entries=report.entries,
        decisions=[entry for entry in report.entries if entry.kind == "decision"],
        runs=report.runs,
    )
