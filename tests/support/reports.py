"""Reading rendered page documents back: the text of a PDF, the tables of an ODT."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pypdf

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, whitespace collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def odt_tables(data: bytes) -> list[list[list[str]]]:
    """Every table of an ODT document (checked to be one) as rows of cell texts."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        root = ElementTree.fromstring(archive.read("content.xml"))
    return [
        [
            ["".join(cell.itertext()) for cell in row.iter(f"{_TABLE}table-cell")]
            for row in table.iter(f"{_TABLE}table-row")
        ]
        for table in root.iter(f"{_TABLE}table")
    ]
