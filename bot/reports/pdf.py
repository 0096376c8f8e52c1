"""The report as PDF, with fpdf2: pure Python, installs from a wheel, no system libraries.

The built-in PDF fonts (Helvetica) cover Latin-1, which holds Dutch and English text;
typographic punctuation is mapped to its plain form and any other character shows as
``?``, so a PDF never fails to render. The Markdown, HTML, JSON and ODT exports keep
every character.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot import i18n
from bot.i18n import Language
from bot.reports.blocks import Block, Bullets, Heading, Paragraph, Table, report_blocks
from bot.reports.templating import edition_line

# Typographic characters outside Latin-1, by code point, and their plain spelling.
_PLAIN = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2192": "->",  # rightwards arrow
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "-",  # bullet
        "\u20ac": "EUR",
    }
)
_HEADING_SIZES = {1: 15, 2: 12.5, 3: 11}
_LINE = 5.0
_TABLE_LINE = 4.0


def latin1(text: str) -> str:
    """``text`` in the characters the built-in PDF fonts can show."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _ReportPDF(FPDF):
    def __init__(self, banner: str | None, footer: Sequence[str]) -> None:
        super().__init__(format="A4")
        self._banner = banner
        self._footer = footer
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)

    def header(self) -> None:
        if self._banner:  # an exercise is marked on every page
            self.set_font("helvetica", "B", 9)
            self.set_text_color(176, 0, 0)
            self.cell(0, 5, latin1(self._banner), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 7)
        first, *rest = self._footer
        self.cell(0, 4, latin1(f"{self.page_no()} - {first}"), align="C")
        for line in rest:
            self.ln(3)
            self.cell(0, 4, latin1(line), align="C")


def render_pdf(view: dict[str, Any], lang: Language) -> bytes:
    """The after-action report view as a PDF document."""
    situation = view["situation"]
    return blocks_pdf(
        report_blocks(view, lang),
        lang,
        title=i18n.text("report.title", lang, id=situation["id"]),
        banner=i18n.text("report.exercise", lang) if situation["is_exercise"] else None,
        footer=(f"SHA-256 {view['chain']['head_hash']}", edition_line(view, lang)),
    )


def blocks_pdf(
    blocks: Iterable[Block],
    lang: Language,
    *,
    title: str,
    banner: str | None,
    footer: Sequence[str],
) -> bytes:
    """A PDF of ``blocks``: ``banner`` on top of and ``footer`` (after the page number)
    at the foot of every page."""
    pdf = _ReportPDF(banner, footer)
    pdf.set_title(latin1(title))
    pdf.set_creator("Weerbaar")
    pdf.set_lang(lang)
    pdf.add_page()
    for block in blocks:
        _draw(pdf, block)
    return bytes(pdf.output())


def _draw(pdf: FPDF, block: Block) -> None:
    if isinstance(block, Heading):
        pdf.ln(2)
        pdf.set_font("helvetica", "B", _HEADING_SIZES[block.level])
        _text(pdf, block.text, _LINE + 1)
    elif isinstance(block, Paragraph):
        if block.emphasis:
            pdf.set_text_color(176, 0, 0)
        pdf.set_font("helvetica", "B" if block.emphasis else "", 9)
        _text(pdf, block.text, _LINE)
        pdf.set_text_color(0, 0, 0)
    elif isinstance(block, Bullets):
        pdf.set_font("helvetica", "", 9)
        for item in block.items:
            _text(pdf, "- " + item, _LINE)
    else:
        _table(pdf, block)


def _text(pdf: FPDF, text: str, height: float) -> None:
    # fpdf2's multi_cell costs about 3 ms a call and cell 0.2 ms; wrapping here and
    # placing plain text is what makes a 10,000-entry report take seconds, not minutes.
    for line in wrap(pdf, latin1(text), pdf.epw):
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        pdf.text(pdf.l_margin, pdf.get_y() + height * 0.75, line)
        pdf.set_y(pdf.get_y() + height)


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` in the current font; long words are cut.

    A line break in ``text`` (a note may span lines) starts a new line.
    """
    if "\n" in text:
        return [line for part in text.split("\n") for line in wrap(pdf, part, width)]
    if pdf.get_string_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while pdf.get_string_width(line) > width:
            cut = _fitting(pdf, line, width)
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    return lines


def _fitting(pdf: FPDF, word: str, width: float) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _table(pdf: FPDF, table: Table) -> None:
    if table.compact or not _rows_fit_a_page(pdf, table):
        pdf.set_font("helvetica", "B", 8)
        _text(pdf, "  ".join(table.header), _TABLE_LINE)
        pdf.set_font("helvetica", "", 8)
        for row in table.rows:
            _text(pdf, "  ".join(row), _TABLE_LINE)
        return
    pdf.set_font("helvetica", "", 8)
    with pdf.table(
        col_widths=tuple(table.widths),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=_TABLE_LINE,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as drawn:
        for row in [table.header, *table.rows]:
            cells = drawn.row()
            for value in row:
                cells.cell(latin1(value))


def _rows_fit_a_page(pdf: FPDF, table: Table) -> bool:
    """Whether every row of ``table`` drawn as a grid takes at most half a page.

    fpdf2 cannot split a row over pages and refuses a table with a row taller than one
    (a long note, a pasted mail); such a table is drawn compact, line by line. Half a page
    leaves room for fpdf2's line breaking, which differs a little from ``wrap``.
    """
    pdf.set_font("helvetica", "", 8)
    total = sum(table.widths)
    widths = [pdf.epw * part / total - 2 * pdf.c_margin for part in table.widths]
    half_page = (pdf.page_break_trigger - pdf.t_margin) / 2
    return all(
        max(len(wrap(pdf, latin1(value), width)) for value, width in zip(row, widths, strict=True))
        * _TABLE_LINE
        <= half_page
        for row in table.rows
    )
