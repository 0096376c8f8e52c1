"""The report as ODT (OpenDocument Text, the open standard Dutch government requires).

Built with odfpy, the reference Python library for OpenDocument.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from odf.dc import Title
from odf.opendocument import OpenDocumentText
from odf.style import ParagraphProperties, Style, TextProperties
from odf.table import Table as OdfTable
from odf.table import TableCell, TableColumn, TableRow
from odf.text import H, P

from bot import i18n
from bot.i18n import Language
from bot.reports.blocks import Block, Bullets, Heading, Paragraph, Table, report_blocks


def render_odt(view: dict[str, Any], lang: Language) -> bytes:
    """The after-action report view as an ODT document."""
    title = i18n.text("report.title", lang, id=view["situation"]["id"])
    return blocks_odt(report_blocks(view, lang), title=title)


def blocks_odt(blocks: Iterable[Block], *, title: str) -> bytes:
    """An ODT document of ``blocks`` titled ``title``."""
    document = OpenDocumentText()
    styles = _styles(document)
    document.meta.addElement(Title(text=title))
    body = document.text
    for block in blocks:
        if isinstance(block, Heading):
            body.addElement(
                H(outlinelevel=block.level, stylename=styles[f"h{block.level}"], text=block.text)
            )
        elif isinstance(block, Paragraph):
            style = styles["alert"] if block.emphasis else styles["body"]
            body.addElement(P(stylename=style, text=block.text))
        elif isinstance(block, Bullets):
            for item in block.items:
                body.addElement(P(stylename=styles["body"], text="• " + item))
        elif block.compact:
            body.addElement(P(stylename=styles["head"], text=" · ".join(block.header)))
            for row in block.rows:
                body.addElement(P(stylename=styles["cell"], text=" · ".join(row)))
        else:
            body.addElement(_table(block, styles))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _styles(document: OpenDocumentText) -> dict[str, Style]:
    def paragraph(name: str, size: str, bold: bool = False, color: str = "#000000") -> Style:
        style = Style(name=name, family="paragraph")
        style.addElement(
            TextProperties(fontsize=size, fontweight="bold" if bold else "normal", color=color)
        )
        style.addElement(ParagraphProperties(margintop="0.1cm", marginbottom="0.1cm"))
        document.styles.addElement(style)
        return style

    return {
        "h1": paragraph("Heading 1", "16pt", bold=True),
        "h2": paragraph("Heading 2", "13pt", bold=True),
        "h3": paragraph("Heading 3", "11pt", bold=True),
        "body": paragraph("Report Body", "10pt"),
        "alert": paragraph("Report Alert", "11pt", bold=True, color="#b00000"),
        "cell": paragraph("Report Cell", "8pt"),
        "head": paragraph("Report Cell Heading", "8pt", bold=True),
    }


def _table(table: Table, styles: dict[str, Style]) -> OdfTable:
    drawn = OdfTable()
    drawn.addElement(TableColumn(numbercolumnsrepeated=len(table.header)))
    for index, row in enumerate([table.header, *table.rows]):
        style = styles["head"] if index == 0 else styles["cell"]
        line = TableRow()
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(stylename=style, text=value))
            line.addElement(cell)
        drawn.addElement(line)
    return drawn
