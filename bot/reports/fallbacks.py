"""The board's overview of fallback options: every vital and critical process, the
suppliers it depends on, each fallback with its status, last test, result, next planned
drill and open improvement actions. Markdown and HTML come from templates like the
after-action report, PDF and ODT from the same blocks the after-action report's pages use;
CSV has one row per line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.i18n import Language
from bot.reports.blocks import Block, Heading, Paragraph, table
from bot.reports.formats import FORMATS, ReportFormat
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
    "next_drill",
    "open_actions",
)


def fallback_view(
    lines: Sequence[ProcessFallback], today: date, lang: Language, timezone: str
) -> dict[str, Any]:
    """The overview as plain values in ``lang``, one row per process and fallback; the next
    planned drill to the minute in ``timezone``."""
    zone = ZoneInfo(timezone)
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
                # The one cell the page and table formats show for the two columns above.
                "last_test": (
                    f"{last.tested_on.isoformat()} "
                    f"{i18n.text(f'fallback_result.{last.result}', lang)}"
                    if last
                    else "-"
                ),
                "next_drill": (
                    line.next_drill.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                    if line.next_drill
                    else ""
                ),
                "open_actions": ", ".join(line.open_actions),
            }
        )
    return {"generated_on": today.isoformat(), "language": lang, "rows": rows}


def _markdown(view: dict[str, Any], lang: Language, timezone: str) -> bytes:
    return render("fallbacks.md.j2", view, environment(lang, timezone, autoescape=False)).encode()


def _html(view: dict[str, Any], lang: Language, timezone: str) -> bytes:
    return render("fallbacks.html.j2", view, environment(lang, timezone, autoescape=True)).encode()


def fallback_blocks(view: dict[str, Any], lang: Language) -> Iterator[Block]:
    """The overview as blocks for the page formats (PDF, ODT), like the Markdown table."""
    t = partial(i18n.text, lang=lang)
    yield Heading(t("report_fb.title"), 1)
    yield Paragraph(t("report_fb.intro", date=view["generated_on"]))
    if not view["rows"]:
        yield Paragraph(t("report_fb.empty"))
        return
    yield table(
        [
            t("report_fb.process"),
            t("report_fb.supplier"),
            t("report_fb.fallback"),
            t("report_fb.owner"),
            t("report_fb.status"),
            t("report_fb.last_test"),
            t("report_fb.next_drill"),
            t("report_fb.actions"),
        ],
        [
            [
                f"{row['organisation']} / {row['process']} ({row['criticality']})",
                f"{row['supplier']} / {row['service']}",
                f"{row['fallback']} {row['description']}" if row["fallback"] else "-",
                row["owner"] or "-",
                row["status"],
                row["last_test"],
                row["next_drill"] or "-",
                row["open_actions"] or "-",
            ]
            for row in view["rows"]
        ],
        [4, 4, 6, 3, 2, 3, 3, 2],
    )


def _pdf(view: dict[str, Any], lang: Language, _timezone: str) -> bytes:
    # Imported when first asked for, as for the after-action report (bot/reports/formats).
    from bot.reports.pdf import blocks_pdf

    title = i18n.text("report_fb.title", lang)
    return blocks_pdf(
        fallback_blocks(view, lang),
        lang,
        title=title,
        banner=None,
        footer=(f"{title} - {view['generated_on']}",),
    )


def _odt(view: dict[str, Any], lang: Language, _timezone: str) -> bytes:
    from bot.reports.odt import blocks_odt

    return blocks_odt(fallback_blocks(view, lang), title=i18n.text("report_fb.title", lang))


def _csv(view: dict[str, Any], _lang: Language, _timezone: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in view["rows"]:
        writer.writerow([cell(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode()


# The after-action report's formats (name, extension, media type), rendered for this view.
FALLBACK_FORMATS: dict[str, ReportFormat] = {
    name: replace(FORMATS[name], render=render)
    for name, render in (
        ("md", _markdown),
        ("html", _html),
        ("csv", _csv),
        ("pdf", _pdf),
        ("odt", _odt),
    )
}
