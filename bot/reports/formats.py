"""Every export format: file extension, media type and how to render the report view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.i18n import Language
from bot.reports.html import render_html
from bot.reports.markdown import render_markdown
from bot.reports.tabular import render_csv, render_json


def _pdf(view: dict[str, Any], lang: Language, _timezone: str) -> bytes:
    # Imported when first asked for: fpdf (with fontTools) and odfpy add some 55 MiB to
    # every bot process, which exports a PDF or ODT only now and then.
    from bot.reports.pdf import render_pdf

    return render_pdf(view, lang)


def _odt(view: dict[str, Any], lang: Language, _timezone: str) -> bytes:
    from bot.reports.odt import render_odt

    return render_odt(view, lang)


@dataclass(frozen=True)
class ReportFormat:
    """One way to export a report."""

    name: str
    extension: str
    mimetype: str
    render: Callable[[dict[str, Any], Language, str], bytes]


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat(
            "md",
            "md",
            "text/markdown",
            lambda view, lang, tz: render_markdown(view, lang, tz).encode(),
        ),
        ReportFormat(
            "html", "html", "text/html", lambda view, lang, tz: render_html(view, lang, tz).encode()
        ),
        ReportFormat(
            "json", "json", "application/json", lambda view, _l, _t: render_json(view).encode()
        ),
        ReportFormat("csv", "csv", "text/csv", lambda view, _l, _t: render_csv(view).encode()),
        ReportFormat("pdf", "pdf", "application/pdf", _pdf),
        ReportFormat("odt", "odt", "application/vnd.oasis.opendocument.text", _odt),
    )
}
ALIASES = {"markdown": "md", "htm": "html"}


def find_format(name: str) -> ReportFormat | None:
    """The format called ``name`` (case-insensitive, ``markdown`` = ``md``), if any."""
    key = name.strip().lower()
    return FORMATS.get(ALIASES.get(key, key))
