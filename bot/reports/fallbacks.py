"""The board's overview of fallback options: every vital and critical process, the
suppliers it depends on, each fallback with its status, last test, result and open
improvement actions. Markdown and HTML come from templates like the after-action report;
CSV has one row per line."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot import i18n
from bot.i18n import Language
from bot.reports.formats import ReportFormat
from bot.reports.tabular import cell
from bot.reports.templating import environment, render
from bot.suppliers.fallbacks import ProcessFallback

COLUMNS = (
    "organisation",
    "process",
    "criticality",
    "supplier",
    "service",
    "fallback",
    "description",
    "owner",
    "status",
    "last_tested",
    "result",
    "open_actions",
)


def fallback_view(lines: Sequence[ProcessFallback], today: date, lang: Language) -> dict[str, Any]:
    """The overview as plain values in ``lang``, one row per process and fallback."""
    rows = []
    for line in lines:
        state = line.fallback
        last = state.last if state is not None else None
        rows.append(
            {
                "organisation": line.organisation,
                "process": line.process,
                "criticality": i18n.text(f"criticality.{line.criticality.value}", lang),
                "supplier": line.supplier,
                "service": line.service,
                "fallback": state.key if state else "",
                "description": state.option.description if state else "",
                "owner": (state.option.owner or "") if state else "",
                "status": i18n.text(
                    f"fallback_status.{state.status.value}" if state else "report_fb.none", lang
                ),
                "last_tested": last.tested_on.isoformat() if last else "",
                "result": i18n.text(f"fallback_result.{last.result}", lang) if last else "",
                "open_actions": ", ".join(line.open_actions),
            }
        )
    return {"generated_on": today.isoformat(), "language": lang, "rows": rows}


def _markdown(view: dict[str, Any], lang: Language, timezone: str) -> bytes:
    return render("fallbacks.md.j2", view, environment(lang, timezone, autoescape=False)).encode()


def _html(view: dict[str, Any], lang: Language, timezone: str) -> bytes:
    return render("fallbacks.html.j2", view, environment(lang, timezone, autoescape=True)).encode()


def _csv(view: dict[str, Any], _lang: Language, _timezone: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in view["rows"]:
        writer.writerow([cell(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode()


FALLBACK_FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("md", "md", "text/markdown", _markdown),
        ReportFormat("html", "html", "text/html", _html),
        ReportFormat("csv", "csv", "text/csv", _csv),
    )
}
